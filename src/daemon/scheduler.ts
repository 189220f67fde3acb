/**
 * When the daemon syncs. Triggers (file watcher, cron schedules, hub changes, the API) ask the
 * {@link SyncScheduler} for a run; it decides when runs start. Time comes from an injected
 * {@link Timers} so tests drive it with fake timers.
 */

/** The clock and timer functions the scheduler uses (ms). */
export interface Timers {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's real clock and timers. */
export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Rate-limit and backoff settings in ms, read at each decision so config reloads apply at once. */
export interface SchedulerLimits {
  /** `daemon.min_interval` × 1000: least time between runs served for one non-exempt source. */
  minIntervalMs: number;
  /** `daemon.cooldown` × 1000: wait after the first failure; also the base of the backoff. */
  cooldownMs: number;
  /** `daemon.backoff_cap` × 1000: the longest wait after failures. */
  backoffCapMs: number;
}

/** What a run is told: the sources it serves and a signal aborted by {@link SyncScheduler.stop}. */
export interface RunRequest {
  sources: string[];
  signal: AbortSignal;
}

/** A run's outcome; a thrown error counts as `{ ok: false, error: message }`. */
export interface RunResult {
  ok: boolean;
  error?: string;
}

/** Options of {@link SyncScheduler}. */
export interface SchedulerOptions {
  timers: Timers;
  /** Performs one run. */
  run(req: RunRequest): Promise<RunResult>;
  limits(): SchedulerLimits;
  /** Uniform [0, 1) for jitter; default Math.random. */
  random?: () => number;
  /** Called whenever the status may have changed (a run started or ended, a request queued). */
  onChange?: () => void;
}

/** How a request is treated. */
export interface RequestOptions {
  /** Not rate-limited per source (high-priority local edits, already debounced by the caller). */
  exempt?: boolean;
  /** Also ignores the failure backoff (an explicit "sync now" from the user). Implies `exempt`. */
  force?: boolean;
}

/** A snapshot of the scheduler's state. Times in ms since the epoch. */
export interface SchedulerStatus {
  running: boolean;
  /** Sources waiting for a run. */
  queued: string[];
  /** When the next queued run may start, null when nothing is queued or a run is in flight. */
  nextRunAt: number | null;
  /** Consecutive failed runs. */
  failures: number;
  /** Automatic runs wait until this time after failures (0 when not backing off). */
  blockedUntil: number;
  lastError: string | null;
}

interface Pending {
  exempt: boolean;
  force: boolean;
  waiters: (() => void)[];
}

/** The source name of the automatic retry queued after a failed run. */
export const RETRY_SOURCE = "retry";

/**
 * The wait after `failures` consecutive failures (ms): the cooldown after the first, then
 * exponential backoff `base × 2^(n-1)` with "equal jitter" (half fixed, half random), capped at
 * `backoffCapMs`. `base` is the cooldown, or 1 s when the cooldown is 0.
 * Jitter rule: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelay(failures: number, limits: SchedulerLimits, random: () => number): number {
  if (failures <= 0) return 0;
  if (failures === 1) return Math.min(limits.cooldownMs, limits.backoffCapMs);
  const base = limits.cooldownMs > 0 ? limits.cooldownMs : 1000;
  const exp = Math.min(limits.backoffCapMs, base * 2 ** Math.min(failures - 1, 40));
  return Math.min(limits.backoffCapMs, exp / 2 + random() * (exp / 2));
}

/**
 * Decides when sync runs start. Guarantees (each has a test in scheduler.test.ts):
 *
 * 1. **One at a time.** At most one run is in flight.
 * 2. **Nothing dropped.** Every request is served by a run that starts after the request was made;
 *    its promise resolves when that run ends (success or failure). Only {@link stop} resolves
 *    requests without a run.
 * 3. **Merged.** A run serves every request queued when it starts (each run is a full sync). Any
 *    number of requests arriving while a run is in flight cause exactly one follow-up run.
 * 4. **Rate limit.** A request from a non-exempt source S does not start a run before
 *    `minIntervalMs` has passed since the start of the last run that served S; it waits for the end
 *    of that window and then runs (or is merged earlier into a run another source started).
 *    Exempt requests (high-priority local edits, debounced by the caller) and forced requests are
 *    not rate-limited.
 * 5. **Backoff.** After n consecutive failed runs no run starts before the last failure's end plus
 *    {@link backoffDelay}(n) — the cooldown, then exponential backoff with jitter up to the cap —
 *    except forced ones. A retry is queued after each failure so the daemon recovers without a new
 *    trigger; a successful run resets the backoff.
 * 6. **Clean stop.** {@link stop} aborts the in-flight run's signal, waits for it to end, and no run
 *    starts afterwards.
 */
export class SyncScheduler {
  private readonly queue = new Map<string, Pending>();
  private readonly lastRunAt = new Map<string, number>();
  private readonly random: () => number;
  private running: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private wake: { handle: unknown; at: number } | undefined;
  private failures = 0;
  private blockedUntil = 0;
  private lastError: string | null = null;
  private stopped = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.random = opts.random ?? Math.random;
  }

  /**
   * Asks for a run on behalf of `source` (e.g. `watch`, `schedule`, `hub:work`, `manual`).
   * @returns a promise resolved when the run serving this request has ended
   */
  request(source: string, options: RequestOptions = {}): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const force = options.force === true;
      const exempt = force || options.exempt === true;
      const cur = this.queue.get(source);
      if (cur) {
        cur.exempt ||= exempt;
        cur.force ||= force;
        cur.waiters.push(resolve);
      } else this.queue.set(source, { exempt, force, waiters: [resolve] });
      this.pump();
      this.opts.onChange?.();
    });
  }

  /** The current state. */
  status(): SchedulerStatus {
    return {
      running: this.running !== undefined,
      queued: [...this.queue.keys()],
      nextRunAt: this.running || this.queue.size === 0 ? null : this.earliestStart(),
      failures: this.failures,
      blockedUntil: this.blockedUntil,
      lastError: this.lastError,
    };
  }

  /** Resolves once no run is in flight (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Aborts the run in flight, waits for it, resolves every queued request, and starts nothing more. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearWake();
    this.controller?.abort();
    await this.idle();
    for (const p of this.queue.values()) for (const w of p.waiters) w();
    this.queue.clear();
  }

  private startAt(source: string, p: Pending): number {
    let at = 0;
    if (!p.exempt)
      at = (this.lastRunAt.get(source) ?? Number.NEGATIVE_INFINITY) + this.opts.limits().minIntervalMs;
    if (!p.force) at = Math.max(at, this.blockedUntil);
    return at;
  }

  private earliestStart(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const [s, p] of this.queue) min = Math.min(min, this.startAt(s, p));
    return Math.max(min, this.opts.timers.now());
  }

  private clearWake(): void {
    if (this.wake) this.opts.timers.clearTimeout(this.wake.handle);
    this.wake = undefined;
  }

  /** Starts a run when one is due, else arms one timer for the earliest due time. A run due now
   * still starts from a timer (0 ms), so requests made in the same tick share it. */
  private pump(fromWake = false): void {
    if (this.stopped || this.running || this.queue.size === 0) return;
    const now = this.opts.timers.now();
    const at = this.earliestStart();
    if (fromWake && at <= now) {
      this.startRun(now);
      return;
    }
    if (this.wake && this.wake.at === at) return;
    this.clearWake();
    this.wake = {
      at,
      handle: this.opts.timers.setTimeout(() => {
        this.wake = undefined;
        this.pump(true);
      }, at - now),
    };
  }

  private startRun(now: number): void {
    const served = [...this.queue.entries()];
    this.queue.clear();
    const sources = served.map(([s]) => s);
    for (const s of sources) this.lastRunAt.set(s, now);
    const controller = new AbortController();
    this.controller = controller;
    this.running = this.execute(sources, controller).then(() => {
      this.running = undefined;
      this.controller = undefined;
      for (const [, p] of served) for (const w of p.waiters) w();
      this.pump();
      this.opts.onChange?.();
    });
    this.opts.onChange?.();
  }

  private async execute(sources: string[], controller: AbortController): Promise<void> {
    await Promise.resolve(); // `running` is set before the run can call back into request()
    let result: RunResult;
    try {
      result = await this.opts.run({ sources, signal: controller.signal });
    } catch (e) {
      result = { ok: false, error: (e as Error)?.message ?? String(e) };
    }
    const end = this.opts.timers.now();
    if (result.ok) {
      this.failures = 0;
      this.blockedUntil = 0;
      this.lastError = null;
    } else {
      this.failures++;
      this.lastError = result.error ?? "sync failed";
      this.blockedUntil = end + backoffDelay(this.failures, this.opts.limits(), this.random);
      if (!this.stopped && !this.queue.has(RETRY_SOURCE))
        this.queue.set(RETRY_SOURCE, { exempt: true, force: false, waiters: [] });
    }
  }
}

/** Options of {@link Debouncer}. */
export interface DebouncerOptions {
  timers: Timers;
  /** Quiet time after the last touch before firing (ms), read at each touch. */
  delayMs(): number;
  /** Longest time from the first touch to firing, so a never-ending stream still fires (ms). */
  maxWaitMs(): number;
  fire(): void;
}

/**
 * Fires once `delayMs` after the last {@link touch} of a burst, or `maxWaitMs` after its first
 * touch, whichever comes first. A burst of any size fires once.
 */
export class Debouncer {
  private handle: unknown;
  private firstAt: number | undefined;

  constructor(private readonly opts: DebouncerOptions) {}

  /** Records one event of the burst. */
  touch(): void {
    const now = this.opts.timers.now();
    this.firstAt ??= now;
    if (this.handle !== undefined) this.opts.timers.clearTimeout(this.handle);
    const wait = Math.max(0, Math.min(this.opts.delayMs(), this.firstAt + this.opts.maxWaitMs() - now));
    this.handle = this.opts.timers.setTimeout(() => {
      this.handle = undefined;
      this.firstAt = undefined;
      this.opts.fire();
    }, wait);
  }

  /** True while a burst is waiting to fire. */
  get pending(): boolean {
    return this.handle !== undefined;
  }

  /** Drops a waiting burst without firing. */
  cancel(): void {
    if (this.handle !== undefined) this.opts.timers.clearTimeout(this.handle);
    this.handle = undefined;
    this.firstAt = undefined;
  }
}

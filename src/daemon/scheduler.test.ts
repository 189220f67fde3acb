import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  backoffDelay,
  Debouncer,
  RETRY_SOURCE,
  type RunRequest,
  type RunResult,
  realTimers,
  type SchedulerLimits,
  SyncScheduler,
} from "./scheduler.js";

interface Recorded {
  at: number;
  sources: string[];
}

function harness(opts: {
  limits?: Partial<SchedulerLimits>;
  runMs?: number;
  outcomes?: RunResult[];
  random?: () => number;
}) {
  const runs: Recorded[] = [];
  const outcomes = [...(opts.outcomes ?? [])];
  const limits: SchedulerLimits = {
    minIntervalMs: 0,
    cooldownMs: 0,
    backoffCapMs: 60_000,
    ...opts.limits,
  };
  let inFlight = 0;
  let maxInFlight = 0;
  const scheduler = new SyncScheduler({
    timers: realTimers,
    limits: () => limits,
    random: opts.random ?? (() => 0.5),
    async run(req: RunRequest) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      runs.push({ at: Date.now(), sources: [...req.sources].sort() });
      if (opts.runMs) await new Promise((r) => setTimeout(r, opts.runMs));
      inFlight--;
      return outcomes.shift() ?? { ok: true };
    },
  });
  return { scheduler, runs, maxInFlight: () => maxInFlight };
}

describe("SyncScheduler", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs one at a time and merges requests made during a run into exactly one follow-up", async () => {
    const h = harness({ runMs: 100 });
    void h.scheduler.request("watch", { exempt: true });
    await vi.advanceTimersByTimeAsync(10);
    expect(h.scheduler.status().running).toBe(true);
    for (const s of ["hub:a", "schedule", "watch", "manual"]) void h.scheduler.request(s, { exempt: true });
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.runs).toEqual([
      { at: 0, sources: ["watch"] },
      { at: 101, sources: ["hub:a", "manual", "schedule", "watch"] },
    ]);
    expect(h.maxInFlight()).toBe(1);
  });

  it("resolves a request only when the run serving it has ended", async () => {
    const h = harness({ runMs: 100 });
    let done = false;
    void h.scheduler.request("manual", { force: true }).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(50);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(60);
    expect(done).toBe(true);
  });

  it("rate-limits a source and runs a request made inside the window at the window's end", async () => {
    const h = harness({ limits: { minIntervalMs: 1000 } });
    void h.scheduler.request("hub:a");
    await vi.advanceTimersByTimeAsync(200);
    void h.scheduler.request("hub:a");
    await vi.advanceTimersByTimeAsync(100);
    void h.scheduler.request("hub:a");
    expect(h.scheduler.status().nextRunAt).toBe(1000);
    await vi.advanceTimersByTimeAsync(699);
    expect(h.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.runs).toEqual([
      { at: 0, sources: ["hub:a"] },
      { at: 1000, sources: ["hub:a"] },
    ]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.runs).toHaveLength(2);
  });

  it("keeps windows per source and does not rate-limit exempt requests", async () => {
    const h = harness({ limits: { minIntervalMs: 1000 } });
    void h.scheduler.request("schedule");
    await vi.advanceTimersByTimeAsync(100);
    void h.scheduler.request("hub:a"); // another source: not limited by schedule's window
    await vi.advanceTimersByTimeAsync(100);
    void h.scheduler.request("watch", { exempt: true });
    void h.scheduler.request("watch", { exempt: true });
    await vi.advanceTimersByTimeAsync(100);
    expect(h.runs).toEqual([
      { at: 0, sources: ["schedule"] },
      { at: 100, sources: ["hub:a"] },
      { at: 200, sources: ["watch"] },
    ]);
  });

  it("backs off after failures (cooldown, then exponential with jitter), retries by itself and resets after a success", async () => {
    const h = harness({
      limits: { cooldownMs: 100, backoffCapMs: 10_000 },
      outcomes: [
        { ok: false, error: "hub down" },
        { ok: false, error: "hub down" },
      ],
      random: () => 0.5,
    });
    void h.scheduler.request("schedule");
    await vi.advanceTimersByTimeAsync(1);
    expect(h.scheduler.status()).toMatchObject({ failures: 1, blockedUntil: 100, lastError: "hub down" });
    expect(h.scheduler.status().queued).toEqual([RETRY_SOURCE]);
    // an edit during the backoff waits too
    void h.scheduler.request("watch", { exempt: true });
    await vi.advanceTimersByTimeAsync(98);
    expect(h.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.runs.map((r) => r.at)).toEqual([0, 100]);
    // second failure: base 100 × 2 = 200, equal jitter at 0.5 → 150
    expect(h.scheduler.status()).toMatchObject({ failures: 2, blockedUntil: 250 });
    await vi.advanceTimersByTimeAsync(200);
    expect(h.runs.map((r) => r.at)).toEqual([0, 100, 250]);
    expect(h.scheduler.status()).toMatchObject({ failures: 0, blockedUntil: 0, lastError: null, queued: [] });
    // after the reset a request runs at once
    void h.scheduler.request("watch", { exempt: true });
    await vi.advanceTimersByTimeAsync(1);
    expect(h.runs.map((r) => r.at)).toEqual([0, 100, 250, 300]);
  });

  it("lets a forced request through the backoff", async () => {
    const h = harness({ limits: { cooldownMs: 10_000 }, outcomes: [{ ok: false, error: "x" }] });
    void h.scheduler.request("schedule");
    await vi.advanceTimersByTimeAsync(10);
    void h.scheduler.request("manual", { force: true });
    await vi.advanceTimersByTimeAsync(1);
    expect(h.runs.map((r) => r.sources)).toEqual([["schedule"], ["manual", RETRY_SOURCE]]);
    expect(h.scheduler.status().failures).toBe(0);
  });

  it("counts a thrown error as a failure", async () => {
    const scheduler = new SyncScheduler({
      timers: realTimers,
      limits: () => ({ minIntervalMs: 0, cooldownMs: 50, backoffCapMs: 1000 }),
      run: async () => {
        throw new Error("boom");
      },
    });
    const served = scheduler.request("manual", { force: true });
    await vi.advanceTimersByTimeAsync(1);
    await served;
    expect(scheduler.status()).toMatchObject({ failures: 1, lastError: "boom" });
    await scheduler.stop();
  });

  it("stop aborts the run in flight, waits for it, and starts nothing more", async () => {
    let aborted = false;
    let runs = 0;
    const scheduler = new SyncScheduler({
      timers: realTimers,
      limits: () => ({ minIntervalMs: 0, cooldownMs: 0, backoffCapMs: 1000 }),
      run: (req) =>
        new Promise<RunResult>((resolve) => {
          runs++;
          req.signal.addEventListener("abort", () => {
            aborted = true;
            setTimeout(() => resolve({ ok: false, error: "aborted" }), 20);
          });
        }),
    });
    void scheduler.request("watch", { exempt: true });
    await vi.advanceTimersByTimeAsync(5);
    void scheduler.request("schedule");
    const stopped = scheduler.stop();
    await vi.advanceTimersByTimeAsync(50);
    await stopped;
    expect(aborted).toBe(true);
    expect(scheduler.status().running).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(1);
  });
});

describe("backoffDelay", () => {
  it("is the cooldown first, then grows and never passes the cap", () => {
    const limits = { minIntervalMs: 0, cooldownMs: 30_000, backoffCapMs: 3_600_000 };
    expect(backoffDelay(0, limits, () => 0.9)).toBe(0);
    expect(backoffDelay(1, limits, () => 0.9)).toBe(30_000);
    expect(backoffDelay(2, limits, () => 0)).toBe(30_000);
    expect(backoffDelay(2, limits, () => 1)).toBe(60_000);
    expect(backoffDelay(3, limits, () => 1)).toBe(120_000);
    expect(backoffDelay(50, limits, () => 1)).toBe(3_600_000);
    expect(backoffDelay(50, limits, () => 0)).toBe(1_800_000);
  });
});

describe("Debouncer", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires once for a burst of 1,000 touches, delay after the last one", async () => {
    let fired = 0;
    const d = new Debouncer({
      timers: realTimers,
      delayMs: () => 500,
      maxWaitMs: () => 60_000,
      fire: () => fired++,
    });
    for (let i = 0; i < 1000; i++) {
      d.touch();
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(498);
    expect(fired).toBe(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(fired).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(fired).toBe(1);
  });

  it("fires by maxWait during a never-ending stream", async () => {
    let fired = 0;
    const d = new Debouncer({
      timers: realTimers,
      delayMs: () => 100,
      maxWaitMs: () => 1000,
      fire: () => fired++,
    });
    for (let i = 0; i < 150; i++) {
      d.touch();
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(fired).toBe(1);
  });
});

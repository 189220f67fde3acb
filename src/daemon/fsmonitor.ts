/**
 * The daemon side of the fsmonitor protocol (`src/core/fsmonitor.ts`; git's `fsmonitor--daemon`):
 * a change log fed by the watcher, tokens `"<instance>:<seq>"`, and the cookie barrier that makes an
 * answer cover every change made before the request.
 *
 * - {@link FsmonitorLog}: pure bookkeeping (no I/O), unit-tested on its own. A sequence number
 *   counts events; per watched root it keeps the seq at which its watch became ready, the seq (and
 *   reason) of its last reset, and, per artifact location, the seq of its last change.
 * - {@link CookieBarrier}: writes a cookie file into a folder watched with `fs.watch` in this
 *   process and waits until its event comes back. libuv reads every `fs.watch` of one loop from one
 *   inotify descriptor, in order, so once the cookie's event is delivered every earlier event of
 *   the artifact folders has been delivered (and logged) too.
 * - {@link Fsmonitor}: both, plus the I/O around them (resolving roots with realpath, telling a
 *   replaced root folder), as `POST /api/fsmonitor` uses it.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import {
  type FsmonitorRequest,
  type FsmonitorResponse,
  type FsmonitorRootAnswer,
  placeChange,
} from "../core/fsmonitor.js";
import { TEMP_MARKER } from "../store/fs.js";
import type { ScanRoot } from "./scan.js";

/** The watcher backend whose answers can be vouched for: one OS watch per folder, events unbatched. */
const EXACT_BACKEND = "folders";

/** A watched root as the log knows it. */
export interface LoggedRoot {
  root: ScanRoot;
  /** `realpath` of `root.root` when its watch started. */
  real: string;
  /** The root folder's identity (`dev:ino`) when its watch started. */
  id: string;
}

/** A request root after resolving. */
export interface ResolvedRoot {
  /** As the request spelled it (the response's key). */
  given: string;
  /** Its realpath and folder identity, or why it could not be resolved. */
  resolved: { real: string; id: string } | { error: string };
}

interface RootState extends LoggedRoot {
  /** Seq at which the watch became ready (its initial crawl done). */
  readySeq: number;
  /** Seq and reason of the last reset (watch started, watcher error, a layout folder moved…). */
  resetSeq: number;
  resetReason: string;
  /** Artifact location (relative, `/`-separated) → seq of its last change. */
  changed: Map<string, number>;
}

/** Parses `"<instance>:<seq>"`. */
function parseToken(token: string): { instance: string; seq: number } | undefined {
  const colon = token.lastIndexOf(":");
  if (colon <= 0) return undefined;
  const digits = token.slice(colon + 1);
  if (!/^\d{1,15}$/.test(digits)) return undefined;
  return { instance: token.slice(0, colon), seq: Number(digits) };
}

/** The change log and token rules. No I/O: the callers resolve paths and run the barrier. */
export class FsmonitorLog {
  /** Random per daemon start: a token of another start names events this one never saw. */
  readonly instance: string;
  private seq = 0;
  /** By `ScanRoot.root`. */
  private roots = new Map<string, RootState>();
  private backend: string | undefined;
  /** Between watchStarted and watchStopped. */
  private watching = false;

  constructor(opts: { instance?: string } = {}) {
    this.instance = opts.instance ?? randomBytes(8).toString("hex");
  }

  /** The token standing for every event logged so far. */
  token(): string {
    return `${this.instance}:${this.seq}`;
  }

  /** The watcher (re)started over `roots` with `backend`: each is ready, and reset, as of now. */
  watchStarted(roots: readonly LoggedRoot[], backend: string): void {
    this.seq++;
    this.backend = backend;
    this.watching = true;
    this.roots = new Map(
      roots.map((r) => [
        r.root.root,
        { ...r, readySeq: this.seq, resetSeq: this.seq, resetReason: "watch started", changed: new Map() },
      ]),
    );
  }

  /** The watcher stopped (closed for a restart or the daemon's stop): nothing is watched. */
  watchStopped(): void {
    this.seq++;
    this.watching = false;
    this.roots.clear();
  }

  /** One change the watcher saw under `root` (`rel` relative to it, `/`-separated, `""` the root). */
  observe(change: { root: ScanRoot; rel: string }): void {
    const state = this.roots.get(change.root.root);
    if (!state) return;
    const place = placeChange(state.root.layout, change.rel);
    if (place.place === "outside") return;
    this.seq++;
    if (place.place === "artifact") state.changed.set(place.location, this.seq);
    else this.resetState(state, `${change.rel === "" ? "the root" : change.rel} itself changed`);
  }

  /** Forgets what is known about every root (a watcher error: events may have been lost). */
  resetAll(reason: string): void {
    this.seq++;
    for (const state of this.roots.values()) this.resetState(state, reason);
  }

  private resetState(state: RootState, reason: string): void {
    state.resetSeq = this.seq;
    state.resetReason = reason;
    state.changed.clear();
  }

  /** Whether any watched root would need the barrier (only an exact backend can answer anything). */
  exact(): boolean {
    return this.backend === EXACT_BACKEND;
  }

  /**
   * The answer for `since` and each root. `barrierFailure` is set when the cookie barrier did not
   * complete (then nothing can be vouched for). Synchronous: the token and the changes are read at
   * the same moment.
   */
  answer(input: {
    since: string | null;
    roots: readonly ResolvedRoot[];
    barrierFailure?: string | undefined;
  }): FsmonitorResponse {
    const token = this.token();
    const since = input.since === null ? undefined : parseToken(input.since);
    const all = (reason: string): FsmonitorRootAnswer => ({ all: true, reason });
    const common = (): string | undefined => {
      if (input.since === null) return "no token yet (first use)";
      if (!since) return `malformed token ${JSON.stringify(input.since)}`;
      if (since.instance !== this.instance)
        return "daemon restarted (the token is from another daemon start)";
      if (since.seq > this.seq) return "malformed token (ahead of the daemon)";
      if (input.barrierFailure !== undefined) return input.barrierFailure;
      return undefined;
    };
    const shared = common();
    const roots: Record<string, FsmonitorRootAnswer> = {};
    for (const r of input.roots) {
      roots[r.given] = shared !== undefined ? all(shared) : this.answerRoot(r, since?.seq ?? 0);
    }
    return { token, roots };
  }

  private answerRoot(r: ResolvedRoot, sinceSeq: number): FsmonitorRootAnswer {
    const all = (reason: string): FsmonitorRootAnswer => ({ all: true, reason });
    if ("error" in r.resolved) return all(r.resolved.error);
    const real = r.resolved.real;
    const state = [...this.roots.values()].find((s) => s.real === real);
    if (!this.watching) return all("the daemon's watch is not ready (starting or restarting)");
    if (!state)
      return all(
        "not a root the daemon watches (the collection or a registered project that existed when its watch started)",
      );
    if (this.backend !== EXACT_BACKEND)
      return all(
        `the daemon's watcher backend is ${this.backend}, which batches events (use daemon.watcher = "folders")`,
      );
    if (state.id !== r.resolved.id) return all("the root folder was replaced since its watch started");
    if (sinceSeq < state.readySeq) return all("the watch started after the token");
    if (sinceSeq < state.resetSeq) return all(`reset after the token: ${state.resetReason}`);
    const base = resolve(r.given);
    const changed: string[] = [];
    for (const [location, seq] of state.changed)
      if (seq > sinceSeq) changed.push(join(base, ...location.split("/")));
    return { all: false, changed: changed.sort() };
  }
}

/** Prefix of cookie files; never contains {@link TEMP_MARKER}, which the watchers skip. */
export const COOKIE_PREFIX = ".skillsync-cookie-";
if (COOKIE_PREFIX.includes(TEMP_MARKER)) throw new Error("cookie names must not look like temp files");

/**
 * git's fsmonitor cookie: a file written into a folder this process watches with `fs.watch`; when
 * its event comes back, every event the OS queued before it has been handled.
 */
export class CookieBarrier {
  private watch: fs.FSWatcher | undefined;
  private readonly waiting = new Map<string, (failure: string | undefined) => void>();
  private n = 0;
  private closed = false;

  constructor(private readonly opts: { dir: string; timeoutMs?: number }) {}

  private ensureWatch(): void {
    if (this.watch) return;
    fs.mkdirSync(this.opts.dir, { recursive: true });
    for (const e of fs.readdirSync(this.opts.dir))
      if (e.startsWith(COOKIE_PREFIX)) fs.rmSync(join(this.opts.dir, e), { force: true });
    const w = fs.watch(this.opts.dir, { persistent: false }, (_event, name) => {
      const done = name === null ? undefined : this.waiting.get(String(name));
      done?.(undefined);
    });
    w.on("error", (e) => {
      if (this.watch === w) this.watch = undefined;
      w.close();
      for (const done of [...this.waiting.values()]) done(`the cookie watch failed: ${e.message}`);
    });
    this.watch = w;
  }

  /** Resolves undefined once a fresh cookie came back through the watch, or the reason it did not. */
  async pass(): Promise<string | undefined> {
    if (this.closed) return "the daemon is stopping";
    const name = `${COOKIE_PREFIX}${process.pid}-${++this.n}`;
    const file = join(this.opts.dir, name);
    let timer: NodeJS.Timeout | undefined;
    const result = new Promise<string | undefined>((done) => {
      this.waiting.set(name, done);
      timer = setTimeout(() => done("barrier timed out"), this.opts.timeoutMs ?? 2000);
    });
    try {
      this.ensureWatch();
      fs.writeFileSync(file, "");
    } catch (e) {
      this.waiting.get(name)?.(`cannot write the fsmonitor cookie: ${(e as Error).message}`);
    }
    const failure = await result;
    clearTimeout(timer);
    this.waiting.delete(name);
    try {
      fs.rmSync(file, { force: true });
    } catch {}
    // Other watches' callbacks queued in the same loop turn (e.g. libuv's FSEvents handles on
    // macOS, each woken by its own async handle) run before the check phase: wait for them too.
    if (failure === undefined) await new Promise<void>((r) => setImmediate(r));
    return failure;
  }

  close(): void {
    this.closed = true;
    this.watch?.close();
    this.watch = undefined;
    for (const done of [...this.waiting.values()]) done("the daemon is stopping");
  }
}

const requestSchema = z
  .object({
    roots: z.array(z.string().min(1).refine(isAbsolute, "must be an absolute path")).max(10_000),
    since: z.string().nullable(),
  })
  .strict();

/** Validates a `POST /api/fsmonitor` body: the request, or one error line. */
export function parseFsmonitorRequest(
  body: unknown,
): { ok: true; request: FsmonitorRequest } | { ok: false; error: string } {
  const r = requestSchema.safeParse(body);
  if (r.success) return { ok: true, request: r.data };
  const issue = r.error.issues[0];
  const at = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return {
    ok: false,
    error: `invalid fsmonitor request: ${at}${issue?.message ?? "bad body"} (expected {"roots": [absolute paths], "since": token or null})`,
  };
}

/** Options of {@link Fsmonitor}. */
export interface FsmonitorOptions {
  /** Folder for cookie files, watched with `fs.watch` once the first request comes. */
  cookieDir: string;
  instance?: string;
  /** Barrier timeout; default 2000 ms. */
  barrierTimeoutMs?: number;
  /**
   * Whether a cookie seen proves earlier events were seen: one ordered event stream per loop
   * (inotify on Linux, libuv's one FSEvents stream on macOS). Default: not on Windows, where each
   * folder has its own ReadDirectoryChangesW handle.
   */
  orderedEvents?: boolean;
}

/**
 * File-system types (statfs `f_type`, Linux magic numbers) on which a local watcher cannot see every
 * change: edits made by other machines to a network mount reach no local inotify watch (git's
 * fsmonitor refuses such mounts too, `fsmonitor.allowRemote`).
 */
const NETWORK_FS: ReadonlyMap<number, string> = new Map([
  [0x6969, "nfs"],
  [0x517b, "smb"],
  [0xfe534d42, "smb2"],
  [0xff534d42, "cifs"],
  [0x564c, "ncp"],
  [0x65735546, "fuse"],
  [0x01021997, "9p"],
  [0x47504653, "gpfs"],
  [0x0bd00bd0, "lustre"],
  [0x00c36400, "ceph"],
  [0x5346414f, "afs"],
]);

/** The network file system `path` lives on (see {@link NETWORK_FS}), or undefined (Linux only). */
export function networkFileSystem(
  path: string,
  platform: NodeJS.Platform = process.platform,
  statfs: (path: string) => { type: number | bigint } = fs.statfsSync,
): string | undefined {
  if (platform !== "linux") return undefined;
  try {
    return NETWORK_FS.get(Number(statfs(path).type));
  } catch {
    return undefined;
  }
}

function identify(path: string): { real: string; id: string } | { error: string } {
  try {
    const real = fs.realpathSync(path);
    const st = fs.statSync(real);
    if (!st.isDirectory()) return { error: `${path} is not a folder` };
    const remote = networkFileSystem(real);
    if (remote)
      return {
        error: `${path} is on a network file system (${remote}); changes made elsewhere are not seen`,
      };
    return { real, id: `${st.dev}:${st.ino}` };
  } catch (e) {
    return { error: `cannot resolve ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
}

/** The daemon's fsmonitor: the change log, fed by the watcher, and the barrier for answers. */
export class Fsmonitor {
  readonly log: FsmonitorLog;
  private readonly barrier: CookieBarrier;
  private readonly ordered: boolean;

  constructor(opts: FsmonitorOptions) {
    this.log = new FsmonitorLog(opts.instance === undefined ? {} : { instance: opts.instance });
    this.barrier = new CookieBarrier({
      dir: opts.cookieDir,
      ...(opts.barrierTimeoutMs === undefined ? {} : { timeoutMs: opts.barrierTimeoutMs }),
    });
    this.ordered = opts.orderedEvents ?? process.platform !== "win32";
  }

  /** The watcher is ready over `roots` (those that do not exist are not watched). */
  watchStarted(roots: readonly ScanRoot[], backend: string): void {
    const logged: LoggedRoot[] = [];
    for (const root of roots) {
      const r = identify(root.root);
      if ("real" in r) logged.push({ root, real: r.real, id: r.id });
    }
    this.log.watchStarted(logged, backend);
  }

  watchStopped(): void {
    this.log.watchStopped();
  }

  /** A change the watcher saw (before any exclusion or trigger filter). */
  observe(change: { root: ScanRoot; rel: string }): void {
    this.log.observe(change);
  }

  /** A watcher error: events may have been lost under any root. */
  watcherError(error: Error): void {
    this.log.resetAll(`watcher error: ${error.message}`);
  }

  /** Answers a request: resolves its roots, passes the cookie barrier, then reads the log. */
  async query(req: FsmonitorRequest): Promise<FsmonitorResponse> {
    const roots: ResolvedRoot[] = req.roots.map((given) => ({ given, resolved: identify(given) }));
    let barrierFailure: string | undefined;
    if (!this.ordered)
      barrierFailure = `the cookie barrier needs one ordered event stream, which ${process.platform} does not give`;
    else if (this.log.exact() && req.since !== null && roots.length > 0)
      barrierFailure = await this.barrier.pass();
    return this.log.answer({ since: req.since, roots, barrierFailure });
  }

  close(): void {
    this.barrier.close();
  }
}

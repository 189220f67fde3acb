/**
 * The lstat-only check of unchanged folder artifacts (stat-check.ts `folderUnchanged`), shared with
 * one worker thread: a status over two trees spends most of its time in `lstat` calls, which two
 * threads can make side by side. The calling thread lists the rows to check (location and tree hash
 * only), starts checking them at once and hands the list to a worker that joins in as soon as it has
 * booted (verify-thread.ts starts it early); each row is claimed by exactly one thread
 * (`Atomics.compareExchange` on its slot; the caller walks from the front, the worker from the back)
 * and read by that thread from its own read-only connection, and is checked only if its tree hash is
 * still the listed one. A worker started early for `status` has been checking the likely rows while
 * the caller loaded its modules (verify-worker.ts); those answers count when location and tree hash
 * match the list. The worker loads only better-sqlite3 and stat-check.ts;
 * the caller never waits for it to boot, only for the rows it claimed. A worker that fails to start or
 * dies leaves its unfinished rows to the caller, so the answer never depends on threads being available.
 */
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import {
  checkClaimedRows,
  checkRow,
  prefixRange,
  ROW,
  type RowClaims,
  rowAnswered,
  rowLister,
  rowReader,
  rowUnchanged,
  type VerifyWorkerJob,
} from "./stat-check.js";
import { dismissVerifyWorker, startVerifyWorker, takeVerifyWorker } from "./verify-thread.js";

/** Work for the check: folder artifact locations under `root` (absolute paths). */
export interface VerifyJob {
  root: string;
  locations: string[];
}

/**
 * Fewer locations than this are checked on the calling thread alone (a worker costs ~30–50 ms of CPU
 * to boot, on another core).
 */
export const PARALLEL_MIN_ROWS = 200;

/** How {@link verifyUnchangedFolders} spreads the rows: `auto` (default), `caller` only, or `worker` only (tests). */
export type VerifyThreads = "auto" | "caller" | "worker";

/**
 * What one {@link verifyUnchangedFolders} call did: rows checked, how many of them the worker answered,
 * and how many of those it had checked before the job reached it.
 */
export interface VerifyReport {
  rows: number;
  byWorker: number;
  early: number;
  /** Resolves once the worker thread (if one was used) has stopped; nobody needs to wait for it. */
  workerStopped: Promise<void>;
}

/**
 * The locations of `jobs` whose stat-cache rows in `db` have a tree hash, with those hashes, in the
 * order of the rows (the rows' stats are read later, one by one, by whichever thread checks them).
 */
function listRows(
  db: Database.Database,
  jobs: readonly VerifyJob[],
): { locations: string[]; trees: string[] } {
  const locations: string[] = [];
  const trees: string[] = [];
  const under = rowLister(db);
  for (const job of jobs) {
    if (job.locations.length === 0) continue;
    const want = new Set(job.locations);
    for (const [location, tree] of under(job.root)) {
      if (!want.has(location)) continue;
      locations.push(location);
      trees.push(tree);
    }
  }
  return { locations, trees };
}

/**
 * Starts the worker ahead of {@link verifyUnchangedFolders} when the stat cache in `db` holds at least
 * {@link PARALLEL_MIN_ROWS} rows under `roots` and there are two or more CPUs: it then boots while
 * the caller finds the artifacts (one indexed count query; a worker nobody takes stays idle and does
 * not keep the process alive).
 */
export function startVerifyWorkerFor(db: Database.Database, roots: readonly string[]): void {
  if (availableParallelism() < 2 || roots.length === 0) return;
  const count = db.prepare("SELECT count(*) FROM stat_cache WHERE location >= ? AND location < ?").pluck();
  let rows = 0;
  for (const r of roots) rows += count.get(...prefixRange(r)) as number;
  if (rows >= PARALLEL_MIN_ROWS) startVerifyWorker();
}

/** Resolves when the worker has posted `done`, failed or exited, whichever comes first. */
function stopped(w: Worker): Promise<void> {
  return new Promise((resolve) => {
    const end = () => {
      w.off("message", end);
      w.off("error", end);
      w.off("exit", end);
      resolve();
    };
    w.on("message", end);
    w.on("error", end);
    w.on("exit", end);
  });
}

/**
 * Checks the folder artifacts of `jobs` against their stat-cache rows in `db` (a connection of this
 * thread), on this thread and, with two or more CPUs and at least {@link PARALLEL_MIN_ROWS} rows, one
 * worker thread. Returns location → tree hash for every unchanged location; locations not in the map
 * (changed, without a row, or a row that cannot tell) must be read the usual way.
 * @param onReport hears how many rows were checked and how many of them by the worker
 */
export async function verifyUnchangedFolders(
  db: Database.Database,
  jobs: readonly VerifyJob[],
  opts: { threads?: VerifyThreads; onReport?: (r: VerifyReport) => void } = {},
): Promise<Map<string, string>> {
  const threads = opts.threads ?? "auto";
  const locations = jobs.reduce((n, j) => n + j.locations.length, 0);
  const useWorker =
    threads === "worker" ||
    (threads === "auto" && locations >= PARALLEL_MIN_ROWS && availableParallelism() >= 2);
  // An early worker nobody will use must not go on checking rows beside the caller.
  if (!useWorker) dismissVerifyWorker();
  // The worker boots while the rows are read; one state byte per location (at most one row each).
  const claims: RowClaims = { state: new Uint8Array(new SharedArrayBuffer(Math.max(1, locations))) };
  const worker = useWorker ? takeVerifyWorker() : undefined;
  const end = worker && stopped(worker);
  const { locations: rows, trees } = listRows(db, jobs);
  worker?.postMessage({ claims, dbPath: db.name, locations: rows, trees } satisfies VerifyWorkerJob);
  const row = rowReader(db, rows, trees);
  // One read transaction for all the rows this thread reads (not one lock round per row).
  let byCaller =
    threads === "worker" && worker ? 0 : db.transaction(() => checkClaimedRows(rows.length, claims, row))();
  const state = claims.state;
  if (worker && rows.some((_, i) => !rowAnswered(Atomics.load(state, i)))) await end;
  // Rows the worker took but did not answer (it failed or died): check them here.
  for (let i = 0; i < rows.length; i++) {
    if (rowAnswered(Atomics.load(state, i))) continue;
    state[i] = checkRow(row(i)) ? ROW.unchanged : ROW.changed;
    byCaller++;
  }
  const result = new Map<string, string>();
  let early = 0;
  for (let i = 0; i < rows.length; i++) {
    const s = state[i]!;
    if (s === ROW.unchangedEarly || s === ROW.changedEarly) early++;
    if (rowUnchanged(s)) result.set(rows[i]!, trees[i]!);
  }
  // Nothing is left for the worker: stop it rather than let it open the database after the caller is
  // done (a long-running caller, or one that removes the folder next, must not race a late reader).
  const stoppedWorker = worker ? worker.terminate().then(() => undefined) : Promise.resolve();
  opts.onReport?.({
    rows: rows.length,
    byWorker: rows.length - byCaller,
    early,
    workerStopped: stoppedWorker,
  });
  return result;
}

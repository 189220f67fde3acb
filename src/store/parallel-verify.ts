/**
 * The lstat-only check of unchanged folder artifacts (`verifyCachedFolder`), spread over worker
 * threads: a status over two trees of 100,000 files spends most of its time in `lstat` calls, which
 * one thread per tree can make side by side. Each worker opens `state.db` read-only on its own
 * connection, reads the stat-cache rows under its root in one query, checks its locations and sends
 * back only `[location, tree hash]` pairs. Any failure to start or run a worker falls back to the same
 * check on the calling thread, so the result never depends on threads being available.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import { decodeStatRow, prefixRange, STAT_ROW_COLUMNS, type StatRow } from "./stat-cache.js";
import { verifyCachedFolder } from "./tree-read.js";

/** Work for one thread: folder artifact locations under `root` (absolute paths). */
export interface VerifyJob {
  root: string;
  locations: string[];
}

/** Fewer locations than this are checked on the calling thread (a worker costs ~30 ms to start). */
export const PARALLEL_MIN_LOCATIONS = 2000;

/**
 * `[location, tree hash]` of every location of `job` that is unchanged since its stat-cache row,
 * read from `db` (a connection of this thread).
 */
export function verifyJob(db: Database.Database, job: VerifyJob): [string, string][] {
  const [p, end] = prefixRange(job.root);
  const want = new Set(job.locations);
  const out: [string, string][] = [];
  const rows = db
    .prepare(`SELECT ${STAT_ROW_COLUMNS} FROM stat_cache WHERE location >= ? AND location < ?`)
    .all(p, end) as (StatRow & { location: string })[];
  for (const row of rows) {
    if (!row.tree || !row.dirs || !want.has(row.location)) continue;
    if (verifyCachedFolder(row.location, decodeStatRow(row))) out.push([row.location, row.tree]);
  }
  return out;
}

function runWorker(dbPath: string, job: VerifyJob): Promise<[string, string][]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./verify-worker.js", import.meta.url), { workerData: { dbPath, job } });
    w.once("message", (m: [string, string][]) => resolve(m));
    w.once("error", reject);
    w.once("exit", (code) => {
      if (code !== 0) reject(new Error(`verify worker exited with ${code}`));
    });
  });
}

/**
 * Checks `jobs` (one per root), each on its own worker thread when there is more than one CPU and
 * enough work, else on this thread with `db`. Returns location → tree hash for every unchanged
 * location; locations not in the map must be read the usual way.
 */
export async function verifyUnchangedFolders(
  db: Database.Database,
  dbPath: string,
  jobs: readonly VerifyJob[],
  /** Hears how each job ran: `worker`, `inline` (too little work or one CPU) or `fallback` (a worker failed). */
  onJob?: (root: string, how: "worker" | "inline" | "fallback") => void,
): Promise<Map<string, string>> {
  const total = jobs.reduce((n, j) => n + j.locations.length, 0);
  const result = new Map<string, string>();
  const add = (pairs: [string, string][]) => {
    for (const [loc, tree] of pairs) result.set(loc, tree);
  };
  if (total < PARALLEL_MIN_LOCATIONS || availableParallelism() < 2 || jobs.length < 2) {
    for (const j of jobs) {
      add(verifyJob(db, j));
      onJob?.(j.root, "inline");
    }
    return result;
  }
  const settled = await Promise.allSettled(jobs.map((j) => runWorker(dbPath, j)));
  settled.forEach((s, i) => {
    const job = jobs[i]!;
    add(s.status === "fulfilled" ? s.value : verifyJob(db, job));
    onJob?.(job.root, s.status === "fulfilled" ? "worker" : "fallback");
  });
  return result;
}

/**
 * Worker thread of parallel-verify.ts: opens `state.db` read-only, claims rows from the shared claims
 * (from the back; the caller walks from the front) until none is left, checks each with `lstat` calls
 * (stat-check.ts), then posts `"done"`. The job arrives in one message (verify-thread.ts starts the
 * thread before it is known).
 *
 * Started with an {@link EarlyCheck} (`status`, before the command's modules have loaded), the thread
 * does not sit idle until then: it lists the stat-cache rows under the roots the command is likely to
 * check and checks them in small batches, looking for its job between batches. When the job comes,
 * every row of it that was checked early, for the same location and the same tree hash as listed in
 * the job, is answered at once (`ROW.unchangedEarly` / `ROW.changedEarly`) unless the caller has
 * already claimed it; the early work stops there. Rows the guess missed are simply checked as usual.
 */
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import {
  checkClaimedRows,
  checkRow,
  ROW,
  rowLister,
  rowReader,
  STATE_DB_MMAP_BYTES,
  type VerifyWorkerJob,
} from "./stat-check.js";

/**
 * What the worker may check before its job arrives: the rows of `dbPath` under `roots` (absolute
 * folders, e.g. the project and the collections folder).
 */
export interface EarlyCheck {
  dbPath: string;
  roots: string[];
}

/** `workerData` of the worker thread. */
export interface VerifyWorkerData {
  early?: EarlyCheck;
}

/** Rows checked in one early batch, between two looks for the job (~1–2 ms of `lstat` calls). */
const EARLY_BATCH = 32;

const port = parentPort!;

function openReadOnly(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma(`mmap_size = ${STATE_DB_MMAP_BYTES}`);
  return db;
}

/** Location → [tree hash the row had, unchanged?] for the rows checked before the job arrived. */
const early = new Map<string, [tree: string, unchanged: boolean]>();
let earlyDb: Database.Database | undefined;
let jobTaken = false;

function runJob({ claims, dbPath, locations, trees }: VerifyWorkerJob): void {
  jobTaken = true;
  if (earlyDb?.inTransaction) earlyDb.exec("COMMIT");
  // Early answers first, for rows nobody has claimed yet.
  const state = claims.state;
  for (let i = 0; i < locations.length && early.size > 0; i++) {
    const e = early.get(locations[i]!);
    if (e && e[0] === trees[i])
      Atomics.compareExchange(state, i, ROW.open, e[1] ? ROW.unchangedEarly : ROW.changedEarly);
  }
  // The caller may have checked every other row meanwhile: then the database is not opened.
  let open = false;
  for (let i = 0; i < locations.length && !open; i++) open = Atomics.load(state, i) === ROW.open;
  if (!open) {
    earlyDb?.close();
    port.postMessage("done");
    return;
  }
  const db = earlyDb && earlyDb.name === dbPath ? earlyDb : openReadOnly(dbPath);
  try {
    const row = rowReader(db, locations, trees);
    // One read transaction for all the rows this thread reads (not one lock round per row).
    db.transaction(() => checkClaimedRows(locations.length, claims, row, "back"))();
  } finally {
    db.close();
    if (earlyDb && earlyDb !== db) earlyDb.close();
  }
  port.postMessage("done");
}

/** Forgets every early answer and closes the early connection (the job is then checked as usual). */
function dropEarly(): void {
  early.clear();
  if (earlyDb?.open) earlyDb.close();
  earlyDb = undefined;
}

/** Lists the rows under `roots` and checks them a batch at a time until the job arrives. */
function checkEarly({ dbPath, roots }: EarlyCheck): void {
  let locations: string[] = [];
  let trees: string[] = [];
  let row: (i: number) => ReturnType<ReturnType<typeof rowReader>>;
  try {
    earlyDb = openReadOnly(dbPath);
    const db = earlyDb;
    const under = rowLister(db);
    // One read transaction across the batches: the rows and the listing agree.
    db.exec("BEGIN");
    for (const root of roots)
      for (const [l, t] of under(root)) {
        locations.push(l);
        trees.push(t);
      }
    row = rowReader(db, locations, trees);
  } catch {
    // Early answers are an optimisation: without them the job is checked as usual.
    dropEarly();
    return;
  }
  let i = 0;
  const batch = (): void => {
    if (jobTaken) return;
    const queued = receiveMessageOnPort(port);
    if (queued) {
      runJob(queued.message as VerifyWorkerJob);
      return;
    }
    try {
      for (const end = Math.min(locations.length, i + EARLY_BATCH); i < end; i++)
        early.set(locations[i]!, [trees[i]!, checkRow(row(i))]);
      if (i < locations.length) setImmediate(batch);
      else {
        if (earlyDb?.inTransaction) earlyDb.exec("COMMIT");
        locations = [];
        trees = [];
      }
    } catch {
      dropEarly();
    }
  };
  batch();
}

port.once("message", (job: VerifyWorkerJob) => {
  if (!jobTaken) runJob(job);
});
const start = (workerData as VerifyWorkerData | undefined)?.early;
if (start) checkEarly(start);

/**
 * Worker thread of parallel-verify.ts: opens `state.db` read-only, takes rows from the shared claims
 * until none is left, checks each with `lstat` calls (stat-check.ts), then posts `"done"`. The job
 * arrives in one message (verify-thread.ts starts the thread before it is known).
 */
import { parentPort } from "node:worker_threads";
import Database from "better-sqlite3";
import { checkClaimedRows, type RowClaims, rowReader } from "./stat-check.js";

/** The message the worker waits for. */
export interface VerifyWorkerJob {
  claims: RowClaims;
  dbPath: string;
  locations: string[];
  trees: string[];
}

parentPort!.once("message", ({ claims, dbPath, locations, trees }: VerifyWorkerJob) => {
  // The caller may have checked every row while this thread booted: then the database is not opened.
  if (Atomics.load(claims.next, 0) >= locations.length) {
    parentPort!.postMessage("done");
    return;
  }
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const row = rowReader(db, locations, trees);
    // One read transaction for all the rows this thread reads (not one lock round per row).
    db.transaction(() => checkClaimedRows(locations.length, claims, row))();
  } finally {
    db.close();
  }
  parentPort!.postMessage("done");
});

/**
 * Worker thread of parallel-verify.ts: checks one root's folder artifacts against the stat cache on
 * its own read-only connection to `state.db`, and posts back `[location, tree hash]` pairs.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { type VerifyJob, verifyJob } from "./parallel-verify.js";

const { dbPath, job } = workerData as { dbPath: string; job: VerifyJob };
const db = new Database(dbPath, { readonly: true, fileMustExist: true });
try {
  parentPort!.postMessage(verifyJob(db, job));
} finally {
  db.close();
}

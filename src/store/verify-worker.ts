/**
 * Worker thread of parallel-verify.ts: takes rows from the shared claims until none is left, checks
 * each with `lstat` calls (stat-check.ts, which needs nothing but `node:fs`), then posts `"done"`.
 * The claims and rows arrive in one message (verify-thread.ts starts the thread before they are known).
 */
import { parentPort } from "node:worker_threads";
import { type CheckRow, checkClaimedRows, type RowClaims } from "./stat-check.js";

parentPort!.once("message", ({ claims, rows }: { claims: RowClaims; rows: CheckRow[] }) => {
  checkClaimedRows(rows, claims, true);
  parentPort!.postMessage("done");
});

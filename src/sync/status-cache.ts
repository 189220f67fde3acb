/**
 * The last status report of a project, reused when a file-system monitor proves nothing it depends
 * on changed (like git's untracked cache trusting fsmonitor): a no-change `status` with the daemon
 * running then reads one row instead of 20,000.
 *
 * A report is reused only when all of these hold, else it is computed again:
 * - the monitor vouched for both roots and named no change at all ({@link FsmonitorAnswer.quiet});
 * - the question started, for every root, from exactly the tokens stored with the report (the report
 *   was computed after those tokens' cookie barriers, so "no change since them" means "no change since
 *   the report was made");
 * - the deployment record has the size, mtime, ctime and inode it had, older than the second the
 *   report was stored in (racy rule), or is still absent;
 * - the same skillsync version, collection folder and config (preserved sections, layout…).
 * Everything else a report depends on is immutable (objects and tree metadata keyed by hash).
 * Table `status_cache` in state.db.
 */

import { type Stats, statSync } from "node:fs";
import { join } from "node:path";
import { DEPLOYMENT_RECORD_PATH } from "../core/layout.js";
import { createHash } from "../core/lazy-crypto.js";
import { settledBefore } from "../store/stat-cache.js";
import { readStatusCache, renewStatusCache, writeStatusCache } from "../store/state/status-cache.js";
import { openStateDb } from "../store/state-db.js";
import type { FsmonitorAnswer } from "./fsmonitor-client.js";
import type { StatusReport } from "./status.js";
import { VERSION_STRING } from "./version.js";
import type { Workspace } from "./workspace.js";

/** What, besides the files, a report depends on: version, collection folder, config. */
function inputsOf(ws: Workspace): string {
  return createHash("sha256")
    .update(JSON.stringify([VERSION_STRING, ws.collectionDir, ws.config]))
    .digest("hex");
}

/** The deployment record's stats as stored (`absent` when there is none), and its mtime (ms). */
function recordStat(project: string): { key: string; mtimeMs?: number } {
  let st: Stats;
  try {
    st = statSync(join(project, ...DEPLOYMENT_RECORD_PATH.split("/")));
  } catch {
    return { key: "absent" };
  }
  return { key: JSON.stringify([st.size, st.mtimeMs, st.ctimeMs, st.ino]), mtimeMs: st.mtimeMs };
}

function tokensJson(tokens: ReadonlyMap<string, string>): string {
  return JSON.stringify([...tokens].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What {@link beginStatus} found: the stored report when it holds, and how to store a new one. */
export interface StatusCacheLookup {
  report: StatusReport | undefined;
  /**
   * Records the outcome for the next status (call after `monitor.commit()`): the stored report now
   * stands for the answer's tokens, or `report` (computed after this lookup) replaces it.
   */
  store(report: StatusReport): void;
}

/**
 * Looks up the stored report of `project` against `monitor`'s answer (rules in the module comment).
 * The deployment record's stats are taken here, before the caller reads the record: a record rewritten
 * while a report is computed then differs next time, and the report is not reused.
 */
export function beginStatus(ws: Workspace, project: string, monitor: FsmonitorAnswer): StatusCacheLookup {
  const db = openStateDb(ws.paths.stateDb);
  const inputs = inputsOf(ws);
  const stat = recordStat(project);
  const store = (report: StatusReport) => {
    writeStatusCache(db, project, {
      inputs,
      tokens: tokensJson(monitor.tokens),
      record_stat: stat.key,
      written_at_ms: ws.now().getTime(),
      report: JSON.stringify(report),
    });
  };
  const renew = () => {
    renewStatusCache(db, project, tokensJson(monitor.tokens));
  };
  if (!monitor.quiet) return { report: undefined, store };
  const row = readStatusCache(db, project);
  const holds =
    row !== undefined &&
    row.inputs === inputs &&
    row.tokens === tokensJson(monitor.since) &&
    row.record_stat === stat.key &&
    (stat.mtimeMs === undefined || settledBefore(stat.mtimeMs, row.written_at_ms));
  if (!holds) return { report: undefined, store };
  return { report: JSON.parse(row.report) as StatusReport, store: renew };
}

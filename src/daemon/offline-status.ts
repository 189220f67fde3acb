/**
 * The daemon's status as `state.db` records it, for `skillsync auto status` when no daemon is
 * running (or it does not answer). Same shape as the running daemon's `GET /api/daemon/status`.
 */
import type { Config } from "../store/config.js";
import { lastSuccessfulRun, listHistory } from "../store/state/daemon-history.js";
import { readPersistedState } from "../store/state/daemon-state.js";
import type { StateDb } from "../store/state-db.js";
import type { DaemonStatus, SyncRunEntry } from "./context.js";
import { statusColor } from "./status-color.js";
import type { SyncConflict, SyncInvalid, SyncResult } from "./sync-types.js";

/** The daemon's past runs, newest first (at most `limit`, default 50). */
export function daemonHistory(db: StateDb, limit?: number): SyncRunEntry[] {
  return listHistory<SyncConflict, SyncInvalid, SyncResult>(db, limit);
}

/** The last run, and the last run that did not fail (the same one when the last run did not fail). */
export function lastRuns(db: StateDb): { last: SyncRunEntry | undefined; ok: SyncRunEntry | undefined } {
  const last = daemonHistory(db, 1)[0];
  const ok =
    last && last.outcome !== "failed" ? last : lastSuccessfulRun<SyncConflict, SyncInvalid, SyncResult>(db);
  return { last, ok };
}

/** Builds the status from `state.db` and the config; `running`, `pid` and `port` are false/0. */
export function offlineStatus(db: StateDb, config: Config): DaemonStatus {
  const persisted = readPersistedState(db);
  const { last, ok } = lastRuns(db);
  const conflicts = ok?.conflicts ?? [];
  return {
    last_sync: last?.finished_at ?? null,
    synced_skills: ok ? ok.results.filter((r) => r.success).length : 0,
    pending_updates: persisted.pending,
    conflicts,
    state: statusColor({
      lastOutcome: last?.outcome ?? null,
      conflicts: conflicts.length,
      pending: persisted.pending.length,
      invalid: ok?.invalid.length ?? 0,
      busy: false,
    }),
    enabled: config.daemon.enabled,
    running: false,
    queued: persisted.queued,
    next_scheduled: null,
    backoff: persisted.backoff,
    last_outcome: last?.outcome ?? null,
    invalid: ok?.invalid ?? [],
    pid: 0,
    port: 0,
  };
}

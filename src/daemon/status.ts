/**
 * The running daemon's status (`GET /api/skills/sync/status`, `GET /api/daemon/status`): computed
 * from the history in state.db, the scheduler and the pending sets; persisted on every change so
 * `skillsync auto status` answers after the daemon stopped, and announced as `status-changed` when
 * the light, the pending list, the conflicts or the last sync change.
 */
import { writePersistedState } from "../store/state/daemon-state.js";
import type { DaemonStatus, SyncStatus } from "./context.js";
import { lastRuns } from "./offline-status.js";
import { type DaemonRuntime, emit, iso } from "./runtime.js";
import type { SyncScheduler } from "./scheduler.js";
import { statusColor } from "./status-color.js";

/** The status functions of one daemon. */
export interface StatusReporter {
  status(): SyncStatus;
  daemonStatus(): DaemonStatus;
  /** Persists the status and emits `status-changed` when it changed (call after any change). */
  changed(): void;
}

/** Builds the reporter; `scheduler` and `nextScheduled` are read on each call. */
export function createStatusReporter(
  rt: DaemonRuntime,
  parts: { scheduler: () => SyncScheduler; nextScheduled: () => string | null },
): StatusReporter {
  const status = (): SyncStatus => {
    const { last, ok } = lastRuns(rt.db);
    const sched = parts.scheduler().status();
    const conflicts = ok?.conflicts ?? [];
    const pendingList = [...rt.pending].sort();
    return {
      last_sync: last?.finished_at ?? null,
      synced_skills: ok ? ok.results.filter((r) => r.success).length : 0,
      pending_updates: pendingList,
      conflicts,
      state: statusColor({
        lastOutcome: last?.outcome ?? null,
        conflicts: conflicts.length,
        pending: pendingList.length,
        invalid: ok?.invalid.length ?? 0,
        busy: sched.running || sched.queued.length > 0,
      }),
    };
  };
  const daemonStatus = (): DaemonStatus => {
    const s = status();
    const sched = parts.scheduler().status();
    const { last, ok } = lastRuns(rt.db);
    return {
      ...s,
      enabled: rt.config.daemon.enabled,
      running: sched.running,
      queued: [...new Set([...sched.queued, ...rt.pendingAuto])],
      next_scheduled: parts.nextScheduled(),
      backoff: {
        failures: sched.failures,
        until: sched.blockedUntil > 0 ? iso(sched.blockedUntil) : null,
        last_error: sched.lastError,
      },
      last_outcome: last?.outcome ?? null,
      invalid: ok?.invalid ?? [],
      pid: process.pid,
      port: rt.port,
    };
  };
  let lastColor: string | undefined;
  const changed = () => {
    if (rt.stopping && !rt.db.open) return;
    const d = daemonStatus();
    writePersistedState(rt.db, {
      pending: d.pending_updates,
      backoff: d.backoff,
      next_scheduled: d.next_scheduled,
      queued: d.queued,
    });
    const key = JSON.stringify([d.state, d.pending_updates, d.conflicts, d.last_sync]);
    if (key !== lastColor) {
      lastColor = key;
      emit(rt, { type: "status-changed", at: iso(rt.timers.now()), status: status() });
    }
  };
  return { status, daemonStatus, changed };
}

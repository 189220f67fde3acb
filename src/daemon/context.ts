/**
 * What the daemon hands to its HTTP routes (its own and the web UI's `registerUiRoutes` in
 * `ui-api.ts`): the home, the live config, the per-home token, the state database and the ways to
 * read status/history and to ask for a sync. Types only; `daemon.ts` builds the object.
 */
import type { Config } from "../store/config.js";
import type { HomePaths } from "../store/home.js";
import type { RunOutcome, RunRow } from "../store/state/daemon-history.js";
import type { BackoffState } from "../store/state/daemon-state.js";
import type { LocalSkill } from "../store/state/local-skills.js";
import type { StateDb } from "../store/state-db.js";
import type { SyncConflict, SyncInvalid, SyncResult } from "./sync-types.js";

/** Traffic-light summary: green = last sync ok and nothing waiting; yellow = pending, conflicts, invalid or running; red = last sync failed. */
export type StatusColor = "green" | "yellow" | "red";

/** `GET /api/skills/sync/status`: the seed's response plus `state`. Times are ISO 8601 UTC. */
export interface SyncStatus {
  /** Finish time of the last sync run, or null when none ran yet. */
  last_sync: string | null;
  /** Number of artifacts the last successful run synced without error. */
  synced_skills: number;
  /** Artifacts (`kind/name` or changed paths) waiting for the next sync. */
  pending_updates: string[];
  /** Unresolved conflicts recorded by the last run. */
  conflicts: SyncConflict[];
  state: StatusColor;
}

export type { RunOutcome } from "../store/state/daemon-history.js";
export type { BackoffState } from "../store/state/daemon-state.js";
export type { LocalSkill } from "../store/state/local-skills.js";

/** One row of sync history (`GET /api/sync/history`, `skillsync auto history`; table `daemon_history`). */
export type SyncRunEntry = RunRow<SyncConflict, SyncInvalid, SyncResult>;

/** Everything `skillsync auto status` shows; `GET /api/daemon/status`. */
export interface DaemonStatus extends SyncStatus {
  /** `daemon.enabled`: whether automatic syncs run. */
  enabled: boolean;
  /** A sync run is in flight (not whether the daemon process runs). */
  running: boolean;
  /** Sources waiting for a run, e.g. `["hub:work"]`. */
  queued: string[];
  /** Next cron run (ISO 8601 UTC) or null. */
  next_scheduled: string | null;
  backoff: BackoffState;
  last_outcome: RunOutcome | null;
  invalid: SyncInvalid[];
  /** The daemon's pid and port (0 when read from state.db without a daemon). */
  pid: number;
  port: number;
}

/** Events on `GET /api/events` (SSE; the event name is `type`, the data the whole object as JSON). */
export type DaemonEvent =
  | { type: "sync-started"; at: string; trigger: string }
  | {
      type: "sync-finished";
      at: string;
      trigger: string;
      outcome: RunOutcome;
      duration_ms: number;
      error: string | null;
      history_id: number;
    }
  | { type: "status-changed"; at: string; status: SyncStatus }
  | { type: "config-changed"; at: string }
  | { type: "scan-finished"; at: string; artifacts: number }
  | { type: "hub-change"; at: string; remote: string };

/** The daemon as its HTTP routes see it. */
export interface DaemonContext {
  /** Absolute `$SKILLSYNC_HOME`. */
  home: string;
  paths: HomePaths;
  /** The current config (reloaded when config.toml changes). */
  getConfig(): Config;
  /** Collection name the daemon syncs. */
  collection: string;
  /** The per-home secret required in `X-Skillsync-Token` on mutating routes. */
  token: string;
  stateDb: StateDb;
  /** Publishes an event to every `GET /api/events` listener. */
  emit(event: DaemonEvent): void;
  /** Adds an event listener; returns the function that removes it. */
  subscribe(listener: (event: DaemonEvent) => void): () => void;
  /**
   * Asks for a sync now (`trigger` e.g. `manual`, `ui`); merged with any queued request. Resolves
   * when the run that serves it has finished (rejects never: failures land in history and status).
   */
  requestSync(trigger: string): Promise<void>;
  /** The status summary (`GET /api/skills/sync/status`). */
  status(): SyncStatus;
  /** Full daemon status (`GET /api/daemon/status`). */
  daemonStatus(): DaemonStatus;
  /** Past runs, newest first. */
  history(limit?: number): SyncRunEntry[];
  /** Artifacts last seen on disk, from `local_skills`. */
  localSkills(): LocalSkill[];
  /** The clock (ms since epoch); tests may fake it. */
  now(): number;
}

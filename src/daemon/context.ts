/**
 * What the daemon hands to its HTTP routes (its own and the web UI's `registerUiRoutes` in
 * `ui-api.ts`): the home, the live config, the per-home token, the state database and the ways to
 * read status/history and to ask for a sync. Types only; `daemon.ts` builds the object.
 */
import type { Config } from "../store/config.js";
import type { HomePaths } from "../store/home.js";
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

/** Outcome of one run: `ok`, `partial` (conflicts or invalid artifacts held back) or `failed`. */
export type RunOutcome = "ok" | "partial" | "failed";

/** One row of sync history (`GET /api/sync/history`, `skillsync auto history`). */
export interface HistoryEntry {
  id: number;
  /** ISO 8601 UTC. */
  started_at: string;
  finished_at: string;
  duration_ms: number;
  /** Comma-joined trigger sources, e.g. `watch,hub:work`. */
  trigger: string;
  /** `kind/name` (or name) of every artifact the run touched. */
  artifacts: string[];
  outcome: RunOutcome;
  error: string | null;
  conflicts: SyncConflict[];
  invalid: SyncInvalid[];
  results: SyncResult[];
}

/** One artifact found on disk (table `local_skills`). */
export interface LocalSkill {
  /** `collection`, or the absolute path of a registered project. */
  location: string;
  kind: string;
  name: string;
  /** Absolute path of the artifact's folder (skills) or file. */
  path: string;
  /** Tree hash (DESIGN.md), null when unreadable. */
  tree_hash: string | null;
  valid: boolean;
  /** Validation errors, one line each (`file:line: message`). */
  problems: string[];
  version: string | null;
  /** ISO 8601 UTC of the last scan that saw it. */
  last_seen: string;
}

/** Backoff state after failed runs. */
export interface BackoffState {
  /** Consecutive failed runs (0 after a success). */
  failures: number;
  /** When automatic runs may start again (ISO 8601 UTC), or null. */
  until: string | null;
  last_error: string | null;
}

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
  history(limit?: number): HistoryEntry[];
  /** Artifacts last seen on disk, from `local_skills`. */
  localSkills(): LocalSkill[];
  /** The clock (ms since epoch); tests may fake it. */
  now(): number;
}

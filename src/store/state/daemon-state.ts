/**
 * Table `daemon_state` (module `daemon`, key → JSON): what the daemon persists between runs (pending
 * changes, backoff, next scheduled run) so `skillsync auto status` answers when it is not running.
 */
import { ensureStateSchema, type StateDb } from "../state-db.js";

/** Backoff state after failed runs. */
export interface BackoffState {
  /** Consecutive failed runs (0 after a success). */
  failures: number;
  /** When automatic runs may start again (ISO 8601 UTC), or null. */
  until: string | null;
  last_error: string | null;
}

/** What the daemon persists between runs for `auto status` when it is not running. */
export interface PersistedState {
  pending: string[];
  backoff: BackoffState;
  /** ISO 8601 UTC, or null. */
  next_scheduled: string | null;
  queued: string[];
}

/** Reads the persisted state, with empty defaults (also when the stored JSON is unreadable). */
export function readPersistedState(d: StateDb): PersistedState {
  const r = ensureStateSchema(d, "daemon")
    .prepare("SELECT value FROM daemon_state WHERE key = 'status'")
    .get() as { value: string } | undefined;
  const empty: PersistedState = {
    pending: [],
    backoff: { failures: 0, until: null, last_error: null },
    next_scheduled: null,
    queued: [],
  };
  if (!r) return empty;
  try {
    return { ...empty, ...(JSON.parse(r.value) as Partial<PersistedState>) };
  } catch {
    return empty;
  }
}

/** Persists the state (one row). */
export function writePersistedState(d: StateDb, state: PersistedState): void {
  ensureStateSchema(d, "daemon")
    .prepare(
      "INSERT INTO daemon_state (key, value) VALUES ('status', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )
    .run(JSON.stringify(state));
}

/**
 * The daemon's tables in `$SKILLSYNC_HOME/state.db` (module `daemon` in `schema_versions`):
 * `local_skills` (what a scan found on disk), `daemon_history` (one row per sync run) and
 * `daemon_state` (key → JSON: last status, backoff, pending), so `skillsync auto status|history`
 * answer without a running daemon.
 */
import type { StateDb } from "../store/state-db.js";
import { ensureSchema } from "../store/state-db.js";
import type { BackoffState, HistoryEntry, LocalSkill, RunOutcome } from "./context.js";
import type { SyncConflict, SyncInvalid, SyncResult } from "./sync-types.js";

const MIGRATIONS = [
  `CREATE TABLE local_skills (
     location TEXT NOT NULL,
     kind TEXT NOT NULL,
     name TEXT NOT NULL,
     path TEXT NOT NULL,
     tree_hash TEXT,
     valid INTEGER NOT NULL,
     problems TEXT NOT NULL,
     version TEXT,
     last_seen TEXT NOT NULL,
     PRIMARY KEY (location, kind, name)
   );
   CREATE TABLE daemon_history (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     started_at TEXT NOT NULL,
     finished_at TEXT NOT NULL,
     duration_ms INTEGER NOT NULL,
     trigger TEXT NOT NULL,
     artifacts TEXT NOT NULL,
     outcome TEXT NOT NULL,
     error TEXT,
     conflicts TEXT NOT NULL,
     invalid TEXT NOT NULL,
     results TEXT NOT NULL
   );
   CREATE TABLE daemon_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

/** Most history rows kept; older ones are deleted when a run is recorded. */
export const HISTORY_KEEP = 1000;

/** Creates or migrates the daemon's tables. */
export function ensureDaemonSchema(db: StateDb): void {
  ensureSchema(db, "daemon", MIGRATIONS);
}

interface SkillRow {
  location: string;
  kind: string;
  name: string;
  path: string;
  tree_hash: string | null;
  valid: number;
  problems: string;
  version: string | null;
  last_seen: string;
}

function toLocalSkill(r: SkillRow): LocalSkill {
  return { ...r, valid: r.valid === 1, problems: JSON.parse(r.problems) as string[] };
}

/** Every row of `local_skills`, by location, kind, name. */
export function listLocalSkills(db: StateDb): LocalSkill[] {
  ensureDaemonSchema(db);
  return (db.prepare("SELECT * FROM local_skills ORDER BY location, kind, name").all() as SkillRow[]).map(
    toLocalSkill,
  );
}

/** The rows of one location. */
export function listLocalSkillsAt(db: StateDb, location: string): LocalSkill[] {
  return (db.prepare("SELECT * FROM local_skills WHERE location = ?").all(location) as SkillRow[]).map(
    toLocalSkill,
  );
}

/** The row at `path`, if any. */
export function localSkillAt(db: StateDb, path: string): LocalSkill | undefined {
  const r = db.prepare("SELECT * FROM local_skills WHERE path = ?").get(path) as SkillRow | undefined;
  return r ? toLocalSkill(r) : undefined;
}

/** Inserts or updates rows (one transaction). */
export function upsertLocalSkills(db: StateDb, rows: readonly LocalSkill[]): void {
  const put = db.prepare(
    `INSERT INTO local_skills (location, kind, name, path, tree_hash, valid, problems, version, last_seen)
     VALUES (@location, @kind, @name, @path, @tree_hash, @valid, @problems, @version, @last_seen)
     ON CONFLICT(location, kind, name) DO UPDATE SET path = excluded.path, tree_hash = excluded.tree_hash,
       valid = excluded.valid, problems = excluded.problems, version = excluded.version, last_seen = excluded.last_seen`,
  );
  db.transaction(() => {
    for (const r of rows) put.run({ ...r, valid: r.valid ? 1 : 0, problems: JSON.stringify(r.problems) });
  })();
}

/** Deletes the rows of `location` whose path is not in `keep`. @returns how many were deleted */
export function pruneLocalSkills(db: StateDb, opts: { location: string; keep: ReadonlySet<string> }): number {
  const rows = db.prepare("SELECT path FROM local_skills WHERE location = ?").all(opts.location) as {
    path: string;
  }[];
  const del = db.prepare("DELETE FROM local_skills WHERE location = ? AND path = ?");
  let n = 0;
  db.transaction(() => {
    for (const r of rows)
      if (!opts.keep.has(r.path)) {
        del.run(opts.location, r.path);
        n++;
      }
  })();
  return n;
}

/** Deletes every row whose location is not in `locations` (an unregistered project). */
export function dropOtherLocations(db: StateDb, locations: readonly string[]): void {
  const all = db.prepare("SELECT DISTINCT location FROM local_skills").all() as { location: string }[];
  const del = db.prepare("DELETE FROM local_skills WHERE location = ?");
  for (const r of all) if (!locations.includes(r.location)) del.run(r.location);
}

/** Deletes the row at `path` (the artifact is gone). */
export function deleteLocalSkillAt(db: StateDb, path: string): void {
  db.prepare("DELETE FROM local_skills WHERE path = ?").run(path);
}

/** A run to record in history (without its id). */
export interface RunRecord {
  started_at: string;
  finished_at: string;
  duration_ms: number;
  trigger: string;
  artifacts: string[];
  outcome: RunOutcome;
  error: string | null;
  conflicts: SyncConflict[];
  invalid: SyncInvalid[];
  results: SyncResult[];
}

/** Appends a run to `daemon_history` and trims it to {@link HISTORY_KEEP} rows. @returns its id */
export function recordRun(db: StateDb, run: RunRecord): number {
  ensureDaemonSchema(db);
  const info = db
    .prepare(
      `INSERT INTO daemon_history (started_at, finished_at, duration_ms, trigger, artifacts, outcome, error, conflicts, invalid, results)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      run.started_at,
      run.finished_at,
      Math.round(run.duration_ms),
      run.trigger,
      JSON.stringify(run.artifacts),
      run.outcome,
      run.error,
      JSON.stringify(run.conflicts),
      JSON.stringify(run.invalid),
      JSON.stringify(run.results),
    );
  const id = Number(info.lastInsertRowid);
  db.prepare("DELETE FROM daemon_history WHERE id <= ?").run(id - HISTORY_KEEP);
  return id;
}

interface HistoryRow {
  id: number;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  trigger: string;
  artifacts: string;
  outcome: string;
  error: string | null;
  conflicts: string;
  invalid: string;
  results: string;
}

function toHistory(r: HistoryRow): HistoryEntry {
  return {
    id: r.id,
    started_at: r.started_at,
    finished_at: r.finished_at,
    duration_ms: r.duration_ms,
    trigger: r.trigger,
    artifacts: JSON.parse(r.artifacts) as string[],
    outcome: r.outcome as RunOutcome,
    error: r.error,
    conflicts: JSON.parse(r.conflicts) as SyncConflict[],
    invalid: JSON.parse(r.invalid) as SyncInvalid[],
    results: JSON.parse(r.results) as SyncResult[],
  };
}

/** Past runs, newest first (at most `limit`, default 50). */
export function listHistory(db: StateDb, limit = 50): HistoryEntry[] {
  ensureDaemonSchema(db);
  const rows = db.prepare("SELECT * FROM daemon_history ORDER BY id DESC LIMIT ?").all(limit) as HistoryRow[];
  return rows.map(toHistory);
}

/** The last run that did not fail (outcome ok or partial), if any. */
export function lastSuccessfulRun(db: StateDb): HistoryEntry | undefined {
  ensureDaemonSchema(db);
  const r = db
    .prepare("SELECT * FROM daemon_history WHERE outcome != 'failed' ORDER BY id DESC LIMIT 1")
    .get() as HistoryRow | undefined;
  return r ? toHistory(r) : undefined;
}

/** What the daemon persists between runs for `auto status` when it is not running. */
export interface PersistedState {
  pending: string[];
  backoff: BackoffState;
  next_scheduled: string | null;
  queued: string[];
}

/** Reads the persisted state, with empty defaults. */
export function readPersistedState(db: StateDb): PersistedState {
  ensureDaemonSchema(db);
  const r = db.prepare("SELECT value FROM daemon_state WHERE key = 'status'").get() as
    | { value: string }
    | undefined;
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
export function writePersistedState(db: StateDb, state: PersistedState): void {
  db.prepare(
    "INSERT INTO daemon_state (key, value) VALUES ('status', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  ).run(JSON.stringify(state));
}

/**
 * Table `daemon_history` (module `daemon`): one row per daemon sync run, newest
 * {@link HISTORY_KEEP} kept, for `skillsync auto history` and `GET /api/sync/history`. The run's
 * conflicts, held-back artifacts and results are stored as JSON; their shapes are the daemon's
 * (`src/daemon/sync-types.ts`) and are handed in as type parameters.
 */
import { ensureStateSchema, type StateDb } from "../state-db.js";

/** Most history rows kept; older ones are deleted when a run is recorded. */
export const HISTORY_KEEP = 1000;

/** Outcome of one run: `ok`, `partial` (conflicts or invalid artifacts held back) or `failed`. */
export type RunOutcome = "ok" | "partial" | "failed";

/** A run to record in history (without its id); `C`, `I`, `R` are the JSON payloads' shapes. */
export interface RunRecord<C = unknown, I = unknown, R = unknown> {
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
  conflicts: C[];
  invalid: I[];
  results: R[];
}

/** One recorded run. */
export interface RunRow<C = unknown, I = unknown, R = unknown> extends RunRecord<C, I, R> {
  id: number;
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

function db(d: StateDb): StateDb {
  return ensureStateSchema(d, "daemon");
}

function toRun<C, I, R>(r: HistoryRow): RunRow<C, I, R> {
  return {
    id: r.id,
    started_at: r.started_at,
    finished_at: r.finished_at,
    duration_ms: r.duration_ms,
    trigger: r.trigger,
    artifacts: JSON.parse(r.artifacts) as string[],
    outcome: r.outcome as RunOutcome,
    error: r.error,
    conflicts: JSON.parse(r.conflicts) as C[],
    invalid: JSON.parse(r.invalid) as I[],
    results: JSON.parse(r.results) as R[],
  };
}

/** Appends a run and trims the table to {@link HISTORY_KEEP} rows. @returns its id */
export function recordRun<C, I, R>(d: StateDb, run: RunRecord<C, I, R>): number {
  const info = db(d)
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
  d.prepare("DELETE FROM daemon_history WHERE id <= ?").run(id - HISTORY_KEEP);
  return id;
}

/** Past runs, newest first (at most `limit`, default 50). */
export function listHistory<C = unknown, I = unknown, R = unknown>(
  d: StateDb,
  limit = 50,
): RunRow<C, I, R>[] {
  const rows = db(d)
    .prepare("SELECT * FROM daemon_history ORDER BY id DESC LIMIT ?")
    .all(limit) as HistoryRow[];
  return rows.map((r) => toRun<C, I, R>(r));
}

/** The last run that did not fail (outcome ok or partial), if any. */
export function lastSuccessfulRun<C = unknown, I = unknown, R = unknown>(
  d: StateDb,
): RunRow<C, I, R> | undefined {
  const r = db(d)
    .prepare("SELECT * FROM daemon_history WHERE outcome != 'failed' ORDER BY id DESC LIMIT 1")
    .get() as HistoryRow | undefined;
  return r ? toRun<C, I, R>(r) : undefined;
}

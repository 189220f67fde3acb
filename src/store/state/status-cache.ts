/**
 * Table `status_cache` (module `status-cache`): per project, the last status report and what it was
 * computed from. The reuse rules live in `src/sync/status-cache.ts`; this module only stores rows.
 */
import { ensureStateSchema, type StateDb } from "../state-db.js";

/** One project's stored report and its inputs, as opaque strings the caller compares. */
export interface StatusCacheRow {
  /** Hash of version, collection folder and config. */
  inputs: string;
  /** JSON of the fsmonitor tokens (root → token) the report stands for. */
  tokens: string;
  /** The deployment record's stats when the report was made (`absent` when there was none). */
  record_stat: string;
  /** When the row was written (ms since the epoch). */
  written_at_ms: number;
  /** The report as JSON. */
  report: string;
}

/** The stored row of `project`, if any. */
export function readStatusCache(d: StateDb, project: string): StatusCacheRow | undefined {
  return ensureStateSchema(d, "status-cache")
    .prepare("SELECT inputs, tokens, record_stat, written_at_ms, report FROM status_cache WHERE project = ?")
    .get(project) as StatusCacheRow | undefined;
}

/** Stores (replacing) the row of `project`. */
export function writeStatusCache(d: StateDb, project: string, row: StatusCacheRow): void {
  ensureStateSchema(d, "status-cache")
    .prepare(
      "INSERT OR REPLACE INTO status_cache (project, inputs, tokens, record_stat, written_at_ms, report) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .run(project, row.inputs, row.tokens, row.record_stat, row.written_at_ms, row.report);
}

/** Moves the stored report of `project` to new tokens (the report still holds under them). */
export function renewStatusCache(d: StateDb, project: string, tokens: string): void {
  ensureStateSchema(d, "status-cache")
    .prepare("UPDATE status_cache SET tokens = ? WHERE project = ?")
    .run(tokens, project);
}

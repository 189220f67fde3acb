/**
 * The per-artifact outcome every sync operation reports (DESIGN.md "JSON output … of sync
 * operations"), and the choices that steer a three-way resolution (`--strategy`, `--auto-resolve`).
 * Pure types and one constructor; no I/O.
 */

/** How diverged artifacts are handled (`--strategy`). */
export type Strategy = "overwrite" | "merge" | "prompt" | "fork";

/** How merge conflicts are handled (`--auto-resolve`). */
export type AutoResolve = "abort" | "ours" | "theirs";

/** One result object per artifact (DESIGN.md sync JSON schema). */
export interface SyncResult {
  artifact_name: string;
  success: boolean;
  direction: "push" | "pull" | "merge" | "none";
  strategy_used: Strategy | "fast-forward" | "none";
  conflicts_resolved: number;
  conflicts_remaining: number;
  /** Tree hash (lowercase hex) of the side written to, before; null when it did not exist. */
  previous_hash: string | null;
  /** Tree hash of what the side holds after; null when removed. */
  new_hash: string | null;
  snapshot_id: string | null;
  error: string | null;
  /** The agent ids of the target this result is about; set when a deployment has targets other than Claude Code's (issue 11). */
  target?: string[];
}

/** A sync result (DESIGN.md schema) for `artifactName` that did nothing yet. */
export function emptySyncResult(artifactName: string): SyncResult {
  return {
    artifact_name: artifactName,
    success: true,
    direction: "none",
    strategy_used: "none",
    conflicts_resolved: 0,
    conflicts_remaining: 0,
    previous_hash: null,
    new_hash: null,
    snapshot_id: null,
    error: null,
  };
}

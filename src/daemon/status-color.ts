/**
 * The traffic light of `GET /api/skills/sync/status`. Pure.
 */
import type { RunOutcome, StatusColor } from "./context.js";

/** Facts the colour depends on. */
export interface ColorFacts {
  /** Outcome of the last run, null when none ran yet. */
  lastOutcome: RunOutcome | null;
  /** Unresolved conflicts. */
  conflicts: number;
  /** Artifacts waiting for a sync. */
  pending: number;
  /** Artifacts held back by the validation gate. */
  invalid: number;
  /** A run is in flight or queued. */
  busy: boolean;
}

/**
 * `red` when the last run failed or conflicts wait for a human; `yellow` when nothing has synced
 * yet, or anything waits (pending changes, invalid artifacts held back, a run in flight or queued);
 * `green` otherwise.
 */
export function statusColor(s: ColorFacts): StatusColor {
  if (s.lastOutcome === "failed" || s.conflicts > 0) return "red";
  if (s.lastOutcome === null || s.pending > 0 || s.invalid > 0 || s.busy) return "yellow";
  return "green";
}

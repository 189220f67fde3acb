/**
 * `--strategy` and `--auto-resolve`, shared by pull, push, sync, fetch and update.
 */
import { SkillsyncError } from "../core/errors.js";
import type { AutoResolve, Strategy } from "../sync/transfer.js";

/** The strategies, in help order. */
export const STRATEGIES = ["overwrite", "merge", "prompt", "fork"] as const;
/** The auto-resolve modes, in help order. */
export const AUTO_RESOLVE = ["abort", "ours", "theirs"] as const;

/**
 * Parses `--strategy`.
 * @throws SkillsyncError USAGE naming the allowed values
 */
export function parseStrategy(v: string | undefined): Strategy | undefined {
  if (v === undefined) return undefined;
  if (!(STRATEGIES as readonly string[]).includes(v))
    throw new SkillsyncError("USAGE", `--strategy must be one of ${STRATEGIES.join(", ")}, not '${v}'`);
  return v as Strategy;
}

/**
 * Parses `--auto-resolve`.
 * @throws SkillsyncError USAGE naming the allowed values
 */
export function parseAutoResolve(v: string | undefined): AutoResolve | undefined {
  if (v === undefined) return undefined;
  if (!(AUTO_RESOLVE as readonly string[]).includes(v))
    throw new SkillsyncError("USAGE", `--auto-resolve must be one of ${AUTO_RESOLVE.join(", ")}, not '${v}'`);
  return v as AutoResolve;
}

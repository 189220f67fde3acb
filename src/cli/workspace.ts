/**
 * Opening the sync workspace from the CLI's context, with warnings printed to stderr.
 */
import type { Command } from "commander";
import { openWorkspace, verifyLockFile, type Workspace } from "../sync/workspace.js";
import { type CliContext, contextFor } from "./context.js";

/** Options of {@link workspaceFor}. */
export interface WorkspaceForOptions {
  /**
   * Validate the collection's lock file first (default true): every command that reads the
   * collection refuses a corrupt lock with file and line (exit 2) before it reports or changes
   * anything. `rollback` and `history` pass false: restoring a snapshot is how a lock is repaired.
   */
  verifyLock?: boolean;
}

/**
 * The CLI context plus an open workspace for `cmd`.
 * @throws SkillsyncError INVALID_LOCK (exit 2) for a corrupt lock file, unless `verifyLock` is false
 */
export async function workspaceFor(
  cmd: Command,
  opts: WorkspaceForOptions = {},
): Promise<{ ctx: CliContext; ws: Workspace }> {
  const ctx = await contextFor(cmd);
  const ws = await openWorkspace({
    home: ctx.home,
    collection: ctx.collection,
    config: ctx.config,
    homeSwept: true, // contextFor did
    reporter: { info: (m) => ctx.out.line(m), warn: (m) => ctx.out.warn(m) },
  });
  if (opts.verifyLock !== false) verifyLockFile(ws);
  return { ctx, ws };
}

/**
 * Opening the sync workspace from the CLI's context, with warnings printed to stderr.
 */
import type { Command } from "commander";
import { openWorkspace, type Workspace } from "../sync/workspace.js";
import { type CliContext, contextFor } from "./context.js";

/** The CLI context plus an open workspace for `cmd`. */
export async function workspaceFor(cmd: Command): Promise<{ ctx: CliContext; ws: Workspace }> {
  const ctx = await contextFor(cmd);
  const ws = await openWorkspace({
    home: ctx.home,
    collection: ctx.collection,
    config: ctx.config,
    reporter: { info: (m) => ctx.out.line(m), warn: (m) => ctx.out.warn(m) },
  });
  return { ctx, ws };
}

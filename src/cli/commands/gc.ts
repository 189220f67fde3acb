import type { Command } from "commander";
import { SkillsyncError } from "../../core/errors.js";
import { wrapCommand } from "../run.js";
import { workspaceFor } from "../workspace.js";

/** Registers `skillsync gc [--dry-run] [--grace SECONDS] [--project DIR…] [--json]`. */
export function registerGc(program: Command): void {
  program
    .command("gc")
    .description(
      "remove objects no snapshot, lock file, deployment record, hub base or outbox entry references",
    )
    .option("--dry-run", "list what would be removed; remove nothing")
    .option("--grace <seconds>", "keep objects modified less than this long ago", "1209600")
    .option("--project <dir...>", "also keep what these projects' deployment records reference")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Roots: every snapshot, every collection's lock file, the deployment records of registered projects,
of projects named by snapshots or state.db, and every hash in state.db (hub bases, outbox, git bases).
Objects younger than --grace (default 14 days) are always kept. Runs by itself (at most daily) after
snapshot retention prunes snapshots. See README "Snapshots".`,
    )
    .action(
      wrapCommand(async (o: { dryRun?: boolean; grace: string; project?: string[] }, cmd: Command) => {
        const grace = Number(o.grace);
        if (!Number.isFinite(grace) || grace < 0)
          throw new SkillsyncError("USAGE", `--grace must be a number of seconds >= 0, got '${o.grace}'`);
        const { ctx, ws } = await workspaceFor(cmd, { verifyLock: false });
        const { resolve } = await import("node:path");
        const { gc } = await import("../../sync/gc.js");
        const r = await gc(ws, {
          dryRun: Boolean(o.dryRun),
          graceMs: grace * 1000,
          extraProjects: (o.project ?? []).map((p) => resolve(p)),
        });
        if (ctx.out.jsonMode) ctx.out.json(r);
        else {
          if (r.dry_run)
            for (const x of r.removed) ctx.out.line(`would remove ${x.type} ${x.sha} (${x.size} bytes)`);
          ctx.out.line(
            `${r.dry_run ? "would remove" : "removed"} ${r.removed.length} objects (${r.removed_bytes} bytes); kept ${r.kept} referenced and ${r.kept_recent} younger than the grace period`,
          );
        }
        return 0;
      }),
    );
}

import type { Command } from "commander";
import { SkillsyncError } from "../../core/errors.js";
import { isKind, KINDS } from "../../core/names.js";
import { mirror } from "../../sync/mirror.js";
import { wrapCommand } from "../run.js";
import { workspaceFor } from "../workspace.js";

/** Registers `mirror`. */
export function registerMirror(program: Command): void {
  program
    .command("mirror")
    .description("make a folder (e.g. a mounted volume) hold every artifact of the collection")
    .requiredOption("--to <dir>", "the mirror folder")
    .option("--kind <kind>", `only this kind (${KINDS.join(", ")})`)
    .option("--on-complete <cmd>", "shell command to run in the mirror after a sync that changed something")
    .option("--dry-run", "report what would change, write nothing")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExample:\n  skillsync mirror --to /mnt/team-volume --kind skill --on-complete 'git add -A && git commit -qm sync'",
    )
    .action(
      wrapCommand(
        async (o: { to: string; kind?: string; onComplete?: string; dryRun?: boolean }, cmd: Command) => {
          const { ctx, ws } = await workspaceFor(cmd);
          if (o.kind !== undefined && !isKind(o.kind))
            throw new SkillsyncError("USAGE", `--kind must be one of ${KINDS.join(", ")}, not '${o.kind}'`);
          const r = await mirror(ws, {
            to: o.to,
            ...(o.kind && isKind(o.kind) ? { kind: o.kind } : {}),
            ...(o.onComplete ? { onComplete: o.onComplete } : {}),
            dryRun: Boolean(o.dryRun),
          });
          if (ctx.out.jsonMode) ctx.out.json(r);
          else
            ctx.out.line(
              r.status === "synced"
                ? `${o.dryRun ? "would sync" : "synced"} ${r.skills.length} of ${r.count} to ${r.target}: ${r.skills.join(", ")}`
                : `skipped: ${r.target} already holds all ${r.count}`,
            );
        },
      ),
    );
}

import type { Command } from "commander";
import { deleteSnapshot, listSnapshots, rollback, takeSnapshot } from "../../sync/snapshot.js";
import { deploymentScope, projectDeployment } from "../../sync/targets.js";
import { resolveProject } from "../../sync/workspace.js";
import { color } from "../output.js";
import { wrapCommand } from "../run.js";
import { workspaceFor } from "../workspace.js";

/** Registers snapshot, history and rollback. */
export function registerSnapshot(program: Command): void {
  program
    .command("snapshot")
    .description("record a manual snapshot of the collection (or a project with --project)")
    .option("-m, --message <msg>", "message", "manual snapshot")
    .option("--project <dir>", "snapshot this project's deployed artifacts instead")
    .option("--delete <id>", "delete a snapshot")
    .option("--json", "print JSON")
    .action(
      wrapCommand(async (o: { message: string; project?: string; delete?: string }, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        if (o.delete) {
          await deleteSnapshot(ws, o.delete);
          ctx.out.line(`deleted snapshot ${o.delete}`);
          return;
        }
        // A project snapshot covers every target of the deployment, as the automatic ones do.
        const scope = o.project
          ? deploymentScope(projectDeployment(ws, await resolveProject(ws, o.project)))
          : { type: "collection" as const };
        const id = await takeSnapshot(ws, { scope, message: o.message, auto: false });
        if (ctx.out.jsonMode) ctx.out.json({ id });
        else ctx.out.line(`snapshot ${id}`);
      }),
    );

  program
    .command("history")
    .description("list snapshots, newest first (only those holding NAME when given)")
    .argument("[name]", "NAME or KIND/NAME")
    .option("--json", "print JSON")
    .action(
      wrapCommand(async (name: string | undefined, _o: unknown, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd, { verifyLock: false });
        const all = listSnapshots(ws).filter(
          (s) => !name || s.artifacts.some((a) => a.name === name || `${a.kind}/${a.name}` === name),
        );
        if (ctx.out.jsonMode) {
          ctx.out.json(
            all.map((s) => ({
              id: s.id,
              created_at: s.created_at,
              message: s.message,
              auto: s.auto,
              scope: s.scope,
              artifacts: name
                ? s.artifacts.filter((a) => a.name === name || `${a.kind}/${a.name}` === name)
                : s.artifacts,
            })),
          );
          return;
        }
        if (all.length === 0) {
          ctx.out.line("no snapshots yet");
          return;
        }
        ctx.out.table(
          ["id", "time", "scope", "kind", "artifacts", "message"],
          all.map((s) => [
            s.id,
            s.created_at,
            s.scope.type === "collection" ? `collection ${s.collection}` : s.scope.project,
            s.auto ? "auto" : color.bold("manual"),
            String(s.artifacts.length),
            s.message,
          ]),
        );
      }),
    );

  program
    .command("rollback")
    .description(
      "restore a snapshot byte for byte (all of it, or only NAMEs); the present is snapshotted first",
    )
    .argument("<snapshot>", "snapshot id (or a unique prefix)")
    .argument("[names...]", "NAME or KIND/NAME to restore only these")
    .option("--json", "print JSON")
    .action(
      wrapCommand(async (id: string, names: string[], _o: unknown, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd, { verifyLock: false });
        const r = await rollback(ws, { id, names });
        if (ctx.out.jsonMode) ctx.out.json(r);
        else {
          ctx.out.line(
            `restored snapshot ${r.snapshot}: ${r.restored.length} restored, ${r.removed.length} removed${r.restored.length ? ` (${r.restored.join(", ")})` : ""}`,
          );
          ctx.out.line(color.dim(`the previous state is snapshot ${r.safety_snapshot}`));
        }
      }),
    );
}

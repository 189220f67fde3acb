import type { Command } from "commander";
import { EXIT } from "../../core/errors.js";
import { shortHash } from "../../core/tree-hash.js";
import { currentStatus } from "../../sync/status.js";
import { isClaudeOnly, resolveDeployment, whereOf } from "../../sync/targets.js";
import { type AgentFlags, addAgentOptions, deploymentFlags } from "../agent-option.js";
import { color } from "../output.js";
import { wrapCommand } from "../run.js";
import { workspaceFor } from "../workspace.js";

interface StatusOptions extends AgentFlags {
  project?: string;
  hub?: string | boolean;
  all?: boolean;
  /** false with --no-fsmonitor */
  fsmonitor?: boolean;
}

/**
 * Registers `status` (alias `sync-check`). Its own module, apart from the transfer commands, so a
 * status loads none of the sync engine (see the command table in ../program.ts).
 */
export function registerStatus(program: Command): void {
  const status = program
    .command("status")
    .alias("sync-check")
    .description("show drift between the collection, a project and the recorded base")
    .option("--project <dir>", "project folder (default: the current folder)")
    .option("--json", "print JSON (schema in DESIGN.md)")
    .option("--hub [remote]", "also show drift against a hub remote (default: the default remote)")
    .option("--all", "list in-sync artifacts in the table too")
    .option("--no-fsmonitor", "walk every file even when status.fsmonitor is on")
    .addHelpText(
      "after",
      '\nWith status.fsmonitor = true and the daemon running, only artifacts the daemon saw change are\nread again (docs/daemon.md, "fsmonitor").\n\nExit status: 0 nothing drifted, 1 drift found, 2 bad input.',
    );
  addAgentOptions(status).action(
    wrapCommand(async (o: StatusOptions, cmd: Command) => {
      const { ctx, ws } = await workspaceFor(cmd);
      const dep = await resolveDeployment(ws, {
        ...(o.project ? { project: o.project } : {}),
        ...deploymentFlags(o),
      });
      const project = dep.root;
      const multi = !isClaudeOnly(dep);
      const r = await currentStatus(ws, project, {
        ...(multi ? { wheres: dep.targets.map((t) => whereOf(dep, t)) } : {}),
        fsmonitor: ws.config.status.fsmonitor && o.fsmonitor !== false,
        // Like GIT_TRACE_FSMONITOR: what the daemon vouched for, on stderr.
        ...(process.env.SKILLSYNC_TRACE_FSMONITOR
          ? { trace: (l: string) => process.stderr.write(`${l}\n`) }
          : {}),
        // How the lstat-only check was shared with the worker thread, on stderr.
        ...(process.env.SKILLSYNC_TRACE_VERIFY
          ? { traceVerify: (l: string) => process.stderr.write(`${l}\n`) }
          : {}),
      });
      let hub: Awaited<ReturnType<typeof import("../../sync/hub-sync.js").hubStatus>> | undefined;
      if (o.hub !== undefined) {
        const { hubStatus } = await import("../../sync/hub-sync.js");
        hub = await hubStatus(ws, typeof o.hub === "string" ? o.hub : undefined);
      }
      const hubDrift = hub ? hub.artifacts.some((a) => a.drift_type !== "in-sync") : false;
      const code = r.drift_detected || hubDrift ? EXIT.drift : EXIT.ok;
      if (ctx.out.jsonMode) {
        ctx.out.json(hub ? { ...r, hub } : r);
        return code;
      }
      if (hub) {
        ctx.out.line(
          color.bold(
            `Hub '${hub.remote}'${hub.reachable ? "" : " (unreachable: showing local changes only)"}${hub.queued ? `, ${hub.queued} queued` : ""}`,
          ),
        );
        ctx.out.table(
          ["artifact", "type", "drift", "side", "recommendation", "hub rev", "base rev"],
          hub.artifacts.map((a) => [
            a.name,
            a.type,
            a.drift_type,
            a.drift_side ?? "",
            a.recommendation ?? "",
            a.hub_revision ?? "-",
            a.base_revision ?? "-",
          ]),
        );
        ctx.out.line();
        ctx.out.line(color.bold(`Project ${project}`));
      }
      const drifted = r.artifacts.filter((a) => a.drift_type !== "in-sync");
      const rows = o.all ? r.artifacts : drifted;
      if (r.artifacts.length === 0) ctx.out.line("no artifacts in the collection or the project");
      else {
        if (rows.length > 0)
          ctx.out.table(
            [
              ...(multi ? ["target"] : []),
              "artifact",
              "type",
              "drift",
              "side",
              "recommendation",
              "last deployed",
            ],
            rows.map((a) => [
              ...(multi ? [a.target.join(",")] : []),
              a.name,
              a.type,
              a.drift_type === "in-sync" ? color.green(a.drift_type) : color.yellow(a.drift_type),
              a.drift_side ?? "",
              a.recommendation ?? "",
              a.last_deployed ?? "never",
            ]),
          );
        if (drifted.length > 0) {
          ctx.out.line();
          ctx.out.line(color.bold("Details"));
          for (const a of drifted)
            ctx.out.line(
              `  ${a.type}/${a.name}${multi ? ` (${a.path})` : ""}: collection ${shortHash(a.collection_sha)}  project ${shortHash(a.project_sha)}  base ${shortHash(a.base_sha)}  (${a.collection_version ?? "-"} / ${a.project_version ?? "-"})`,
            );
        }
        const inSync = r.artifacts.length - drifted.length;
        ctx.out.line(
          r.drift_detected
            ? `${r.drift_count} drifted, ${inSync} in sync${o.all ? "" : " (--all lists every artifact)"}`
            : multi
              ? `everything in sync (${new Set(r.artifacts.map((a) => `${a.type}/${a.name}`)).size} artifacts in ${dep.targets.length} targets)`
              : `everything in sync (${inSync} artifacts)`,
        );
      }
      return code;
    }),
  );
}

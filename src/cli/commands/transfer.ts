import type { Command } from "commander";
import { EXIT } from "../../core/errors.js";
import type { Operation } from "../../core/plan.js";
import { shortHash } from "../../core/tree-hash.js";
import { type FsmonitorAnswer, queryFsmonitor } from "../../sync/fsmonitor-client.js";
import { projectStatus } from "../../sync/status.js";
import { transfer, undeploy } from "../../sync/transfer.js";
import { projectLayout, resolveProject } from "../../sync/workspace.js";
import { color } from "../output.js";
import { wrapCommand } from "../run.js";
import { AUTO_RESOLVE, parseAutoResolve, parseStrategy, STRATEGIES, terminalPrompter } from "../strategy.js";
import { printSyncReport } from "../sync-report.js";
import { workspaceFor } from "../workspace.js";

interface TransferFlags {
  project?: string;
  all?: boolean;
  strategy?: string;
  autoResolve?: string;
  preview?: boolean;
  force?: boolean;
  yes?: boolean;
  diff3?: boolean;
}

function addTransferOptions(cmd: Command, withStrategy = true): Command {
  cmd
    .option("--project <dir>", "project folder (default: the current folder)")
    .option("--all", "every artifact")
    .option("--preview", "show the plan and unified diffs, write nothing")
    .option("--yes", "confirm deletions above the deletion thresholds")
    .option("--json", "print one result object per artifact");
  if (withStrategy)
    cmd
      .option("--strategy <s>", `when both sides changed: ${STRATEGIES.join("|")}`, "merge")
      .option("--auto-resolve <r>", `merge conflicts: ${AUTO_RESOLVE.join("|")}`, "abort")
      .option("--diff3", "conflict markers include the base (|||||||)");
  return cmd;
}

function runTransfer(op: Operation) {
  return wrapCommand(async (names: string[] | undefined, o: TransferFlags, cmd: Command) => {
    const { ctx, ws } = await workspaceFor(cmd);
    const strategy = parseStrategy(
      cmd.getOptionValueSource("strategy") === "default" ? undefined : o.strategy,
    );
    const autoResolve = parseAutoResolve(o.autoResolve);
    const prompter =
      strategy === "prompt"
        ? await terminalPrompter({
            p: ["project", "keep [p]roject"],
            c: ["collection", "keep [c]ollection"],
            m: ["markers", "write [m]arkers into the project"],
          } as const)
        : undefined;
    const r = await transfer(ws, {
      op,
      ...(o.project ? { project: o.project } : {}),
      names: names ?? [],
      all: Boolean(o.all),
      ...(strategy ? { strategy } : {}),
      ...(autoResolve ? { autoResolve } : {}),
      preview: Boolean(o.preview),
      force: Boolean(o.force),
      yes: Boolean(o.yes),
      diff3: Boolean(o.diff3),
      ...(prompter ? { prompter } : {}),
    }).finally(() => prompter?.close());
    if (op === "sync" && !o.preview && Object.keys(ws.config.remotes).length > 0) {
      // The next sync with a reachable hub replays the outbox.
      const hubSync = await import("../../sync/hub-sync.js");
      for (const name of Object.keys(ws.config.remotes)) {
        if (hubSync.outboxItems(ws, name).length === 0) continue;
        try {
          const replay = await hubSync.replayOutboxFor(ws, name);
          if (replay.unreachable) ctx.out.warn(`hub '${name}' still unreachable: the outbox waits`);
          else ctx.out.line(`replayed ${replay.results.length} queued change(s) to '${name}'`);
          for (const x of replay.results)
            if (x.error) ctx.out.line(`${color.yellow(x.artifact_name)}: ${x.error}`);
        } catch (e) {
          ctx.out.warn(`outbox for '${name}' not replayed: ${(e as Error).message}`);
        }
      }
    }
    return printSyncReport(ctx.out, r, {
      preview: Boolean(o.preview),
      empty: "nothing to do: everything is in sync",
    });
  });
}

interface StatusOptions {
  project?: string;
  hub?: string | boolean;
  all?: boolean;
  /** false with --no-fsmonitor */
  fsmonitor?: boolean;
}

/** Registers deploy, undeploy, status, pull, push and sync. */
export function registerTransfer(program: Command): void {
  addTransferOptions(
    program
      .command("deploy")
      .description("copy artifacts from the collection into a project and record them")
      .argument("[names...]", "NAME or KIND/NAME")
      .option("--force", "overwrite a project copy edited since deployment (after a snapshot)")
      .addHelpText(
        "after",
        "\nExamples:\n  skillsync deploy --all --project ~/code/app\n  skillsync deploy pdf-tools",
      ),
    false,
  )
    .option("--strategy <s>", `merge instead of refusing an edited project copy: ${STRATEGIES.join("|")}`)
    .option("--auto-resolve <r>", `merge conflicts: ${AUTO_RESOLVE.join("|")}`, "abort")
    .action(runTransfer("deploy"));

  program
    .command("undeploy")
    .description("remove artifacts from a project and its deployment record")
    .argument("<names...>", "NAME or KIND/NAME")
    .option("--project <dir>", "project folder (default: the current folder)")
    .option("--force", "remove even if edited in the project (a snapshot is kept)")
    .option("--json", "print JSON")
    .action(
      wrapCommand(async (names: string[], o: { project?: string; force?: boolean }, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const r = await undeploy(ws, {
          ...(o.project ? { project: o.project } : {}),
          names,
          force: Boolean(o.force),
        });
        if (ctx.out.jsonMode) ctx.out.json(r);
        else ctx.out.line(`removed ${r.removed.join(", ")} from ${r.project} (snapshot ${r.snapshot_id})`);
      }),
    );

  program
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
    )
    .action(
      wrapCommand(async (o: StatusOptions, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const project = await resolveProject(ws, o.project);
        let monitor: FsmonitorAnswer | undefined;
        if (ws.config.status.fsmonitor && o.fsmonitor !== false) {
          const a = await queryFsmonitor(ws, [
            { root: ws.collectionDir, layout: ws.layout },
            { root: project, layout: projectLayout(ws) },
          ]);
          if (typeof a === "string") ctx.out.warn(`fsmonitor: ${a}; reading every file`);
          else monitor = a;
        }
        const r = projectStatus(ws, project, monitor ? { untouched: monitor.untouched } : {});
        monitor?.commit();
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
              ["artifact", "type", "drift", "side", "recommendation", "last deployed"],
              rows.map((a) => [
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
                `  ${a.type}/${a.name}: collection ${shortHash(a.collection_sha)}  project ${shortHash(a.project_sha)}  base ${shortHash(a.base_sha)}  (${a.collection_version ?? "-"} / ${a.project_version ?? "-"})`,
              );
          }
          const inSync = r.artifacts.length - drifted.length;
          ctx.out.line(
            r.drift_detected
              ? `${r.drift_count} drifted, ${inSync} in sync${o.all ? "" : " (--all lists every artifact)"}`
              : `everything in sync (${inSync} artifacts)`,
          );
        }
        return code;
      }),
    );

  addTransferOptions(
    program
      .command("pull")
      .alias("sync-pull")
      .description("bring project edits back into the collection (three-way merge when both changed)")
      .argument("[names...]", "NAME or KIND/NAME"),
  ).action(runTransfer("pull"));

  addTransferOptions(
    program
      .command("push")
      .description("bring collection updates into a project (three-way merge when both changed)")
      .argument("[names...]", "NAME or KIND/NAME"),
  ).action(runTransfer("push"));

  addTransferOptions(
    program
      .command("sync")
      .description("for every deployed artifact: pull, push or merge, as the drift says")
      .argument("[names...]", "NAME or KIND/NAME (default: all deployed)"),
  ).action(runTransfer("sync"));
}

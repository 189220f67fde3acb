import type { Command } from "commander";
import type { Operation } from "../../core/plan.js";
import { transfer, undeploy } from "../../sync/transfer.js";
import { type AgentFlags, addAgentOptions, addLinkOptions, deploymentFlags } from "../agent-option.js";
import { color } from "../output.js";
import { wrapCommand } from "../run.js";
import { AUTO_RESOLVE, parseAutoResolve, parseStrategy, STRATEGIES, terminalPrompter } from "../strategy.js";
import { printSyncReport } from "../sync-report.js";
import { workspaceFor } from "../workspace.js";

interface TransferFlags extends AgentFlags {
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
  const name = cmd.name();
  cmd
    .option("--project <dir>", "project folder (default: the current folder)")
    .option("--all", "every artifact")
    .option("--preview", "show the plan and unified diffs, write nothing")
    .option("--yes", "confirm deletions above the deletion thresholds")
    .option("--json", "print one result object per artifact");
  addAgentOptions(cmd);
  if (name !== "pull") addLinkOptions(cmd);
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
      ...deploymentFlags(o),
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

/** Registers deploy, undeploy, pull, push and sync (status: ./status.ts). */
export function registerTransfer(program: Command): void {
  addTransferOptions(
    program
      .command("deploy")
      .description(
        "copy artifacts from the collection into a project's agent folders (or --global: the user's) and record them",
      )
      .argument("[names...]", "NAME or KIND/NAME")
      .option("--force", "overwrite a project copy edited since deployment (after a snapshot)")
      .addHelpText(
        "after",
        "\nExamples:\n  skillsync deploy --all --project ~/code/app\n  skillsync deploy pdf-tools --agent claude-code,cursor,codex\n  skillsync deploy --all --global",
      ),
    false,
  )
    .option("--strategy <s>", `merge instead of refusing an edited project copy: ${STRATEGIES.join("|")}`)
    .option("--auto-resolve <r>", `merge conflicts: ${AUTO_RESOLVE.join("|")}`, "abort")
    .action(runTransfer("deploy"));

  addAgentOptions(
    program
      .command("undeploy")
      .description("remove artifacts from a project (or --global) and its deployment record")
      .argument("<names...>", "NAME or KIND/NAME")
      .option("--project <dir>", "project folder (default: the current folder)")
      .option("--force", "remove even if edited in the project (a snapshot is kept)")
      .option("--json", "print JSON"),
  ).action(
    wrapCommand(
      async (names: string[], o: AgentFlags & { project?: string; force?: boolean }, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const r = await undeploy(ws, {
          ...(o.project ? { project: o.project } : {}),
          ...deploymentFlags(o),
          names,
          force: Boolean(o.force),
        });
        if (ctx.out.jsonMode) ctx.out.json(r);
        else ctx.out.line(`removed ${r.removed.join(", ")} from ${r.project} (snapshot ${r.snapshot_id})`);
      },
    ),
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

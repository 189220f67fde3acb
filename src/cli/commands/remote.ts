import type { Command } from "commander";
import { color } from "../output.js";
import { wrapCommand } from "../run.js";
import { AUTO_RESOLVE, parseAutoResolve, parseStrategy, STRATEGIES, terminalPrompter } from "../strategy.js";
import { printSyncResults, syncExitCode } from "../sync-report.js";
import { workspaceFor } from "../workspace.js";

/** Registers remote add/list/remove, login, publish and fetch. */
export function registerRemote(program: Command): void {
  const remote = program.command("remote").description("hubs this machine syncs with");
  remote
    .command("add")
    .description("add a hub remote (the first one becomes the default)")
    .argument("<name>")
    .argument("<url>", "e.g. http://127.0.0.1:7070")
    .action(
      wrapCommand(async (name: string, url: string, _o: unknown, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const { addRemote } = await import("../../sync/hub-sync.js");
        await addRemote(ws, name, url);
        ctx.out.line(`added remote '${name}' → ${url}; next: skillsync login ${name} --token TOKEN`);
      }),
    );
  remote
    .command("list")
    .description("list remotes")
    .option("--json", "print JSON")
    .action(
      wrapCommand(async (_o: unknown, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const { listRemotes } = await import("../../sync/hub-sync.js");
        const list = listRemotes(ws);
        if (ctx.out.jsonMode) ctx.out.json(list);
        else if (list.length === 0) ctx.out.line("no remotes; add one with 'skillsync remote add NAME URL'");
        else
          ctx.out.table(
            ["remote", "url", "user", "queued", ""],
            list.map((r) => [
              r.name,
              r.url,
              r.logged_in ? (r.user ?? "(token)") : color.yellow("not logged in"),
              r.queued,
              r.default ? "default" : "",
            ]),
          );
      }),
    );
  remote
    .command("remove")
    .description("remove a remote with its token, cursor and outbox")
    .argument("<name>")
    .action(
      wrapCommand(async (name: string, _o: unknown, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const { removeRemote } = await import("../../sync/hub-sync.js");
        await removeRemote(ws, name);
        ctx.out.line(`removed remote '${name}'`);
      }),
    );

  program
    .command("login")
    .description("store an API token for a remote ($SKILLSYNC_HOME/credentials.toml, mode 0600)")
    .argument("[remote]", "remote name (default: the default remote)")
    .requiredOption("--token <token>", "API token from 'skillsync hub token create' on the hub host")
    .action(
      wrapCommand(async (name: string | undefined, o: { token: string }, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const { login } = await import("../../sync/hub-sync.js");
        const r = await login(ws, name, o.token);
        ctx.out.line(
          r.verified
            ? `logged in to '${r.remote}' as ${r.user}`
            : `token stored for '${r.remote}', but the hub was unreachable: it will be checked on first use`,
        );
      }),
    );

  program
    .command("publish")
    .description("collection → hub (queued in the outbox when the hub is unreachable)")
    .argument("[names...]", "NAME or KIND/NAME")
    .option("--all", "every artifact")
    .option("--remote <name>", "remote (default: the default remote)")
    .option("--team <team>", "publish as this team instead of yourself")
    .option("--json", "print JSON")
    .action(
      wrapCommand(
        async (names: string[], o: { all?: boolean; remote?: string; team?: string }, cmd: Command) => {
          const { ctx, ws } = await workspaceFor(cmd);
          const { publish } = await import("../../sync/hub-sync.js");
          const r = await publish(ws, {
            names,
            all: Boolean(o.all),
            ...(o.remote ? { remote: o.remote } : {}),
            ...(o.team ? { team: o.team } : {}),
          });
          if (ctx.out.jsonMode) ctx.out.json(r);
          else {
            if (r.replayed.length > 0) {
              ctx.out.line(`replayed ${r.replayed.length} queued change(s):`);
              printSyncResults(ctx.out, r.replayed);
            }
            printSyncResults(ctx.out, r.results);
            if (r.queued > 0)
              ctx.out.line(
                color.yellow(
                  `hub '${r.remote}' is unreachable: ${r.queued} change(s) queued; the next publish, fetch or sync sends them`,
                ),
              );
          }
          return syncExitCode([...r.results, ...r.replayed]);
        },
      ),
    );

  program
    .command("fetch")
    .description(
      "hub → collection: changes after the stored cursor, three-way merged (labels collection/hub)",
    )
    .option("--remote <name>", "remote (default: the default remote)")
    .option("--strategy <s>", `when both changed: ${STRATEGIES.join("|")}`, "merge")
    .option("--auto-resolve <r>", `merge conflicts: ${AUTO_RESOLVE.join("|")}`, "abort")
    .option("--preview", "show what would change, write nothing")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\n--strategy prompt asks per conflicting file on a terminal (keep collection, take hub, or write\nmarkers into the collection); without a terminal it acts as merge + abort and says so.",
    )
    .action(
      wrapCommand(
        async (
          o: { remote?: string; strategy: string; autoResolve: string; preview?: boolean },
          cmd: Command,
        ) => {
          const { ctx, ws } = await workspaceFor(cmd);
          const strategy = parseStrategy(o.strategy);
          const autoResolve = parseAutoResolve(o.autoResolve);
          const prompter =
            strategy === "prompt" && !o.preview
              ? await terminalPrompter({
                  c: ["collection", "keep [c]ollection"],
                  h: ["hub", "take [h]ub"],
                  m: ["markers", "write [m]arkers into the collection"],
                } as const)
              : undefined;
          const { fetchHub } = await import("../../sync/hub-sync.js");
          const r = await fetchHub(ws, {
            ...(o.remote ? { remote: o.remote } : {}),
            ...(strategy ? { strategy } : {}),
            ...(autoResolve ? { autoResolve } : {}),
            preview: Boolean(o.preview),
            ...(prompter ? { prompter } : {}),
          }).finally(() => prompter?.close());
          if (ctx.out.jsonMode) ctx.out.json(r);
          else {
            for (const n of r.notes) ctx.out.line(n);
            if (r.replayed.length > 0) {
              ctx.out.line(`replayed ${r.replayed.length} queued change(s):`);
              printSyncResults(ctx.out, r.replayed);
            }
            if (r.results.length === 0) ctx.out.line(`up to date with '${r.remote}' (cursor ${r.cursor})`);
            else printSyncResults(ctx.out, r.results);
          }
          return syncExitCode([...r.results, ...r.replayed]);
        },
      ),
    );
}

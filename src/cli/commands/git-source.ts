/**
 * `skillsync outdated` and `skillsync update`: git-sourced artifacts (issue 6 "Git sources").
 * `add github:…` / `add git+…` lives with `add` in collection.ts. The sync module is imported inside
 * the actions, so other commands do not load it.
 */
import type { Command } from "commander";
import { EXIT } from "../../core/errors.js";
import { wrapCommand } from "../run.js";
import { AUTO_RESOLVE, parseAutoResolve, parseStrategy, STRATEGIES, terminalPrompter } from "../strategy.js";
import { printSyncReport } from "../sync-report.js";
import { workspaceFor } from "../workspace.js";

interface UpdateFlags {
  all?: boolean;
  strategy?: string;
  autoResolve?: string;
  preview?: boolean;
  frozen?: boolean;
  diff3?: boolean;
}

/**
 * Registers `outdated` and `update`.
 * Exit statuses: 0 nothing outdated / updated cleanly; 1 outdated artifacts, unresolved conflicts, or a
 * `--frozen` lock that is out of date; 2 bad input; 3 git failure.
 */
export function registerGitSource(program: Command): void {
  program
    .command("outdated")
    .description("list git-sourced artifacts whose upstream ref moved (git ls-remote; nothing is fetched)")
    .option("--json", "print [{name, type, source, current, latest}]")
    .addHelpText(
      "after",
      "\nExit status: 0 everything current, 1 some outdated, 3 git failure.\n\nExample:\n  skillsync outdated --json",
    )
    .action(
      wrapCommand(async (_o: unknown, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const { outdated } = await import("../../sync/git-source.js");
        const rows = await outdated(ws);
        if (ctx.out.jsonMode) ctx.out.json(rows);
        else if (rows.length === 0) ctx.out.line("every git-sourced artifact is at its upstream commit");
        else
          ctx.out.table(
            ["artifact", "type", "source", "current", "latest"],
            rows.map((r) => [
              r.name,
              r.type,
              r.source,
              r.current?.slice(0, 12) ?? "-",
              r.latest.slice(0, 12),
            ]),
          );
        return rows.length > 0 ? EXIT.drift : EXIT.ok;
      }),
    );

  program
    .command("update")
    .description("bring upstream changes of git-sourced artifacts into the collection (three-way merge)")
    .argument("[names...]", "NAME or KIND/NAME")
    .option("--all", "every git-sourced artifact")
    .option(
      "--strategy <s>",
      `when the collection and upstream both changed: ${STRATEGIES.join("|")}`,
      "merge",
    )
    .option("--auto-resolve <r>", `merge conflicts: ${AUTO_RESOLVE.join("|")} (ours = collection)`, "abort")
    .option("--diff3", "conflict markers include the base (|||||||)")
    .option("--preview", "show what would change as unified diffs, write nothing")
    .option("--frozen", "install exactly the locked commits (CI); fail if the lock is out of date")
    .option("--json", "print one result object per artifact")
    .addHelpText(
      "after",
      [
        "",
        "Exit status: 0 updated (or nothing to do), 1 conflicts left or --frozen found the lock out of date,",
        "2 bad input, 3 git failure.",
        "",
        "Examples:",
        "  skillsync update --all --preview",
        "  skillsync update pdf --auto-resolve theirs",
        "  skillsync update --frozen          # in CI",
      ].join("\n"),
    )
    .action(
      wrapCommand(async (names: string[] | undefined, o: UpdateFlags, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const strategy = parseStrategy(o.strategy);
        const autoResolve = parseAutoResolve(o.autoResolve);
        const prompter =
          strategy === "prompt"
            ? await terminalPrompter({
                c: ["collection", "keep [c]ollection"],
                u: ["upstream", "take [u]pstream"],
                m: ["markers", "write [m]arkers into the collection"],
              } as const)
            : undefined;
        const { updateFromGit } = await import("../../sync/git-update.js");
        const r = await updateFromGit(ws, {
          names: names ?? [],
          all: Boolean(o.all),
          ...(strategy ? { strategy } : {}),
          ...(autoResolve ? { autoResolve } : {}),
          preview: Boolean(o.preview),
          frozen: Boolean(o.frozen),
          diff3: Boolean(o.diff3),
          ...(prompter ? { prompter } : {}),
        }).finally(() => prompter?.close());
        return printSyncReport(ctx.out, r, {
          preview: Boolean(o.preview),
          empty: "no git-sourced artifacts in the collection",
        });
      }),
    );
}

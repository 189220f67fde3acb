import { resolve } from "node:path";
import type { Command } from "commander";
import { EXIT, SkillsyncError } from "../../core/errors.js";
import { contextFor } from "../context.js";
import { wrapCommand } from "../run.js";

interface CodexSyncFlags {
  fromCodex?: boolean;
  toCodex?: boolean;
  dryRun?: boolean;
  force?: boolean;
  pushDefault?: boolean;
  projectDir?: string;
  json?: boolean;
}

/** Registers `skillsync codex sync`. Heavy modules are imported inside actions, not here. */
export function registerCodex(program: Command): void {
  const codex = program
    .command("codex")
    .description("sync an organisation's shared docs between a codex git repository and this project");
  codex
    .command("sync")
    .description(
      "copy docs from the codex repo into the project's cache (default), or from the project into the codex repo",
    )
    .option("--from-codex", "codex repo → .skillsync/codex/cache/<org>/<project>/ (default)")
    .option(
      "--to-codex",
      "project docs → projects/<project>/ of the codex repo, committed and pushed on a branch",
    )
    .option("--dry-run", "report what would change and write nothing")
    .option("--force", "go ahead even when a deletion threshold is exceeded")
    .option("--push-default", "to-codex: commit and push on the default branch instead of a new branch")
    .option("--project-dir <dir>", "project folder (default: the current folder)")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nExit codes: 0 synced, 2 bad input or a deletion threshold stopped the sync, 3 git failure.",
    )
    .action(
      wrapCommand(async (flags: CodexSyncFlags, cmd: Command) => {
        const ctx = await contextFor(cmd);
        if (flags.fromCodex && flags.toCodex)
          throw new SkillsyncError("USAGE", "choose one of --from-codex and --to-codex");
        const { assertProjectDir, codexSettings } = await import("../../codex/settings.js");
        const { failureJson, runCodexSync } = await import("../../codex/sync.js");
        const { scrubSecrets } = await import("../../store/git.js");
        const settings = codexSettings({
          config: ctx.config,
          projectDir: assertProjectDir(resolve(flags.projectDir ?? process.cwd())),
          gitCacheDir: ctx.paths.gitCache,
          locksDir: ctx.paths.locks,
        });
        const direction = flags.toCodex ? "to-codex" : "from-codex";
        let outcome: Awaited<ReturnType<typeof runCodexSync>>;
        try {
          outcome = await runCodexSync({
            settings,
            direction,
            dryRun: flags.dryRun,
            force: flags.force,
            pushDefault: flags.pushDefault,
            now: () => Date.now(),
          });
        } catch (e) {
          if (!ctx.out.jsonMode) throw e;
          ctx.out.json(failureJson(e));
          return e instanceof SkillsyncError ? e.exitCode : EXIT.internal;
        }
        const r = outcome.result;
        for (const w of outcome.warnings) ctx.out.warn(w);
        if (ctx.out.jsonMode) {
          ctx.out.json(r);
        } else {
          const where =
            direction === "from-codex"
              ? r.cache_path
              : `projects/${settings.project}/ of ${scrubSecrets(settings.repo ?? "", settings.auth.secrets)}`;
          const delta = `+${r.files_added} ~${r.files_modified} -${r.files_deleted}`;
          if (r.status === "blocked")
            ctx.out.line(
              `${direction}: stopped before changing anything; the sync would be ${delta} in ${where}`,
            );
          else
            ctx.out.line(
              `${direction}: ${r.dry_run ? "would sync" : "synced"} ${r.files_synced} files into ${where} (${delta}) in ${r.duration_seconds}s`,
            );
          if (r.dry_run || r.status === "blocked") {
            for (const p of outcome.plan.add) ctx.out.line(`  add     ${p}`);
            for (const p of outcome.plan.modify) ctx.out.line(`  modify  ${p}`);
            for (const p of outcome.plan.delete) ctx.out.line(`  delete  ${p}`);
          }
          if (outcome.branch)
            ctx.out.line(`pushed ${outcome.commit?.slice(0, 12)} to branch ${outcome.branch}`);
          if (r.dry_run) ctx.out.line("dry run: nothing was written");
        }
        return r.status === "blocked" ? EXIT.usage : EXIT.ok;
      }),
    );
}

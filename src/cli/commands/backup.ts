import type { Command } from "commander";
import { contextFor } from "../context.js";
import { wrapCommand } from "../run.js";

interface BackupFlags {
  repo?: string;
  push?: boolean;
  message?: string;
  force?: boolean;
  json?: boolean;
}

/** Registers `skillsync backup`. Heavy modules are imported inside actions, not here. */
export function registerBackup(program: Command): void {
  program
    .command("backup")
    .description(
      "commit the collection (and backup.paths folders) into a backup git repository; nothing changed → nothing happens",
    )
    .option(
      "--repo <path|url>",
      "backup repository: a local folder or a git URL (default backup.repo, else $SKILLSYNC_HOME/backup/repo)",
    )
    .option("--push", "push the backup commit to the repository's origin (default backup.push, off)")
    .option("--no-push", "do not push even when backup.push is on")
    .option("-m, --message <text>", "commit subject (default: counts the changes)")
    .option("--force", "back up even when artifacts are invalid")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nExit codes: 0 backed up or nothing to do, 2 invalid artifacts (without --force) or a bad --repo, 3 git failure or rejected push.",
    )
    .action(
      wrapCommand(async (flags: BackupFlags, cmd: Command) => {
        const ctx = await contextFor(cmd);
        const { runBackup } = await import("../../sync/backup.js");
        const pushSource = cmd.getOptionValueSource("push");
        const r = await runBackup({
          home: ctx.home,
          config: ctx.config,
          collection: ctx.collection,
          repo: flags.repo,
          push: pushSource === "cli" ? Boolean(flags.push) : undefined,
          message: flags.message,
          force: flags.force,
          warn: (m) => ctx.out.warn(m),
        });
        if (ctx.out.jsonMode) {
          ctx.out.json(r);
          return 0;
        }
        if (!r.committed) ctx.out.line(`nothing to back up: ${r.repo_path} already matches`);
        else {
          ctx.out.line(
            `backed up ${r.files_changed} files into ${r.repo_path} (commit ${r.commit?.slice(0, 12)})`,
          );
          for (const u of r.changes.added) ctx.out.line(`  added     ${u}`);
          for (const u of r.changes.modified) ctx.out.line(`  modified  ${u}`);
          for (const u of r.changes.deleted) ctx.out.line(`  deleted   ${u}`);
        }
        if (r.pushed) ctx.out.line("pushed to origin");
        if (r.stashed_foreign_changes && r.stash_restored)
          ctx.out.line("uncommitted changes already in the backup repository were kept as they were");
        return 0;
      }),
    );
}

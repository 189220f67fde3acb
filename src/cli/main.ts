#!/usr/bin/env node
/**
 * The `skillsync` command line. Thin: parses arguments, calls `src/sync/`, prints tables or `--json`.
 * Exit codes (DESIGN.md): 0 done / nothing drifted, 1 drift or unresolved conflicts, 2 usage or input
 * error, 3 remote or git failure, 70 internal bug.
 */
import { Command, CommanderError } from "commander";
import { EXIT } from "../core/errors.js";
import { registerAuto } from "./commands/auto.js";
import { registerBackup } from "./commands/backup.js";
import { registerCache } from "./commands/cache.js";
import { registerCodex } from "./commands/codex.js";
import { registerCollection } from "./commands/collection.js";
import { registerConfig } from "./commands/config.js";
import { registerDaemon } from "./commands/daemon.js";
import { registerGitSource } from "./commands/git-source.js";
import { registerHub } from "./commands/hub.js";
import { registerMcp } from "./commands/mcp.js";
import { registerMergeFile } from "./commands/merge-file.js";
import { registerMirror } from "./commands/mirror.js";
import { registerProject } from "./commands/project.js";
import { registerQuickstart } from "./commands/quickstart.js";
import { registerRemote } from "./commands/remote.js";
import { registerSnapshot } from "./commands/snapshot.js";
import { registerTransfer } from "./commands/transfer.js";
import { registerUi } from "./commands/ui.js";
import { reportError } from "./run.js";
import { VERSION } from "./version.js";

const EXIT_HELP = `
Exit codes:
  0   done, nothing drifted
  1   drift or unresolved conflicts found
  2   usage or input error
  3   a remote (hub) or git failure
  70  internal bug`;

/** Builds the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command("skillsync")
    .description(
      "Keep Agent Skills, commands, agents and prompts in sync between a collection, projects, a hub and git.",
    )
    .version(VERSION, "-V, --version")
    .option("--home <dir>", "skillsync home (default $SKILLSYNC_HOME or ~/.skillsync)")
    .option("--collection <name>", "collection to use (default from config, 'default')")
    .addHelpText("after", EXIT_HELP)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const register of [
    registerQuickstart,
    registerCollection,
    registerTransfer,
    registerSnapshot,
    registerGitSource,
    registerMergeFile,
    registerMirror,
    registerRemote,
    registerHub,
    registerProject,
    registerAuto,
    registerConfig,
    registerDaemon,
    registerUi,
    registerCodex,
    registerCache,
    registerMcp,
    registerBackup,
  ]) {
    register(program);
  }
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    throw e;
  }
}

// Not a top-level await: a command that ends when its input closes (mcp on stdio) lets the event loop
// drain, and Node then exits with process.exitCode instead of 13 ("unsettled top-level await").
main().catch((e: unknown) => {
  process.exitCode = reportError(e);
});

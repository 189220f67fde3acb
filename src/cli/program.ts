/**
 * The `skillsync` program: its commands, loaded per run (see {@link COMMAND_MODULES}).
 */
import { Command } from "commander";
import { VERSION } from "./version.js";

const EXIT_HELP = `
Exit codes:
  0   done, nothing drifted
  1   drift or unresolved conflicts found
  2   usage or input error
  3   a remote (hub) or git failure
  70  internal bug`;

/** Adds commands to a program. */
export type Register = (program: Command) => void;

/**
 * Every command module: the command names (and aliases) it registers, and how to load it. Modules are
 * imported only when needed: a command run loads its own module and what that imports (a status does
 * not load the sync engine, the hub server or the MCP SDK), and only `--help`, unknown names and the
 * like load them all. A test checks this table against what each module registers.
 */
export const COMMAND_MODULES: readonly { names: readonly string[]; load: () => Promise<Register> }[] = [
  { names: ["quickstart"], load: async () => (await import("./commands/quickstart.js")).registerQuickstart },
  {
    names: ["init", "add", "list", "show", "remove", "validate"],
    load: async () => (await import("./commands/collection.js")).registerCollection,
  },
  {
    names: ["status", "sync-check"],
    load: async () => (await import("./commands/status.js")).registerStatus,
  },
  {
    names: ["deploy", "undeploy", "pull", "sync-pull", "push", "sync"],
    load: async () => (await import("./commands/transfer.js")).registerTransfer,
  },
  {
    names: ["snapshot", "history", "rollback"],
    load: async () => (await import("./commands/snapshot.js")).registerSnapshot,
  },
  {
    names: ["outdated", "update"],
    load: async () => (await import("./commands/git-source.js")).registerGitSource,
  },
  { names: ["gc"], load: async () => (await import("./commands/gc.js")).registerGc },
  { names: ["merge-file"], load: async () => (await import("./commands/merge-file.js")).registerMergeFile },
  { names: ["mirror"], load: async () => (await import("./commands/mirror.js")).registerMirror },
  {
    names: ["remote", "login", "publish", "fetch"],
    load: async () => (await import("./commands/remote.js")).registerRemote,
  },
  { names: ["hub"], load: async () => (await import("./commands/hub.js")).registerHub },
  { names: ["agents"], load: async () => (await import("./commands/agents.js")).registerAgents },
  { names: ["project"], load: async () => (await import("./commands/project.js")).registerProject },
  { names: ["auto"], load: async () => (await import("./commands/auto.js")).registerAuto },
  { names: ["config"], load: async () => (await import("./commands/config.js")).registerConfig },
  { names: ["daemon"], load: async () => (await import("./commands/daemon.js")).registerDaemon },
  { names: ["ui"], load: async () => (await import("./commands/ui.js")).registerUi },
  { names: ["codex"], load: async () => (await import("./commands/codex.js")).registerCodex },
  { names: ["cache"], load: async () => (await import("./commands/cache.js")).registerCache },
  { names: ["mcp"], load: async () => (await import("./commands/mcp.js")).registerMcp },
  { names: ["backup"], load: async () => (await import("./commands/backup.js")).registerBackup },
];

/** Global options that take a value (their value is not the command name). */
const GLOBAL_VALUE_OPTIONS = ["--home", "--collection"];

/**
 * The command named in `argv` (process.argv form) when it comes first after global options, else
 * undefined (`--help`, `--version`, no command, an option commander must judge).
 */
export function commandNameOf(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (GLOBAL_VALUE_OPTIONS.includes(a)) {
      i++;
      continue;
    }
    if (GLOBAL_VALUE_OPTIONS.some((o) => a.startsWith(`${o}=`))) continue;
    return a.startsWith("-") ? undefined : a;
  }
  return undefined;
}

/** True when `argv` (process.argv form) asks only for the version: `-V` / `--version`, no command, no help. */
export function isVersionOnly(argv: readonly string[]): boolean {
  const rest = argv.slice(2);
  return (
    commandNameOf(argv) === undefined &&
    rest.some((a) => a === "-V" || a === "--version") &&
    !rest.some((a) => a === "-h" || a === "--help")
  );
}

/**
 * Builds the program: with `argv`, only the module of the command it names (when known), none for a
 * bare `--version` (start-up time, issue 13), otherwise every command.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const name = argv ? commandNameOf(argv) : undefined;
  const only = name === undefined ? undefined : COMMAND_MODULES.find((m) => m.names.includes(name));
  const modules = argv && isVersionOnly(argv) ? [] : only ? [only] : COMMAND_MODULES;
  const registers = await Promise.all(modules.map((m) => m.load()));
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
  for (const register of registers) register(program);
  return program;
}

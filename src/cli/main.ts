#!/usr/bin/env node
/**
 * The `skillsync` command line. Thin: parses arguments, calls `src/sync/`, prints tables or `--json`.
 * Exit codes (DESIGN.md): 0 done / nothing drifted, 1 drift or unresolved conflicts, 2 usage or input
 * error, 3 remote or git failure, 70 internal bug.
 */
import { resolve } from "node:path";
import { EXIT } from "../core/errors.js";

// `skillsync status | head`: a reader that stops early is not an error (git dies of SIGPIPE quietly).
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(typeof process.exitCode === "number" ? process.exitCode : EXIT.ok);
});

/**
 * `skillsync --version` (or `-V`) and nothing else: printed before commander and the command table
 * are loaded, since every script that checks the version pays the start-up (issue 13). Any other
 * argument goes through commander, which gives the same output.
 */
function versionOnly(argv: readonly string[]): boolean {
  return argv.length === 3 && (argv[2] === "--version" || argv[2] === "-V");
}

/** The value of option `name` in `argv` (`--name value` or `--name=value`), if given. */
function optionValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === name) return argv[i + 1];
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return undefined;
}

const isStatus = process.argv[2] === "status";

async function main(): Promise<void> {
  // `status` shares its lstat check with a worker thread; with a large stat cache the thread boots
  // while the command's modules load, and checks the rows under the project the command will most
  // likely look at (--project or the current folder) and the collections until the rows are listed
  // (an explicit --home is left to parallel-verify.ts).
  if (isStatus && !process.argv.some((a) => a === "--home" || a.startsWith("--home=")))
    void Promise.all([import("../store/home.js"), import("../store/verify-thread.js")]).then(([h, v]) => {
      const paths = h.homePaths(h.resolveHome());
      const project = resolve(optionValue(process.argv, "--project") ?? process.cwd());
      v.startVerifyWorkerEarly(paths.stateDb, [project, paths.collections]);
    });
  if (versionOnly(process.argv)) {
    const { VERSION_STRING } = await import("../sync/version.js");
    process.stdout.write(`${VERSION_STRING}\n`);
    return;
  }
  const [{ CommanderError }, { buildProgram }] = await Promise.all([
    import("commander"),
    import("./program.js"),
  ]);
  const program = await buildProgram(process.argv);
  try {
    await program.parseAsync(process.argv);
    // A finished status has nothing left to do: exit now rather than wait ~10 ms for the event loop
    // to close the worker thread and the module loader's files; only once stdout and stderr hold no
    // unwritten output (pipes are asynchronous on some systems).
    if (isStatus && process.stdout.writableLength === 0 && process.stderr.writableLength === 0)
      process.exit();
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
main().catch(async (e: unknown) => {
  const { reportError } = await import("./run.js");
  process.exitCode = reportError(e);
});

#!/usr/bin/env node
/**
 * The `skillsync` command line. Thin: parses arguments, calls `src/sync/`, prints tables or `--json`.
 * Exit codes (DESIGN.md): 0 done / nothing drifted, 1 drift or unresolved conflicts, 2 usage or input
 * error, 3 remote or git failure, 70 internal bug.
 */
import { CommanderError } from "commander";
import { EXIT } from "../core/errors.js";
import { buildProgram } from "./program.js";
import { reportError } from "./run.js";

// `skillsync status | head`: a reader that stops early is not an error (git dies of SIGPIPE quietly).
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(typeof process.exitCode === "number" ? process.exitCode : EXIT.ok);
});

async function main(): Promise<void> {
  const program = await buildProgram(process.argv);
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

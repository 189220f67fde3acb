/**
 * `wrapCommand`: turns any thrown error into one clear line and the right exit status
 * (DESIGN.md "Exit codes"); a stack is printed only for internal bugs.
 */
import { EXIT, isSkillsyncError } from "../core/errors.js";
import { color } from "./output.js";

/** Prints `e` as the CLI does and returns the exit status. */
export function reportError(e: unknown): number {
  if (isSkillsyncError(e)) {
    process.stderr.write(`${color.red("error:")} ${e.toLine()}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  process.stderr.write(`${color.red("internal error:")} ${err?.message ?? String(e)}\n`);
  if (err?.stack) process.stderr.write(`${err.stack}\n`);
  process.stderr.write("This is a bug in skillsync; please report it with the command you ran.\n");
  return EXIT.internal;
}

/**
 * Wraps a commander action. The action may return an exit status (anything else means 0); errors become one line.
 * The status is set on `process.exitCode` so pending output is flushed before exit.
 */
export function wrapCommand<A extends unknown[]>(
  action: (...args: A) => Promise<unknown>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await action(...args);
      process.exitCode = typeof code === "number" ? code : EXIT.ok;
    } catch (e) {
      process.exitCode = reportError(e);
    }
  };
}

/**
 * `--strategy` and `--auto-resolve`, shared by pull, push, sync, fetch and update.
 */
import { SkillsyncError } from "../core/errors.js";
import type { AutoResolve, Strategy } from "../core/sync-result.js";

/** The strategies, in help order. */
export const STRATEGIES = ["overwrite", "merge", "prompt", "fork"] as const;
/** The auto-resolve modes, in help order. */
export const AUTO_RESOLVE = ["abort", "ours", "theirs"] as const;

/**
 * Parses `--strategy`.
 * @throws SkillsyncError USAGE naming the allowed values
 */
export function parseStrategy(v: string | undefined): Strategy | undefined {
  if (v === undefined) return undefined;
  if (!(STRATEGIES as readonly string[]).includes(v))
    throw new SkillsyncError("USAGE", `--strategy must be one of ${STRATEGIES.join(", ")}, not '${v}'`);
  return v as Strategy;
}

/**
 * Parses `--auto-resolve`.
 * @throws SkillsyncError USAGE naming the allowed values
 */
export function parseAutoResolve(v: string | undefined): AutoResolve | undefined {
  if (v === undefined) return undefined;
  if (!(AUTO_RESOLVE as readonly string[]).includes(v))
    throw new SkillsyncError("USAGE", `--auto-resolve must be one of ${AUTO_RESOLVE.join(", ")}, not '${v}'`);
  return v as AutoResolve;
}

/** One question `--strategy prompt` asks: which artifact and file conflict, and their diff. */
export interface ConflictQuestion {
  artifact: string;
  path: string;
  diff: string;
}

/** A prompter that must be closed when the operation is done (it holds the terminal). */
export type TerminalPrompter<T> = ((q: ConflictQuestion) => Promise<T>) & { close(): void };

/**
 * A `--strategy prompt` asker for a terminal, or undefined when stdin/stdout is not a TTY. `choices`
 * maps a key the user types to the answer and its wording (e.g. `p: ["project", "keep [p]roject"]`);
 * `d` always shows the diff and asks again. Lines typed ahead are kept for the next question; end of
 * input (Ctrl+D) stops the operation before anything is written.
 * @throws SkillsyncError USAGE when the input ends before an answer
 */
export async function terminalPrompter<T extends string>(
  choices: Record<string, readonly [T, string]>,
): Promise<TerminalPrompter<T> | undefined> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return undefined;
  const { createInterface } = await import("node:readline");
  const menu = `${Object.values(choices)
    .map(([, words]) => words)
    .join(", ")}, show [d]iff? `;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (q: ConflictQuestion): Promise<T> => {
    for (;;) {
      process.stdout.write(`${q.artifact}: conflict in ${q.path}: ${menu}`);
      const next = await lines.next();
      if (next.done) throw new SkillsyncError("USAGE", "no answer (end of input): nothing was written");
      const a = String(next.value).trim().toLowerCase();
      const hit = choices[a];
      if (hit) return hit[0];
      if (a === "d") process.stdout.write(q.diff);
    }
  };
  return Object.assign(ask, { close: () => rl.close() });
}

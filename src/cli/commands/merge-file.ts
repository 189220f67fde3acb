/**
 * `skillsync merge-file [-p] [--diff3] [-L label]… CURRENT BASE OTHER`: the merge engine of
 * pull/push/sync behind `git merge-file`'s command line, so anyone can compare the two.
 * Exit status as git's: the number of conflicts (capped at 127), 255 on an error.
 */
import { type Command, InvalidArgumentError } from "commander";

/** Exit status for an error, as `git merge-file` (its -1). */
export const MERGE_FILE_ERROR_EXIT = 255;

interface MergeFileOptions {
  stdout?: boolean;
  diff3?: boolean;
  zdiff3?: boolean;
  L?: string[];
  ours?: boolean;
  theirs?: boolean;
  union?: boolean;
  markerSize?: number;
  quiet?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parseMarkerSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
  return n;
}

const HELP_AFTER = `
Labels default to the file names; give -L up to three times for CURRENT, BASE and OTHER.
Binary files (a NUL byte in the first 8000 bytes) are refused, as git does.

Exit status: the number of conflicts (at most 127); 255 on an error.

Example:
  skillsync merge-file -p -L project -L base -L collection SKILL.md base/SKILL.md new/SKILL.md`;

/** Registers `merge-file`. The merge engine is loaded inside the action. */
export function registerMergeFile(program: Command): void {
  program
    .command("merge-file")
    .description("three-way merge of one file with git merge-file's command line and output")
    .argument("<current>", "our version; receives the result unless -p")
    .argument("<base>", "the common ancestor")
    .argument("<other>", "their version")
    .option("-p, --stdout", "write the result to standard output instead of overwriting CURRENT")
    .option("--diff3", "also show the base text inside conflicts (||||||| section)")
    .option("--zdiff3", "like --diff3, with lines common to both sides at a conflict's edges moved out")
    .option("-L <label>", "conflict label for CURRENT, BASE, OTHER in turn (repeatable, up to 3)", collect)
    .option("--ours", "resolve conflicts by taking our side")
    .option("--theirs", "resolve conflicts by taking their side")
    .option("--union", "resolve conflicts by keeping both sides (ours first)")
    .option("--marker-size <n>", "length of conflict markers (default 7)", parseMarkerSize)
    .option("-q, --quiet", "accepted for compatibility with git (nothing is printed on conflicts)")
    .addHelpText("after", HELP_AFTER)
    .action(async (current: string, base: string, other: string, opts: MergeFileOptions) => {
      process.exitCode = await runMergeFile({ current, base, other, opts });
    });
}

/** Runs one merge-file invocation and returns its exit status. */
async function runMergeFile(args: {
  current: string;
  base: string;
  other: string;
  opts: MergeFileOptions;
}): Promise<number> {
  const { current, base, other, opts } = args;
  const { SkillsyncError, isSkillsyncError } = await import("../../core/errors.js");
  const L = opts.L ?? [];
  try {
    if (L.length > 3) {
      throw new SkillsyncError(
        "USAGE",
        "too many labels: give -L at most three times (CURRENT, BASE, OTHER)",
      );
    }
    const favors = (["ours", "theirs", "union"] as const).filter((f) => opts[f]);
    if (favors.length > 1) {
      throw new SkillsyncError(
        "USAGE",
        `use only one of --ours, --theirs, --union (got ${favors.join(", ")})`,
      );
    }
    const { promises: fsp } = await import("node:fs");
    const { mergeBytes, isBinary } = await import("../../core/merge.js");
    const read = async (path: string): Promise<Uint8Array> => {
      let data: Uint8Array;
      try {
        data = await fsp.readFile(path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? "error";
        throw new SkillsyncError("UNREADABLE", `cannot read '${path}' (${code}); check the path`, {
          cause: e,
        });
      }
      if (isBinary(data)) throw new SkillsyncError("UNREADABLE", `Cannot merge binary files: ${path}`);
      return data;
    };
    const [oursData, baseData, theirsData] = [await read(current), await read(base), await read(other)];
    const favor = favors[0];
    const result = mergeBytes({
      base: baseData,
      ours: oursData,
      theirs: theirsData,
      labels: { ours: L[0] ?? current, base: L[1] ?? base, theirs: L[2] ?? other },
      ...(opts.zdiff3 ? { style: "zdiff3" as const } : opts.diff3 ? { style: "diff3" as const } : {}),
      ...(favor ? { favor } : {}),
      ...(opts.markerSize !== undefined ? { markerSize: opts.markerSize } : {}),
    });
    if (opts.stdout) {
      await new Promise<void>((resolve, reject) =>
        process.stdout.write(result.data, (err) => (err ? reject(err) : resolve())),
      );
    } else {
      const { writeFileAtomic } = await import("../../store/fs.js");
      // Write through a symlink and keep the file's permission bits, as git's fopen("wb") does.
      const target = await fsp.realpath(current);
      const mode = (await fsp.stat(target)).mode & 0o7777;
      await writeFileAtomic(target, result.data, { mode });
    }
    return Math.min(result.conflicts, 127);
  } catch (e) {
    if (isSkillsyncError(e)) {
      process.stderr.write(`error: ${e.toLine()}\n`);
    } else {
      const { reportError } = await import("../run.js");
      reportError(e);
    }
    return MERGE_FILE_ERROR_EXIT;
  }
}

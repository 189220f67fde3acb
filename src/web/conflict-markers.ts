/**
 * Reading and resolving git-style conflict blocks in a merge result, for the three-way view's
 * per-hunk choices. The format is git's (`git merge-file`, also `src/core/merge.ts`):
 * `<<<<<<< ours-label`, ours lines, optional `||||||| base` and base lines, `=======`, theirs lines,
 * `>>>>>>> theirs-label`. Line terminators (LF or CRLF) are kept byte for byte.
 */

/** One conflict block of a text. Line arrays keep each line's terminator. */
export interface ConflictBlock {
  /** 0-based position among the text's blocks. */
  index: number;
  oursLabel: string;
  theirsLabel: string;
  ours: string[];
  /** Base lines when the text was written with `--diff3` markers, else null. */
  base: string[] | null;
  theirs: string[];
  /** 0-based line where `<<<<<<<` stands. */
  startLine: number;
  /** 0-based line where `>>>>>>>` stands. */
  endLine: number;
}

/** How to resolve one block. `both` keeps ours then theirs. */
export type HunkChoice = "ours" | "theirs" | "both" | "base";

function splitLines(text: string): string[] {
  return text.length === 0 ? [] : (text.match(/[^\n]*\n|[^\n]+$/g) ?? []);
}

const bare = (line: string): string => line.replace(/\r?\n$/, "");

/** Finds every well-formed conflict block in `text` (unclosed blocks are ignored). */
export function findConflictBlocks(text: string): ConflictBlock[] {
  const lines = splitLines(text);
  const out: ConflictBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const open = bare(lines[i]!);
    if (!open.startsWith("<<<<<<<")) {
      i++;
      continue;
    }
    const block: ConflictBlock = {
      index: out.length,
      oursLabel: open.slice(7).trim(),
      theirsLabel: "",
      ours: [],
      base: null,
      theirs: [],
      startLine: i,
      endLine: -1,
    };
    let part: "ours" | "base" | "theirs" = "ours";
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = bare(lines[j]!);
      if (part === "ours" && l.startsWith("|||||||")) {
        part = "base";
        block.base = [];
      } else if (part !== "theirs" && l === "=======") part = "theirs";
      else if (part === "theirs" && l.startsWith(">>>>>>>")) {
        block.theirsLabel = l.slice(7).trim();
        block.endLine = j;
        break;
      } else if (part === "ours") block.ours.push(lines[j]!);
      else if (part === "base") block.base!.push(lines[j]!);
      else block.theirs.push(lines[j]!);
    }
    if (block.endLine < 0) break;
    out.push(block);
    i = j + 1;
  }
  return out;
}

/**
 * Replaces conflict block `index` of `text` with the chosen side. Returns `text` unchanged when there
 * is no such block. `base` on a block without base lines keeps nothing.
 */
export function resolveConflictBlock(text: string, pick: { index: number; choice: HunkChoice }): string {
  const { index, choice } = pick;
  const block = findConflictBlocks(text)[index];
  if (!block) return text;
  const lines = splitLines(text);
  const chosen =
    choice === "ours"
      ? block.ours
      : choice === "theirs"
        ? block.theirs
        : choice === "both"
          ? [...block.ours, ...block.theirs]
          : (block.base ?? []);
  return [...lines.slice(0, block.startLine), ...chosen, ...lines.slice(block.endLine + 1)].join("");
}

/** True when `text` still holds any conflict block. */
export function hasConflictMarkers(text: string): boolean {
  return findConflictBlocks(text).length > 0;
}

/**
 * The one three-way resolver (issue 12): given the base and the two sides of one artifact, the
 * strategy and the auto-resolve mode, decides what to write, what the new base is, the DESIGN.md
 * sync result and which conflicts still need a human. Every front end and operation uses it:
 * `transfer` (pull, push, sync, deploy), git upstream updates (`updateFromGit`), hub fetch, and the
 * web UI's conflict routes.
 *
 * The rule, per artifact ("ours" is the side written to, "theirs" the side brought in):
 * - unless the caller's planner already decided the sides diverged (`diverged: true`): ours equal to
 *   theirs, or theirs unchanged since the base → nothing to write (the base becomes theirs); ours
 *   unchanged since the base → fast-forward to theirs. "Unchanged" ignores preserved sections.
 * - diverged, by `strategy`:
 *   - `overwrite`: theirs replaces ours (ours' preserved sections kept); base → theirs;
 *   - `fork`: theirs is kept beside ours as `forkName` (frontmatter `name:` renamed); base unchanged;
 *   - `merge`: file-by-file three-way merge ({@link mergeTree}, `git merge-file` semantics) with
 *     `autoResolve` `ours`/`theirs` settling every conflict to that side, `abort` leaving it:
 *     a conflicted artifact is written nowhere (success false, conflicts counted in hunks);
 *   - `prompt`: like `merge` (an `autoResolve` other than `abort` settles everything first), but each conflicting file becomes an open question; the caller
 *     asks (or not) and calls again with `answers` (`ours`, `theirs`, or `markers`: keep the merge with
 *     conflict markers, written into `markersInto`, the base moving to the other side).
 * - a merge needs the base: when it is `undefined` the artifact is refused (use overwrite or fork).
 * - every write into a side keeps that side's preserved sections (`preserve`), except a merge left
 *   with markers (written as merged).
 *
 * Pure: no I/O, no clock. Prompts are data: open questions out, answers in; {@link resolveAsking}
 * is the loop for callers that hold a prompter.
 */

import { forkFiles } from "./fork.js";
import type { MergeStyle } from "./merge.js";
import { type FileConflict, type FileConflictKind, mergeTree } from "./merge-tree.js";
import { onlyPreservedDiffer, withPreserved } from "./preserve.js";
import { type AutoResolve, emptySyncResult, type Strategy, type SyncResult } from "./sync-result.js";
import { diffTrees } from "./tree-diff.js";
import { type TreeFile, treeHashOfFiles } from "./tree-hash.js";

/** An answer to one open question of `--strategy prompt`: keep ours, keep theirs, or write markers. */
export type PromptAnswer = "ours" | "theirs" | "markers";

/** One conflicting file that `--strategy prompt` asks about. */
export interface ConflictQuestion {
  /** `kind/name`. */
  artifact: string;
  /** The file's relative `/` path inside the artifact. */
  path: string;
  kind: FileConflictKind;
  /** Conflicting hunks in the file. */
  conflictCount: number;
  /** Unified diff of ours (`a/`) against theirs (`b/`) for this file, labelled with the real sides. */
  diff: string;
}

/** Input of {@link resolveArtifact}. */
export interface ResolveInput {
  /** `kind/name`, for results and questions. */
  artifact: string;
  /** The artifact's name (the fork is derived from it). */
  name: string;
  /** `folder` (a skill) or `file` (a one-file artifact). */
  form: "folder" | "file";
  /** What both sides last agreed on; `undefined` when it is unknown or unreadable. */
  base: readonly TreeFile[] | undefined;
  /** The side written to. */
  ours: readonly TreeFile[];
  /** The side brought in. */
  theirs: readonly TreeFile[];
  strategy: Strategy;
  autoResolve: AutoResolve;
  /** Names of the real sides for conflict markers and messages (`project`, `collection`, `hub`, `upstream`). */
  labels: { ours: string; theirs: string; base?: string };
  /** Preserved `##` sections (DESIGN.md) the side written to keeps; empty or absent for none. */
  preserve?: readonly string[];
  /** Conflict marker style: `merge` (default) or `diff3` (with the base). */
  style?: MergeStyle;
  /** Name of the artifact `fork` creates. */
  forkName: string;
  /** Answers to earlier questions, by file path. */
  answers?: Readonly<Record<string, PromptAnswer>>;
  /** `both`: a clean merge is written into both sides (two-way sync); default `ours`. */
  into?: "ours" | "both";
  /** With `prompt`, the side a merge with markers is written into; default `ours`. */
  markersInto?: "ours" | "theirs";
  /** True when the caller already planned the artifact as diverged: skip the fast-forward checks. */
  diverged?: boolean;
  /** The result's `direction` (DESIGN.md sync JSON). */
  direction: SyncResult["direction"];
  /** The error line when a merge needs the base and it is `undefined`. */
  missingBase?: string;
}

/** The new base: which content both sides now agree on, its files and tree hash. */
export interface NewBase {
  from: "ours" | "theirs" | "merged";
  files: readonly TreeFile[];
  hash: string;
}

/** Output of {@link resolveArtifact}. */
export interface ResolveOutput {
  /** How the sides compared: `same`/`theirs-unchanged` (nothing to bring), `fast-forward`, `diverged`. */
  case: "same" | "theirs-unchanged" | "fast-forward" | "diverged";
  /** New content of ours; undefined = ours unchanged. */
  ours?: TreeFile[];
  /** New content of theirs (`into: "both"`, or markers into theirs); undefined = unchanged. */
  theirs?: TreeFile[];
  /** The artifact `fork` adds beside ours. */
  fork?: { name: string; files: TreeFile[] };
  /** The new base; undefined = the base stays. */
  newBase?: NewBase;
  /** The sync result; `previous_hash` is the tree hash of ours, `snapshot_id` null (the caller's). */
  result: SyncResult;
  /** Conflicts still needing an answer (only with `prompt`); nothing is written while any is open. */
  questions: ConflictQuestion[];
  /** The merge including conflict markers, when a merge ran (for previews). */
  merged?: TreeFile[];
}

const MERGE_HINT = "use --auto-resolve ours|theirs, --strategy prompt|fork|overwrite, or edit and retry";

function hunks(conflicts: readonly FileConflict[]): number {
  return conflicts.reduce((n, k) => n + Math.max(1, k.conflictCount), 0);
}

function base(from: NewBase["from"], files: readonly TreeFile[]): NewBase {
  return { from, files, hash: treeHashOfFiles(files) };
}

/**
 * Resolves one artifact by the three-way rule in the module comment. Pure; never throws for content
 * (binary files, deletions and additions are conflicts or clean merges as {@link mergeTree} decides).
 */
export function resolveArtifact(input: ResolveInput): ResolveOutput {
  const { ours, theirs, form } = input;
  const sections = [...(input.preserve ?? [])];
  const r: SyncResult = { ...emptySyncResult(input.artifact), direction: input.direction };
  const oursHash = treeHashOfFiles(ours);
  r.previous_hash = oursHash;
  r.new_hash = oursHash;
  const out = (o: Omit<ResolveOutput, "result" | "questions"> & { questions?: ConflictQuestion[] }) => ({
    questions: [],
    ...o,
    result: r,
  });
  if (!input.diverged) {
    const theirsHash = treeHashOfFiles(theirs);
    const baseHash = input.base ? treeHashOfFiles(input.base) : undefined;
    const unchanged = (side: readonly TreeFile[], h: string) =>
      input.base !== undefined &&
      (h === baseHash || onlyPreservedDiffer([...input.base], [...side], sections, form));
    if (theirsHash === oursHash || unchanged(theirs, theirsHash)) {
      r.strategy_used = "fast-forward";
      return out({
        case: theirsHash === oursHash ? "same" : "theirs-unchanged",
        newBase: base("theirs", theirs),
      });
    }
    if (unchanged(ours, oursHash)) {
      const files = withPreserved([...theirs], [...ours], sections, form);
      r.strategy_used = "fast-forward";
      r.new_hash = treeHashOfFiles(files);
      return out({ case: "fast-forward", ours: files, newBase: base("theirs", theirs) });
    }
  }
  r.strategy_used = input.strategy;
  if (input.strategy === "overwrite") {
    const files = withPreserved([...theirs], [...ours], sections, form);
    r.new_hash = treeHashOfFiles(files);
    return out({ case: "diverged", ours: files, newBase: base("theirs", theirs) });
  }
  if (input.strategy === "fork") {
    const files = forkFiles(theirs, form, input.name, input.forkName);
    r.new_hash = treeHashOfFiles(files);
    return out({ case: "diverged", fork: { name: input.forkName, files } });
  }
  if (input.base === undefined) {
    Object.assign(r, {
      success: false,
      conflicts_remaining: 1,
      error: input.missingBase ?? "the base is not available; use --strategy overwrite or fork",
    });
    return out({ case: "diverged" });
  }
  const labels = { ours: input.labels.ours, theirs: input.labels.theirs, base: input.labels.base ?? "base" };
  const favor = input.autoResolve !== "abort" ? input.autoResolve : undefined;
  const merged = mergeTree({
    base: input.base,
    ours,
    theirs,
    labels,
    style: input.style ?? "merge",
    ...(favor ? { favor } : {}),
  });
  let files = merged.files;
  let resolved = hunks(merged.resolved);
  if (merged.conflicts.length > 0 && input.strategy === "prompt") {
    const answers = input.answers ?? {};
    const open = merged.conflicts.filter((c) => answers[c.path] === undefined);
    if (open.length > 0) {
      Object.assign(r, {
        success: false,
        conflicts_remaining: hunks(merged.conflicts),
        error: `waiting for answers about ${open.map((c) => c.path).join(", ")}`,
      });
      const questions = open.map((c) => ({
        artifact: input.artifact,
        path: c.path,
        kind: c.kind,
        conflictCount: Math.max(1, c.conflictCount),
        diff: diffTrees(
          ours.filter((f) => f.path === c.path),
          theirs.filter((f) => f.path === c.path),
          labels.ours,
          labels.theirs,
        ),
      }));
      return out({ case: "diverged", questions, merged: files });
    }
    let markers = 0;
    for (const c of merged.conflicts) {
      const a = answers[c.path];
      if (a === "markers") {
        markers += Math.max(1, c.conflictCount);
        continue;
      }
      const pick = (a === "ours" ? ours : theirs).find((f) => f.path === c.path);
      files = files.filter((f) => f.path !== c.path);
      if (pick) files = [...files, pick];
      resolved += Math.max(1, c.conflictCount);
    }
    if (markers > 0) {
      const into = input.markersInto ?? "ours";
      const label = into === "ours" ? labels.ours : labels.theirs;
      Object.assign(r, {
        conflicts_resolved: resolved,
        conflicts_remaining: markers,
        new_hash: treeHashOfFiles(files),
        error: `conflict markers written into the ${label} copy of ${input.artifact}; edit them there, then sync again`,
      });
      const other = into === "ours" ? theirs : ours;
      return out({
        case: "diverged",
        ...(into === "ours" ? { ours: files } : { theirs: files }),
        newBase: base(into === "ours" ? "theirs" : "ours", other),
        merged: merged.files,
      });
    }
  } else if (merged.conflicts.length > 0) {
    Object.assign(r, {
      success: false,
      conflicts_remaining: hunks(merged.conflicts),
      error: `merge conflict in ${merged.conflicts.map((k) => k.path).join(", ")} between ${labels.ours} and ${labels.theirs}; nothing written (${MERGE_HINT})`,
    });
    return out({ case: "diverged", merged: files });
  }
  r.conflicts_resolved = resolved;
  const oursNew = withPreserved(files, [...ours], sections, form);
  r.new_hash = treeHashOfFiles(oursNew);
  if (input.into === "both") {
    const theirsNew = withPreserved(files, [...theirs], sections, form);
    return out({
      case: "diverged",
      ours: oursNew,
      theirs: theirsNew,
      newBase: base("merged", theirsNew),
      merged: files,
    });
  }
  return out({ case: "diverged", ours: oursNew, newBase: base("theirs", theirs), merged: files });
}

/**
 * {@link resolveArtifact} with a prompter: open questions are asked one by one and the artifact is
 * resolved again with the answers. Without `ask`, `prompt` acts as `merge` + `abort`.
 * @throws whatever `ask` throws (e.g. end of input), before anything is decided
 */
export async function resolveAsking(
  input: ResolveInput,
  ask: ((q: ConflictQuestion) => Promise<PromptAnswer>) | undefined,
): Promise<ResolveOutput> {
  if (input.strategy === "prompt" && !ask)
    return resolveArtifact({ ...input, strategy: "merge", autoResolve: "abort" });
  let res = resolveArtifact(input);
  if (res.questions.length === 0 || !ask) return res;
  const answers: Record<string, PromptAnswer> = { ...(input.answers ?? {}) };
  for (const q of res.questions) answers[q.path] = await ask(q);
  res = resolveArtifact({ ...input, answers });
  return res;
}

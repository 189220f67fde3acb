/**
 * Whole-artifact three-way merge (issue 3 "Whole-artifact rules"): merges the file sets of a skill
 * folder (or a one-file artifact) file by file with {@link mergeBytes}.
 *
 * Rules per path, comparing bytes and mode:
 * - same on both sides (including both deleted, or the same new file added on both) → that;
 * - changed, added or deleted on one side only → that side's version;
 * - deleted on one side and modified on the other → conflict `delete-modify`; the modification
 *   survives in `files`;
 * - added on both sides with different content → conflict `add-add`, text merged against an empty base
 *   (markers around the parts that differ);
 * - modified on both sides → three-way content merge (conflict `content`, or `binary` for binary files);
 * - the mode (`644`/`755`) merges like a one-line value; differing modes of a file added on both sides
 *   are a conflict `mode` (ours kept).
 * `favor: "ours" | "theirs"` settles every conflict to that side (for delete-modify, that side's
 * choice: deleted or modified); the settled conflicts are listed in `resolved`. `favor: "union"` only
 * affects text conflicts.
 * Pure: no I/O.
 */
import { type MergeFavor, type MergeHunk, type MergeLabels, type MergeStyle, mergeBytes } from "./merge.js";
import type { FileMode, TreeFile } from "./tree-hash.js";

export type { TreeFile };

/** What kind of conflict a file has. */
export type FileConflictKind = "content" | "binary" | "delete-modify" | "add-add" | "mode";

/** A file that both sides changed in incompatible ways. */
export interface FileConflict {
  path: string;
  kind: FileConflictKind;
  /** Conflicting hunks in the file (1 for binary, delete-modify and mode conflicts). */
  conflictCount: number;
  /** True when the merged file in `files` holds conflict markers. */
  hasMarkers: boolean;
  /** For delete-modify: the side that deleted the file. */
  deletedBy?: "ours" | "theirs";
}

/** Input of {@link mergeTree}. */
export interface MergeTreeInput {
  base: readonly TreeFile[];
  ours: readonly TreeFile[];
  theirs: readonly TreeFile[];
  labels: MergeLabels;
  style?: MergeStyle;
  favor?: MergeFavor;
  markerSize?: number;
}

/** Output of {@link mergeTree}. */
export interface MergeTreeResult {
  /** The merged files, sorted bytewise by path. */
  files: TreeFile[];
  /** Conflicts left for a human (the files hold markers or the surviving side). */
  conflicts: FileConflict[];
  /** Conflicts settled by `favor`. */
  resolved: FileConflict[];
  /** Text hunks of every file merged line by line (for previews and the web UI). */
  hunks: { path: string; hunks: MergeHunk[] }[];
  /** True when `conflicts` is empty. */
  clean: boolean;
}

/**
 * Bytewise UTF-8 order of two paths (the manifest order of tree-hash.ts), computed as code-point
 * order, which is the same; kept local so this module imports nothing from Node (the web UI uses it).
 */
function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(i) as number;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

function sameFile(a: TreeFile | undefined, b: TreeFile | undefined): boolean {
  if (!a || !b) return a === b;
  return a.mode === b.mode && bytesEqual(a.data, b.data);
}

function byPath(files: readonly TreeFile[]): Map<string, TreeFile> {
  const m = new Map<string, TreeFile>();
  for (const f of files) m.set(f.path, f);
  return m;
}

/**
 * Merges three versions of an artifact's files (see the module comment for the rules).
 * @example mergeTree({ base, ours: projectFiles, theirs: collectionFiles, labels: { ours: "project", theirs: "collection" } })
 */
export function mergeTree(input: MergeTreeInput): MergeTreeResult {
  const base = byPath(input.base);
  const ours = byPath(input.ours);
  const theirs = byPath(input.theirs);
  const paths = [...new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])].sort(comparePaths);
  const favor = input.favor;
  const files: TreeFile[] = [];
  const conflicts: FileConflict[] = [];
  const resolved: FileConflict[] = [];
  const hunks: MergeTreeResult["hunks"] = [];
  const settle = (c: FileConflict, byFavor: boolean): void => {
    (byFavor ? resolved : conflicts).push(c);
  };
  const merge = (b: Uint8Array, o: Uint8Array, t: Uint8Array) =>
    mergeBytes({
      base: b,
      ours: o,
      theirs: t,
      labels: input.labels,
      ...(input.style ? { style: input.style } : {}),
      ...(favor ? { favor } : {}),
      ...(input.markerSize ? { markerSize: input.markerSize } : {}),
    });

  for (const path of paths) {
    const b = base.get(path);
    const o = ours.get(path);
    const t = theirs.get(path);
    if (sameFile(o, t) || sameFile(b, t)) {
      if (o) files.push(o);
      continue;
    }
    if (sameFile(b, o)) {
      if (t) files.push(t);
      continue;
    }
    if (!o || !t) {
      // Deleted on one side, modified on the other (b exists: otherwise o or t would equal b).
      const deletedBy = o ? "theirs" : "ours";
      const survivor = (o ?? t) as TreeFile;
      const c: FileConflict = { path, kind: "delete-modify", conflictCount: 1, hasMarkers: false, deletedBy };
      const keepDeletion = (favor === "ours" && !o) || (favor === "theirs" && !t);
      if (!keepDeletion) files.push(survivor);
      settle(c, favor === "ours" || favor === "theirs");
      continue;
    }
    // Both sides have the file and changed it differently (content, mode or both).
    let mode: FileMode;
    let modeConflict = false;
    if (o.mode === t.mode || (b && b.mode === o.mode)) mode = t.mode;
    else if (b && b.mode === t.mode) mode = o.mode;
    else {
      modeConflict = true;
      mode = favor === "theirs" ? t.mode : o.mode;
    }
    let data: Uint8Array;
    let content: FileConflict | undefined;
    let contentResolved = false;
    const baseData = b?.data ?? new Uint8Array(0);
    if (bytesEqual(o.data, t.data) || (b && bytesEqual(baseData, t.data))) data = o.data;
    else if (b && bytesEqual(baseData, o.data)) data = t.data;
    else {
      const r = merge(baseData, o.data, t.data);
      data = r.data;
      if (!r.binary) hunks.push({ path, hunks: r.hunks });
      const kind: FileConflictKind = !b ? "add-add" : r.binary ? "binary" : "content";
      if (r.conflicts > 0) {
        content = { path, kind, conflictCount: r.conflicts, hasMarkers: !r.binary };
      } else if (r.resolved > 0) {
        content = { path, kind, conflictCount: r.resolved, hasMarkers: false };
        contentResolved = true;
      }
    }
    files.push({ path, mode, data });
    if (content) settle(content, contentResolved);
    // A mode conflict on a file whose content also conflicts is reported once, as that content conflict.
    if (modeConflict && !content) {
      settle(
        { path, kind: "mode", conflictCount: 1, hasMarkers: false },
        favor === "ours" || favor === "theirs",
      );
    }
  }
  return { files, conflicts, resolved, hunks, clean: conflicts.length === 0 };
}

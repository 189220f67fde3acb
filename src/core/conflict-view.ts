/**
 * How a pending conflict and a change preview are shown (the web UI's three-way view, usable by any
 * front end): per file the base, both sides and the engine's merge with conflict markers. The merge
 * itself is {@link resolveArtifact} (the one three-way rule); this module only presents its output
 * and never decides on its own which side wins. Pure: no I/O.
 */
import { isBinary } from "./merge.js";
import { resolveArtifact } from "./resolve.js";
import type { TreeFile } from "./tree-hash.js";

/** Files over this size (bytes) are shown without their text. */
export const MAX_TEXT_BYTES = 1024 * 1024;

const decoder = new TextDecoder("utf-8", { fatal: false });

/** The text of a file, or null when it is absent, binary or over {@link MAX_TEXT_BYTES}. */
export function textOf(data: Uint8Array | undefined): string | null {
  if (!data || data.byteLength > MAX_TEXT_BYTES || isBinary(data)) return null;
  return decoder.decode(data);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameFile(a: TreeFile | undefined, b: TreeFile | undefined): boolean {
  return a === undefined || b === undefined ? a === b : sameBytes(a.data, b.data);
}

/** One file of a conflict as shown: the three inputs (text, or null when absent or binary) and the merge. */
export interface ConflictFileView {
  path: string;
  base: string | null;
  local: string | null;
  remote: string | null;
  /** The merge with git-style markers (`<<<<<<< local` … `>>>>>>> remote`); ours' text for binary files. */
  merged: string;
  /** Conflicting hunks in this file (0: both sides changed it and it merged cleanly). */
  conflicts: number;
  binary: boolean;
}

/** Input of {@link conflictView}. */
export interface ConflictViewInput {
  /** `kind/name`. */
  artifact: string;
  name: string;
  form: "folder" | "file";
  /** The last agreed content; `undefined` (unknown) merges against an empty base (add/add). */
  base: readonly TreeFile[] | undefined;
  /** The side written to (the collection). */
  local: readonly TreeFile[];
  /** The side brought in (a project, a hub). */
  remote: readonly TreeFile[];
  /** Marker labels, e.g. `{local: "collection", remote: "project"}`. */
  labels: { local: string; remote: string };
}

/** Output of {@link conflictView}. */
export interface ConflictView {
  /** Files a human should look at: every conflicting file and every file both sides changed. */
  files: ConflictFileView[];
  /** The whole merged artifact (markers in conflicting files): what a resolution starts from. */
  merged: TreeFile[];
}

/**
 * The three-way view of one artifact: merges `local` and `remote` with {@link resolveArtifact}
 * (`prompt`, nothing answered, so every conflicting file is an open question) and lists each file
 * that conflicts or whose merge differs from both sides. Files only one side changed are not listed;
 * they are in `merged` as that side has them.
 */
export function conflictView(input: ConflictViewInput): ConflictView {
  const res = resolveArtifact({
    artifact: input.artifact,
    name: input.name,
    form: input.form,
    base: input.base ?? [],
    ours: input.local,
    theirs: input.remote,
    strategy: "prompt",
    autoResolve: "abort",
    labels: { ours: input.labels.local, theirs: input.labels.remote },
    forkName: input.name,
    diverged: true,
    direction: "none",
  });
  const merged = res.merged ?? [...input.local];
  const open = new Map(res.questions.map((q) => [q.path, q.conflictCount]));
  const byPath = (files: readonly TreeFile[]) => new Map(files.map((f) => [f.path, f]));
  const [local, remote, base, out] = [
    byPath(input.local),
    byPath(input.remote),
    byPath(input.base ?? []),
    byPath(merged),
  ];
  const files: ConflictFileView[] = [];
  for (const p of [...new Set([...local.keys(), ...remote.keys(), ...out.keys()])].sort()) {
    const [l, r, b, m] = [local.get(p), remote.get(p), base.get(p), out.get(p)];
    if (!open.has(p) && (sameFile(m, l) || sameFile(m, r))) continue;
    const [tl, tr, tb] = [textOf(l?.data), textOf(r?.data), textOf(b?.data)];
    const binary =
      (l !== undefined && tl === null) ||
      (r !== undefined && tr === null) ||
      (b !== undefined && tb === null);
    files.push({
      path: p,
      base: tb,
      local: tl,
      remote: tr,
      merged: binary ? (tl ?? "") : (textOf(m?.data) ?? ""),
      conflicts: open.get(p) ?? 0,
      binary,
    });
  }
  return { files, merged };
}

/** One file's change from one version to another, as a preview or history diff shows it. */
export interface FileChangeView {
  path: string;
  change: "added" | "removed" | "modified";
  before: string | null;
  after: string | null;
  binary: boolean;
}

/** The per-file differences from `before` to `after` (bytes or mode), sorted by path. */
export function fileChanges(before: readonly TreeFile[], after: readonly TreeFile[]): FileChangeView[] {
  const a = new Map(before.map((f) => [f.path, f]));
  const b = new Map(after.map((f) => [f.path, f]));
  const out: FileChangeView[] = [];
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(p);
    const y = b.get(p);
    if (x && y && sameBytes(x.data, y.data) && x.mode === y.mode) continue;
    const tx = x ? textOf(x.data) : null;
    const ty = y ? textOf(y.data) : null;
    out.push({
      path: p,
      change: !x ? "added" : !y ? "removed" : "modified",
      before: tx,
      after: ty,
      binary: (x !== undefined && tx === null) || (y !== undefined && ty === null),
    });
  }
  return out;
}

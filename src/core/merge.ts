/**
 * Three-way text merge with the semantics of `git merge-file` (git 2.39, xdiff's `xdl_merge` at
 * level `XDL_MERGE_ZEALOUS_ALNUM`, the level `git merge-file` uses):
 *
 * - `base → ours` and `base → theirs` are diffed with {@link diffLines};
 * - a change made by one side only is taken; identical changes (same base lines, same new lines)
 *   are taken once; changes that overlap or touch (adjacent lines) are a conflict;
 * - each conflict is narrowed by diffing the two sides' text inside it (only the lines that really
 *   differ stay in conflict, with "merge" style), then conflicts separated by at most 3 lines, or by
 *   lines without any ASCII letter or digit, are joined into one;
 * - with `style: "diff3"` conflicts are not narrowed and show the base between `|||||||` and `=======`;
 *   `style: "zdiff3"` shows the base too, but first moves lines common to both sides at the start and
 *   end of a conflict out of it (git's `--zdiff3`);
 * - markers are git's: `<<<<<<< ours-label`, `|||||||` (+ base label), `=======`, `>>>>>>> theirs-label`,
 *   ended by CRLF when the surrounding lines of ours, theirs and the base's first line use CRLF;
 *   a side whose last line lacks a newline gets one inside a conflict (as git does).
 *
 * Text outside conflicts is copied byte for byte, so CRLF, a BOM and a missing final newline survive.
 * Pure: no I/O. Source of the rules: git's `xdiff/xmerge.c` and `builtin/merge-file.c`.
 */
import { denseClasses, diffClasses, type LineChange } from "./diff.js";
import { endsInCrlf, endsInNewline, hasAlnum, indexLines, type LineIndex, lineText } from "./line-index.js";

/**
 * `"merge"`: ours/theirs only (git's default); `"diff3"`: also the base between `|||||||` and
 * `=======`; `"zdiff3"`: like diff3 with lines common to both sides at a conflict's edges moved out.
 */
export type MergeStyle = "merge" | "diff3" | "zdiff3";

/** How conflicts are resolved instead of getting markers: that side's text, or both (`union`: ours then theirs). */
export type MergeFavor = "ours" | "theirs" | "union";

/** Conflict marker labels: `ours` after `<<<<<<<`, `theirs` after `>>>>>>>`, `base` after `|||||||` (diff3). */
export interface MergeLabels {
  ours: string;
  theirs: string;
  base?: string;
}

/** Input of {@link mergeText}. */
export interface MergeTextInput {
  /** The text both sides last agreed on. */
  base: string;
  /** The side being written to. */
  ours: string;
  /** The side being brought in. */
  theirs: string;
  labels: MergeLabels;
  /** Default `"merge"`. */
  style?: MergeStyle;
  /** Resolve every conflict this way instead of writing markers (git's `--ours/--theirs/--union`). */
  favor?: MergeFavor;
  /** Length of conflict markers in characters, default 7 (git's `--marker-size`). */
  markerSize?: number;
}

/** A range of lines: 0-based first line and number of lines. */
export interface LineRange {
  start: number;
  count: number;
}

/**
 * One region where at least one side differs from the base. `kind`: `ours` / `theirs` — only that
 * side changed it (taken); `conflict` — both changed it differently. `resolved` is set on a conflict
 * settled by `favor` (no markers). Ranges index the lines of each input and of the result text (for a
 * conflict with markers, `result` covers the markers too). For a conflict narrowed by refinement,
 * `base` is the base range of the whole region it was narrowed from.
 */
export interface MergeHunk {
  kind: "ours" | "theirs" | "conflict";
  resolved?: MergeFavor;
  base: LineRange;
  ours: LineRange;
  theirs: LineRange;
  result: LineRange;
}

/** Output of {@link mergeText}. */
export interface MergeTextResult {
  /** The merged text (with conflict markers unless `favor` was given). */
  text: string;
  /** Conflicts left with markers in `text` (0 means a clean merge). */
  conflicts: number;
  /** Conflicts settled by `favor`. */
  resolved: number;
  hunks: MergeHunk[];
}

/** Merge record: mode 0 conflict, 1 take ours, 2 take theirs, 3 take both, 4 identical after refinement. */
interface Rec {
  mode: number;
  i0: number;
  chg0: number;
  i1: number;
  chg1: number;
  i2: number;
  chg2: number;
  refined: boolean;
}

function appendRec(recs: Rec[], r: Omit<Rec, "refined">): void {
  const m = recs[recs.length - 1];
  if (m && (r.i1 <= m.i1 + m.chg1 || r.i2 <= m.i2 + m.chg2)) {
    if (r.mode !== m.mode) m.mode = 0;
    m.chg0 = r.i0 + r.chg0 - m.i0;
    m.chg1 = r.i1 + r.chg1 - m.i1;
    m.chg2 = r.i2 + r.chg2 - m.i2;
  } else {
    recs.push({ ...r, refined: false });
  }
}

function sameLines(a: Int32Array, ai: number, b: Int32Array, bi: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (a[ai + k] !== b[bi + k]) return false;
  return true;
}

/** Combines the two edit scripts into merge records (xdiff's `xdl_do_merge` first pass). */
function combine(
  x1: readonly LineChange[],
  x2: readonly LineChange[],
  sides: { ours: LineIndex; theirs: LineIndex; nBase: number },
): Rec[] {
  const recs: Rec[] = [];
  const { ours, theirs, nBase } = sides;
  let p = 0;
  let q = 0;
  while (p < x1.length && q < x2.length) {
    const a = x1[p] as LineChange;
    const b = x2[q] as LineChange;
    if (a.i1 + a.chg1 < b.i1) {
      appendRec(recs, {
        mode: 1,
        i0: a.i1,
        chg0: a.chg1,
        i1: a.i2,
        chg1: a.chg2,
        i2: b.i2 - b.i1 + a.i1,
        chg2: a.chg1,
      });
      p++;
      continue;
    }
    if (b.i1 + b.chg1 < a.i1) {
      appendRec(recs, {
        mode: 2,
        i0: b.i1,
        chg0: b.chg1,
        i1: a.i2 - a.i1 + b.i1,
        chg1: b.chg1,
        i2: b.i2,
        chg2: b.chg2,
      });
      q++;
      continue;
    }
    const identical =
      a.i1 === b.i1 &&
      a.chg1 === b.chg1 &&
      a.chg2 === b.chg2 &&
      sameLines(ours.cls, a.i2, theirs.cls, b.i2, a.chg2);
    if (!identical) {
      const off = a.i1 - b.i1;
      const ffo = off + a.chg1 - b.chg1;
      let i0 = a.i1;
      let i1 = a.i2;
      let i2 = b.i2;
      if (off > 0) {
        i0 -= off;
        i1 -= off;
      } else {
        i2 += off;
      }
      let chg0 = a.i1 + a.chg1 - i0;
      let chg1 = a.i2 + a.chg2 - i1;
      let chg2 = b.i2 + b.chg2 - i2;
      if (ffo < 0) {
        chg0 -= ffo;
        chg1 -= ffo;
      } else {
        chg2 += ffo;
      }
      appendRec(recs, { mode: 0, i0, chg0, i1, chg1, i2, chg2 });
    }
    const end1 = a.i1 + a.chg1;
    const end2 = b.i1 + b.chg1;
    if (end1 >= end2) q++;
    if (end2 >= end1) p++;
  }
  const nOurs = ours.n;
  const nTheirs = theirs.n;
  for (; p < x1.length; p++) {
    const a = x1[p] as LineChange;
    appendRec(recs, {
      mode: 1,
      i0: a.i1,
      chg0: a.chg1,
      i1: a.i2,
      chg1: a.chg2,
      i2: a.i1 + nTheirs - nBase,
      chg2: a.chg1,
    });
  }
  for (; q < x2.length; q++) {
    const b = x2[q] as LineChange;
    appendRec(recs, {
      mode: 2,
      i0: b.i1,
      chg0: b.chg1,
      i1: b.i1 + nOurs - nBase,
      chg1: b.chg1,
      i2: b.i2,
      chg2: b.chg2,
    });
  }
  return recs;
}

/** {@link diffClasses} of two slices of class arrays, renumbered densely so its tables stay small. */
function diffSlices(a: Int32Array, b: Int32Array): LineChange[] {
  const ids = new Map<number, number>();
  const la = denseClasses(a, ids);
  const lb = denseClasses(b, ids);
  return diffClasses(la, lb, ids.size);
}

/** Narrows each conflict to the lines where ours and theirs really differ (`xdl_refine_conflicts`). */
function refine(recs: readonly Rec[], ours: LineIndex, theirs: LineIndex): Rec[] {
  const out: Rec[] = [];
  for (const m of recs) {
    if (m.mode !== 0 || m.chg1 === 0 || m.chg2 === 0) {
      out.push(m);
      continue;
    }
    const script = diffSlices(
      ours.cls.subarray(m.i1, m.i1 + m.chg1),
      theirs.cls.subarray(m.i2, m.i2 + m.chg2),
    );
    if (script.length === 0) {
      out.push({ ...m, mode: 4 });
      continue;
    }
    for (const x of script) {
      out.push({
        mode: 0,
        i0: m.i0,
        chg0: m.chg0,
        i1: x.i1 + m.i1,
        chg1: x.chg1,
        i2: x.i2 + m.i2,
        chg2: x.chg2,
        refined: true,
      });
    }
  }
  return out;
}

/** zdiff3: moves lines equal on both sides at the start and end of each conflict out of it (the base range stays). */
function trimConflicts(recs: readonly Rec[], ours: Int32Array, theirs: Int32Array): void {
  for (const m of recs) {
    if (m.mode !== 0) continue;
    while (m.chg1 > 0 && m.chg2 > 0 && ours[m.i1] === theirs[m.i2]) {
      m.chg1--;
      m.chg2--;
      m.i1++;
      m.i2++;
    }
    while (m.chg1 > 0 && m.chg2 > 0 && ours[m.i1 + m.chg1 - 1] === theirs[m.i2 + m.chg2 - 1]) {
      m.chg1--;
      m.chg2--;
    }
  }
}

/** Joins conflicts separated by ≤ 3 lines, or by lines with no ASCII letter/digit (`xdl_simplify_non_conflicts`). */
function simplify(recs: Rec[], ours: LineIndex): void {
  let k = 0;
  while (k + 1 < recs.length) {
    const m = recs[k] as Rec;
    const next = recs[k + 1] as Rec;
    const begin = m.i1 + m.chg1;
    const end = next.i1;
    let keepApart = m.mode !== 0 || next.mode !== 0;
    if (!keepApart && end - begin > 3) {
      keepApart = false;
      for (let i = begin; i < end; i++) {
        if (hasAlnum(ours, i)) {
          keepApart = true;
          break;
        }
      }
    }
    if (keepApart) {
      k++;
    } else {
      m.chg1 = next.i1 + next.chg1 - m.i1;
      m.chg2 = next.i2 + next.chg2 - m.i2;
      m.refined = m.refined || next.refined;
      recs.splice(k + 1, 1);
    }
  }
}

/** 1 when line `i` ends in CRLF (for an unterminated last line: the line before), 0 for LF, -1 unknown. */
function eolCrlf(f: LineIndex, i: number): number {
  const n = f.n;
  if (n === 0) return -1;
  if (i < n - 1 || endsInNewline(f, i)) return endsInCrlf(f, i) ? 1 : 0;
  if (i === 0) return -1;
  return endsInCrlf(f, i - 1) ? 1 : 0;
}

const FAVOR_MODE: Record<MergeFavor, number> = { ours: 1, theirs: 2, union: 3 };
const MODE_FAVOR: Record<number, MergeFavor> = { 1: "ours", 2: "theirs", 3: "union" };

/**
 * Merges `ours` and `theirs` against `base` line by line; the same text and conflict count as
 * `git merge-file -p [--diff3] -L ours -L base -L theirs` wherever line alignment is unambiguous
 * (see docs/merge.md for the measured agreement).
 * @returns the merged text, the number of conflicts left with markers, and the hunks
 * @example mergeText({ base: "a\nb\n", ours: "A\nb\n", theirs: "a\nB\n", labels: { ours: "project", theirs: "collection" } })
 *   // → { text: "A\nB\n", conflicts: 0, ... }
 */
export function mergeText(input: MergeTextInput): MergeTextResult {
  return mergeIndexed(input);
}

/**
 * {@link mergeText}, with `bytes` the Latin-1 bytes of base, ours and theirs when the texts were
 * decoded from them (mergeBytes): lines are then hashed and compared by byte.
 */
function mergeIndexed(
  input: MergeTextInput,
  bytes?: readonly [Uint8Array, Uint8Array, Uint8Array],
): MergeTextResult {
  const {
    files: [base, ours, theirs],
    nclass,
  } = indexLines([input.base, input.ours, input.theirs], bytes) as {
    files: [LineIndex, LineIndex, LineIndex];
    nclass: number;
  };
  const style = input.style ?? "merge";
  const x1 = diffClasses(base.cls, ours.cls, nclass);
  const x2 = diffClasses(base.cls, theirs.cls, nclass);
  if (x1.length === 0 || x2.length === 0) {
    const onlyTheirs = x1.length === 0;
    const script = onlyTheirs ? x2 : x1;
    const hunks: MergeHunk[] = script.map((c) => {
      const same = { start: c.i1, count: c.chg1 };
      const changed = { start: c.i2, count: c.chg2 };
      return {
        kind: onlyTheirs ? "theirs" : "ours",
        base: same,
        ours: onlyTheirs ? same : changed,
        theirs: onlyTheirs ? changed : same,
        result: changed,
      };
    });
    return { text: onlyTheirs ? input.theirs : input.ours, conflicts: 0, resolved: 0, hunks };
  }
  let recs = combine(x1, x2, { ours, theirs, nBase: base.n });
  // diff3 shows the base, so conflicts are neither narrowed nor joined (git caps the level there).
  if (style === "merge") {
    recs = refine(recs, ours, theirs);
    simplify(recs, ours);
  } else if (style === "zdiff3") {
    trimConflicts(recs, ours.cls, theirs.cls);
  }
  return fill(recs, { base, ours, theirs, input });
}

function fill(
  recs: readonly Rec[],
  ctx: { base: LineIndex; ours: LineIndex; theirs: LineIndex; input: MergeTextInput },
): MergeTextResult {
  const { base, ours, theirs, input } = ctx;
  const size = input.markerSize !== undefined && input.markerSize > 0 ? input.markerSize : 7;
  const favor = input.favor ? FAVOR_MODE[input.favor] : 0;
  const out: string[] = [];
  const hunks: MergeHunk[] = [];
  let lineNo = 0;
  let conflicts = 0;
  let resolved = 0;
  const copy = (f: LineIndex, from: number, count: number, nl?: { cr: boolean }): void => {
    if (count < 1) return;
    out.push(lineText(f, from, count));
    lineNo += count;
    if (nl && !endsInNewline(f, from + count - 1)) out.push(nl.cr ? "\r\n" : "\n");
  };
  const crNeeded = (m: Rec): boolean => {
    let cr = eolCrlf(ours, m.i1 ? m.i1 - 1 : 0);
    if (cr) cr = eolCrlf(theirs, m.i2 ? m.i2 - 1 : 0);
    if (cr) cr = eolCrlf(base, 0);
    return cr > 0;
  };
  const marker = (ch: string, label: string | undefined, cr: boolean): void => {
    out.push(ch.repeat(size) + (label === undefined ? "" : ` ${label}`) + (cr ? "\r\n" : "\n"));
    lineNo++;
  };
  let i = 0;
  for (const m of recs) {
    let mode = m.mode;
    const wasConflict = mode === 0;
    if (favor && mode === 0) mode = favor;
    // Identical after refinement: copied later with the text around it.
    if (mode !== 0 && (mode & 3) === 0) continue;
    copy(ours, i, m.i1 - i);
    const start = lineNo;
    if (mode === 0) {
      const cr = crNeeded(m);
      marker("<", input.labels.ours, cr);
      copy(ours, m.i1, m.chg1, { cr });
      if (input.style === "diff3" || input.style === "zdiff3") {
        marker("|", input.labels.base, cr);
        copy(base, m.i0, m.chg0, { cr });
      }
      marker("=", undefined, cr);
      copy(theirs, m.i2, m.chg2, { cr });
      marker(">", input.labels.theirs, cr);
      conflicts++;
    } else {
      if (mode & 1) copy(ours, m.i1, m.chg1, mode & 2 ? { cr: crNeeded(m) } : undefined);
      if (mode & 2) copy(theirs, m.i2, m.chg2);
      if (wasConflict) resolved++;
    }
    const hunk: MergeHunk = {
      kind: wasConflict ? "conflict" : mode === 1 ? "ours" : "theirs",
      base: { start: m.i0, count: m.chg0 },
      ours: { start: m.i1, count: m.chg1 },
      theirs: { start: m.i2, count: m.chg2 },
      result: { start, count: lineNo - start },
    };
    if (wasConflict && mode !== 0) hunk.resolved = MODE_FAVOR[mode] as MergeFavor;
    hunks.push(hunk);
    i = m.i1 + m.chg1;
  }
  copy(ours, i, ours.n - i);
  return { text: out.join(""), conflicts, resolved, hunks };
}

/** Bytes git inspects to decide whether a file is binary. */
export const BINARY_SNIFF_BYTES = 8000;

/** True when `data` holds a NUL byte in its first 8000 bytes (git's `buffer_is_binary`). */
export function isBinary(data: Uint8Array): boolean {
  const n = Math.min(data.length, BINARY_SNIFF_BYTES);
  for (let k = 0; k < n; k++) if (data[k] === 0) return true;
  return false;
}

/** Input of {@link mergeBytes}: like {@link MergeTextInput} with raw bytes. */
export interface MergeBytesInput extends Omit<MergeTextInput, "base" | "ours" | "theirs"> {
  base: Uint8Array;
  ours: Uint8Array;
  theirs: Uint8Array;
}

/** Output of {@link mergeBytes}. */
export interface MergeBytesResult {
  data: Uint8Array;
  /** Conflicts left: markers in text, or 1 for a binary file both sides changed differently (then `data` is ours). */
  conflicts: number;
  /** Conflicts settled by `favor`. */
  resolved: number;
  /** True when any input is binary (a NUL byte in its first 8000 bytes): no markers are ever written. */
  binary: boolean;
  hunks: MergeHunk[];
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** Node's Buffer, when present, converts Latin-1 fast; without it (a browser) plain loops do the same. */
interface NodeBufferLike {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: "latin1"): string };
  from(text: string, encoding: "latin1"): Uint8Array;
}
const nodeBuffer = (): NodeBufferLike | undefined => (globalThis as { Buffer?: NodeBufferLike }).Buffer;

/** Bytes → string with one char per byte (U+0000–U+00FF), so a text merge is byte-exact for any encoding. */
function bytesToChars(data: Uint8Array): string {
  const nb = nodeBuffer();
  if (nb) return nb.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1");
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let k = 0; k < data.length; k += CHUNK) {
    parts.push(String.fromCharCode(...data.subarray(k, Math.min(k + CHUNK, data.length))));
  }
  return parts.join("");
}

function charsToBytes(text: string): Uint8Array {
  const nb = nodeBuffer();
  if (nb) {
    const b = nb.from(text, "latin1");
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  const out = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) out[k] = text.charCodeAt(k);
  return out;
}

const utf8 = new TextEncoder();

/**
 * Merges raw file contents. Text (no NUL byte in the first 8000 bytes of any input) is merged like
 * {@link mergeText}, byte-exactly whatever the encoding (labels are written as UTF-8). A binary file
 * never gets markers: it merges cleanly when only one side changed it or both changed it the same
 * way; otherwise it is one conflict and the result is ours, or theirs/ours when `favor` says so.
 */
export function mergeBytes(input: MergeBytesInput): MergeBytesResult {
  const { base, ours, theirs } = input;
  if (isBinary(base) || isBinary(ours) || isBinary(theirs)) {
    const clean = (data: Uint8Array): MergeBytesResult => ({
      data,
      conflicts: 0,
      resolved: 0,
      binary: true,
      hunks: [],
    });
    if (bytesEqual(ours, theirs) || bytesEqual(theirs, base)) return clean(ours);
    if (bytesEqual(ours, base)) return clean(theirs);
    const favor = input.favor;
    if (favor === "ours" || favor === "theirs") {
      return { ...clean(favor === "ours" ? ours : theirs), resolved: 1 };
    }
    return { ...clean(ours), conflicts: 1 };
  }
  const label = (s: string | undefined): string | undefined =>
    s === undefined ? undefined : bytesToChars(utf8.encode(s));
  const labels: MergeLabels = {
    ours: label(input.labels.ours) as string,
    theirs: label(input.labels.theirs) as string,
  };
  const baseLabel = label(input.labels.base);
  if (baseLabel !== undefined) labels.base = baseLabel;
  const r = mergeIndexed(
    {
      ...input,
      base: bytesToChars(base),
      ours: bytesToChars(ours),
      theirs: bytesToChars(theirs),
      labels,
    },
    [base, ours, theirs],
  );
  return {
    data: charsToBytes(r.text),
    conflicts: r.conflicts,
    resolved: r.resolved,
    binary: false,
    hunks: r.hunks,
  };
}

/**
 * Line diff. The edit script is computed the way git's xdiff computes it with its default
 * (Myers) algorithm, so that a three-way merge built on it ({@link ../core/merge.ts}) agrees with
 * `git merge-file`:
 *
 * 1. lines are compared byte-exactly, line terminators included (a CRLF line differs from the LF line);
 * 2. common leading and trailing lines are trimmed; lines with no match in the other file are set
 *    aside as changed, and lines matching very often are set aside when they sit in a run of
 *    such lines (xdiff's `xdl_cleanup_records`, limits 4 / 100 / 1024 as in git);
 * 3. Myers' O(ND) divide-and-conquer search (E. W. Myers, "An O(ND) Difference Algorithm and Its
 *    Variations", Algorithmica 1986) with xdiff's cost cut-offs (snake length 20, heuristic from
 *    edit cost 256, maximal cost `max(256, ~sqrt(N))`);
 * 4. each group of changed lines is slid up and down as far as equal lines allow and then placed to
 *    line up with a change in the other file when possible, else as far down as possible (xdiff's
 *    `xdl_change_compact` without the indent heuristic, as `git merge-file` uses it).
 *
 * Pure: no I/O. Sources of the rules: git's `xdiff/` (xprepare.c, xdiffi.c, xemit.c) as of git 2.39.
 */

/**
 * One change of an edit script: lines `[i1, i1 + chg1)` of the old text are replaced by lines
 * `[i2, i2 + chg2)` of the new text (0-based line indexes; a count may be 0 for a pure insertion
 * or deletion, and `i1`/`i2` then name the line before which it happens).
 */
export interface LineChange {
  i1: number;
  i2: number;
  chg1: number;
  chg2: number;
}

/**
 * Splits text into lines, each keeping its terminator (`"\n"`, so a CRLF line ends in `"\r\n"`);
 * the last line lacks one when the text does not end in a newline. `""` has no lines.
 * Joining the result gives back the input exactly.
 */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    if (nl === -1) {
      if (start < text.length) out.push(text.slice(start));
      return out;
    }
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
}

/** xdiff's cheap integer square root approximation (a power of two). */
function bogoSqrt(n: number): number {
  let i = 1;
  for (let m = n; m > 0; m = Math.floor(m / 4)) i *= 2;
  return i;
}

const MAX_EQ_LIMIT = 1024;
const SIMSCAN_WINDOW = 100;
const KPDIS_RUN = 4;
const MAX_COST_MIN = 256;
const HEUR_MIN_COST = 256;
const SNAKE_CNT = 20;
const K_HEUR = 4;
const LINE_MAX = 0x7fffffff;

/** The per-file state of one diff: line classes, the changed marks, the lines the search looks at. */
interface DiffSide {
  /** Number of lines. */
  n: number;
  /** Equivalence class of every line (equal lines share a class). */
  cls: Int32Array;
  /** Changed marks, offset by one: `changed[i + 1]` is line i; `changed[0]` and `changed[n + 1]` stay 0. */
  changed: Uint8Array;
  /** Lines handed to the Myers search (indexes into the file), and their classes. */
  rindex: Int32Array;
  rcls: Int32Array;
  nreff: number;
}

/**
 * Maps each element of `src` to a dense class id (0, 1, …, in order of first appearance), sharing
 * `ids` across calls so that equal elements of several sequences get the same id.
 */
export function denseClasses<K>(src: ArrayLike<K>, ids: Map<K, number>): Int32Array {
  const out = new Int32Array(src.length);
  for (let k = 0; k < src.length; k++) {
    const x = src[k] as K;
    let c = ids.get(x);
    if (c === undefined) {
      c = ids.size;
      ids.set(x, c);
    }
    out[k] = c;
  }
  return out;
}

function classify(a: readonly string[], b: readonly string[]): { ca: Int32Array; cb: Int32Array; n: number } {
  const map = new Map<string, number>();
  const ca = denseClasses(a, map);
  const cb = denseClasses(b, map);
  return { ca, cb, n: map.size };
}

/**
 * Decides whether a line with many matches, sitting at `i`, is dropped from the search: only when
 * it lies inside a run of unmatched/multi-matched lines that is mostly unmatched.
 */
function cleanMultiMatch(dis: Uint8Array, i: number, s0: number, e0: number): boolean {
  const s = i - s0 > SIMSCAN_WINDOW ? i - SIMSCAN_WINDOW : s0;
  const e = e0 - i > SIMSCAN_WINDOW ? i + SIMSCAN_WINDOW : e0;
  let rdis0 = 0;
  let rpdis0 = 1;
  for (let r = 1; i - r >= s; r++) {
    const d = dis[i - r];
    if (d === 0) rdis0++;
    else if (d === 2) rpdis0++;
    else break;
  }
  if (rdis0 === 0) return false;
  let rdis1 = 0;
  let rpdis1 = 1;
  for (let r = 1; i + r <= e; r++) {
    const d = dis[i + r];
    if (d === 0) rdis1++;
    else if (d === 2) rpdis1++;
    else break;
  }
  if (rdis1 === 0) return false;
  rdis1 += rdis0;
  rpdis1 += rpdis0;
  return rpdis1 * KPDIS_RUN < rpdis1 + rdis1;
}

/**
 * Classifies lines, trims the common ends, and picks the lines the Myers search looks at. Each middle
 * line is rated by its matches in the other file: 0 none (marked changed at once), 1 a few (searched),
 * 2 at least ~sqrt(n) (searched unless {@link cleanMultiMatch} drops it).
 */
function prepare(ca: Int32Array, cb: Int32Array, nclass: number): [DiffSide, DiffSide] {
  const na = ca.length;
  const nb = cb.length;
  // Trim common ends.
  const lim = Math.min(na, nb);
  let start = 0;
  while (start < lim && ca[start] === cb[start]) start++;
  let tail = 0;
  while (tail < lim - start && ca[na - 1 - tail] === cb[nb - 1 - tail]) tail++;
  const dend1 = na - tail - 1;
  const dend2 = nb - tail - 1;
  // How often each class occurs in each whole file.
  const count1 = new Int32Array(nclass);
  const count2 = new Int32Array(nclass);
  for (let i = 0; i < na; i++) count1[ca[i] as number]!++;
  for (let i = 0; i < nb; i++) count2[cb[i] as number]!++;
  const side = (
    n: number,
    cls: Int32Array,
    other: Int32Array,
    dend: number,
  ): { s: DiffSide; dis: Uint8Array } => {
    const mlim = Math.min(bogoSqrt(n), MAX_EQ_LIMIT);
    const dis = new Uint8Array(n + 1);
    for (let i = start; i <= dend; i++) {
      const nm = Math.min(other[cls[i] as number] as number, mlim);
      dis[i] = nm === 0 ? 0 : nm >= mlim ? 2 : 1;
    }
    const s: DiffSide = {
      n,
      cls,
      changed: new Uint8Array(n + 2),
      rindex: new Int32Array(Math.max(0, dend - start + 1)),
      rcls: new Int32Array(Math.max(0, dend - start + 1)),
      nreff: 0,
    };
    return { s, dis };
  };
  const one = side(na, ca, count2, dend1);
  const two = side(nb, cb, count1, dend2);
  for (const [{ s, dis }, dend] of [
    [one, dend1],
    [two, dend2],
  ] as const) {
    let nreff = 0;
    for (let i = start; i <= dend; i++) {
      const d = dis[i];
      if (d === 1 || (d === 2 && !cleanMultiMatch(dis, i, start, dend))) {
        s.rindex[nreff] = i;
        s.rcls[nreff] = s.cls[i] as number;
        nreff++;
      } else {
        s.changed[i + 1] = 1;
      }
    }
    s.nreff = nreff;
  }
  return [one.s, two.s];
}

interface Split {
  i1: number;
  i2: number;
  minLo: boolean;
  minHi: boolean;
}

interface SearchEnv {
  kvdf: Int32Array;
  kvdb: Int32Array;
  /** Offset added to a diagonal number to index kvdf/kvdb. */
  k0: number;
  mxcost: number;
}

/** Finds the middle snake of the box (off1, off2)–(lim1, lim2), with xdiff's cut-offs. */
function split(
  h1: Int32Array,
  h2: Int32Array,
  box: { off1: number; lim1: number; off2: number; lim2: number },
  needMin: boolean,
  env: SearchEnv,
): Split {
  const { off1, lim1, off2, lim2 } = box;
  const { kvdf, kvdb, k0, mxcost } = env;
  const dmin = off1 - lim2;
  const dmax = lim1 - off2;
  const fmid = off1 - off2;
  const bmid = lim1 - lim2;
  const odd = ((fmid - bmid) & 1) !== 0;
  let fmin = fmid;
  let fmax = fmid;
  let bmin = bmid;
  let bmax = bmid;
  kvdf[k0 + fmid] = off1;
  kvdb[k0 + bmid] = lim1;
  for (let ec = 1; ; ec++) {
    let gotSnake = false;
    if (fmin > dmin) kvdf[k0 + --fmin - 1] = -1;
    else ++fmin;
    if (fmax < dmax) kvdf[k0 + ++fmax + 1] = -1;
    else --fmax;
    for (let d = fmax; d >= fmin; d -= 2) {
      const lo = kvdf[k0 + d - 1] as number;
      const hi = kvdf[k0 + d + 1] as number;
      let i1 = lo >= hi ? lo + 1 : hi;
      const prev1 = i1;
      let i2 = i1 - d;
      while (i1 < lim1 && i2 < lim2 && h1[i1] === h2[i2]) {
        i1++;
        i2++;
      }
      if (i1 - prev1 > SNAKE_CNT) gotSnake = true;
      kvdf[k0 + d] = i1;
      if (odd && bmin <= d && d <= bmax && (kvdb[k0 + d] as number) <= i1) {
        return { i1, i2, minLo: true, minHi: true };
      }
    }
    if (bmin > dmin) kvdb[k0 + --bmin - 1] = LINE_MAX;
    else ++bmin;
    if (bmax < dmax) kvdb[k0 + ++bmax + 1] = LINE_MAX;
    else --bmax;
    for (let d = bmax; d >= bmin; d -= 2) {
      const lo = kvdb[k0 + d - 1] as number;
      const hi = kvdb[k0 + d + 1] as number;
      let i1 = lo < hi ? lo : hi - 1;
      const prev1 = i1;
      let i2 = i1 - d;
      while (i1 > off1 && i2 > off2 && h1[i1 - 1] === h2[i2 - 1]) {
        i1--;
        i2--;
      }
      if (prev1 - i1 > SNAKE_CNT) gotSnake = true;
      kvdb[k0 + d] = i1;
      if (!odd && fmin <= d && d <= fmax && i1 <= (kvdf[k0 + d] as number)) {
        return { i1, i2, minLo: true, minHi: true };
      }
    }
    if (needMin) continue;
    if (gotSnake && ec > HEUR_MIN_COST) {
      let best = 0;
      let found: Split | undefined;
      for (let d = fmax; d >= fmin; d -= 2) {
        const dd = d > fmid ? d - fmid : fmid - d;
        const i1 = kvdf[k0 + d] as number;
        const i2 = i1 - d;
        const v = i1 - off1 + (i2 - off2) - dd;
        if (
          v > K_HEUR * ec &&
          v > best &&
          off1 + SNAKE_CNT <= i1 &&
          i1 < lim1 &&
          off2 + SNAKE_CNT <= i2 &&
          i2 < lim2
        ) {
          for (let k = 1; h1[i1 - k] === h2[i2 - k]; k++) {
            if (k === SNAKE_CNT) {
              best = v;
              found = { i1, i2, minLo: true, minHi: false };
              break;
            }
          }
        }
      }
      if (best > 0 && found) return found;
      best = 0;
      for (let d = bmax; d >= bmin; d -= 2) {
        const dd = d > bmid ? d - bmid : bmid - d;
        const i1 = kvdb[k0 + d] as number;
        const i2 = i1 - d;
        const v = lim1 - i1 + (lim2 - i2) - dd;
        if (
          v > K_HEUR * ec &&
          v > best &&
          off1 < i1 &&
          i1 <= lim1 - SNAKE_CNT &&
          off2 < i2 &&
          i2 <= lim2 - SNAKE_CNT
        ) {
          for (let k = 0; h1[i1 + k] === h2[i2 + k]; k++) {
            if (k === SNAKE_CNT - 1) {
              best = v;
              found = { i1, i2, minLo: false, minHi: true };
              break;
            }
          }
        }
      }
      if (best > 0 && found) return found;
    }
    if (ec >= mxcost) {
      let fbest = -1;
      let fbest1 = -1;
      for (let d = fmax; d >= fmin; d -= 2) {
        let i1 = Math.min(kvdf[k0 + d] as number, lim1);
        let i2 = i1 - d;
        if (lim2 < i2) {
          i1 = lim2 + d;
          i2 = lim2;
        }
        if (fbest < i1 + i2) {
          fbest = i1 + i2;
          fbest1 = i1;
        }
      }
      let bbest = LINE_MAX;
      let bbest1 = LINE_MAX;
      for (let d = bmax; d >= bmin; d -= 2) {
        let i1 = Math.max(off1, kvdb[k0 + d] as number);
        let i2 = i1 - d;
        if (i2 < off2) {
          i1 = off2 + d;
          i2 = off2;
        }
        if (i1 + i2 < bbest) {
          bbest = i1 + i2;
          bbest1 = i1;
        }
      }
      if (lim1 + lim2 - bbest < fbest - (off1 + off2)) {
        return { i1: fbest1, i2: fbest - fbest1, minLo: true, minHi: false };
      }
      return { i1: bbest1, i2: bbest - bbest1, minLo: false, minHi: true };
    }
  }
}

/** Marks changed lines of both sides by divide and conquer over the search lines. */
function compareRecords(s1: DiffSide, s2: DiffSide): void {
  const h1 = s1.rcls;
  const h2 = s2.rcls;
  const ndiags = s1.nreff + s2.nreff + 3;
  const env: SearchEnv = {
    kvdf: new Int32Array(ndiags),
    kvdb: new Int32Array(ndiags),
    k0: s2.nreff + 1,
    mxcost: Math.max(bogoSqrt(ndiags), MAX_COST_MIN),
  };
  // Explicit stack instead of recursion: [off1, lim1, off2, lim2, needMin].
  const stack: number[][] = [[0, s1.nreff, 0, s2.nreff, 0]];
  while (stack.length > 0) {
    const top = stack.pop() as number[];
    let off1 = top[0] as number;
    let lim1 = top[1] as number;
    let off2 = top[2] as number;
    let lim2 = top[3] as number;
    const needMin = top[4] === 1;
    while (off1 < lim1 && off2 < lim2 && h1[off1] === h2[off2]) {
      off1++;
      off2++;
    }
    while (off1 < lim1 && off2 < lim2 && h1[lim1 - 1] === h2[lim2 - 1]) {
      lim1--;
      lim2--;
    }
    if (off1 === lim1) {
      for (; off2 < lim2; off2++) s2.changed[(s2.rindex[off2] as number) + 1] = 1;
    } else if (off2 === lim2) {
      for (; off1 < lim1; off1++) s1.changed[(s1.rindex[off1] as number) + 1] = 1;
    } else {
      const spl = split(h1, h2, { off1, lim1, off2, lim2 }, needMin, env);
      stack.push([spl.i1, lim1, spl.i2, lim2, spl.minHi ? 1 : 0]);
      stack.push([off1, spl.i1, off2, spl.i2, spl.minLo ? 1 : 0]);
    }
  }
}

/** A group of consecutive changed lines `[start, end)` (possibly empty) of one side. */
interface Group {
  start: number;
  end: number;
}

function groupInit(s: DiffSide): Group {
  const g = { start: 0, end: 0 };
  while (s.changed[g.end + 1]) g.end++;
  return g;
}

function groupNext(s: DiffSide, g: Group): boolean {
  if (g.end === s.n) return false;
  g.start = g.end + 1;
  g.end = g.start;
  while (s.changed[g.end + 1]) g.end++;
  return true;
}

function groupPrevious(s: DiffSide, g: Group): boolean {
  if (g.start === 0) return false;
  g.end = g.start - 1;
  g.start = g.end;
  while (s.changed[g.start]) g.start--;
  return true;
}

function groupSlideDown(s: DiffSide, g: Group): boolean {
  if (g.end < s.n && s.cls[g.start] === s.cls[g.end]) {
    s.changed[g.start + 1] = 0;
    g.start++;
    s.changed[g.end + 1] = 1;
    g.end++;
    while (s.changed[g.end + 1]) g.end++;
    return true;
  }
  return false;
}

function groupSlideUp(s: DiffSide, g: Group): boolean {
  if (g.start > 0 && s.cls[g.start - 1] === s.cls[g.end - 1]) {
    g.start--;
    s.changed[g.start + 1] = 1;
    g.end--;
    s.changed[g.end + 1] = 0;
    while (s.changed[g.start]) g.start--;
    return true;
  }
  return false;
}

function syncBroken(where: string): never {
  throw new Error(`diff: group sync broken ${where}`);
}

/**
 * Slides each group of changes of `s` as far as equal lines allow, merging groups that touch, and
 * leaves it aligned with a change of `o` when one is in reach, otherwise as low as possible.
 */
function compact(s: DiffSide, o: DiffSide): void {
  const g = groupInit(s);
  const go = groupInit(o);
  for (;;) {
    if (g.end !== g.start) {
      let groupsize: number;
      let earliestEnd: number;
      let endMatchingOther: number;
      do {
        groupsize = g.end - g.start;
        endMatchingOther = -1;
        while (groupSlideUp(s, g)) if (!groupPrevious(o, go)) syncBroken("sliding up");
        earliestEnd = g.end;
        if (go.end > go.start) endMatchingOther = g.end;
        for (;;) {
          if (!groupSlideDown(s, g)) break;
          if (!groupNext(o, go)) syncBroken("sliding down");
          if (go.end > go.start) endMatchingOther = g.end;
        }
      } while (groupsize !== g.end - g.start);
      if (g.end !== earliestEnd && endMatchingOther !== -1) {
        while (go.end === go.start) {
          if (!groupSlideUp(s, g)) syncBroken("match disappeared");
          if (!groupPrevious(o, go)) syncBroken("sliding to match");
        }
      }
    }
    if (!groupNext(s, g)) break;
    if (!groupNext(o, go)) syncBroken("moving to next group");
  }
}

function buildScript(s1: DiffSide, s2: DiffSide): LineChange[] {
  const out: LineChange[] = [];
  const c1 = s1.changed;
  const c2 = s2.changed;
  for (let i1 = s1.n, i2 = s2.n; i1 >= 0 || i2 >= 0; i1--, i2--) {
    if (c1[i1] || c2[i2]) {
      const l1 = i1;
      const l2 = i2;
      while (c1[i1]) i1--;
      while (c2[i2]) i2--;
      out.push({ i1, i2, chg1: l1 - i1, chg2: l2 - i2 });
    }
  }
  return out.reverse();
}

/**
 * The edit script turning lines `a` into lines `b` (see {@link splitLines}), as git's xdiff Myers
 * algorithm with change compaction computes it. Changes are in ascending order and never touch.
 * @returns an empty array when `a` and `b` are equal
 */
export function diffLines(a: readonly string[], b: readonly string[]): LineChange[] {
  const { ca, cb, n } = classify(a, b);
  return diffClasses(ca, cb, n);
}

/**
 * {@link diffLines} on lines already classified: `ca[i]` / `cb[j]` are the equivalence classes of the
 * lines (equal lines, and only those, share a class), each in `0 … nclass - 1`. Used by the merge
 * engine, which classifies its three texts once (see {@link ./line-index.ts}).
 * @returns the edit script from `ca` to `cb`, ascending, changes never touching
 */
export function diffClasses(ca: Int32Array, cb: Int32Array, nclass: number): LineChange[] {
  const [s1, s2] = prepare(ca, cb, nclass);
  compareRecords(s1, s2);
  compact(s1, s2);
  compact(s2, s1);
  return buildScript(s1, s2);
}

/** One line of a hunk: `" "` context, `"-"` only in the old text, `"+"` only in the new text. */
export interface HunkLine {
  kind: " " | "-" | "+";
  /** The line with its terminator (none on a last line without a newline). */
  text: string;
}

/**
 * One hunk of a unified diff. Starts are 1-based line numbers as in a `@@ -oldStart,oldLines
 * +newStart,newLines @@` header (for an empty range, the line before it, 0 at the top).
 */
export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: HunkLine[];
}

/** Options of {@link diffHunks} and {@link unifiedDiff}. */
export interface DiffOptions {
  /** Unchanged lines shown around each change (default 3, as git); changes closer than twice this share a hunk. */
  context?: number;
}

/**
 * The hunks of a unified diff from `a` to `b` (git's grouping: changes separated by at most
 * `2 × context` unchanged lines share a hunk). For UIs; {@link unifiedDiff} renders them as text.
 */
export function diffHunks(a: string, b: string, opts: DiffOptions = {}): DiffHunk[] {
  const ctx = Math.max(0, opts.context ?? 3);
  const la = splitLines(a);
  const lb = splitLines(b);
  const changes = diffLines(la, lb);
  const hunks: DiffHunk[] = [];
  let k = 0;
  while (k < changes.length) {
    let last = k;
    while (last + 1 < changes.length) {
      const cur = changes[last] as LineChange;
      const next = changes[last + 1] as LineChange;
      if (next.i1 - (cur.i1 + cur.chg1) > 2 * ctx) break;
      last++;
    }
    const first = changes[k] as LineChange;
    const end = changes[last] as LineChange;
    const s1 = Math.max(first.i1 - ctx, 0);
    const s2 = Math.max(first.i2 - ctx, 0);
    const e1 = Math.min(end.i1 + end.chg1 + ctx, la.length);
    const e2 = Math.min(end.i2 + end.chg2 + ctx, lb.length);
    const lines: HunkLine[] = [];
    let p1 = s1;
    for (let j = k; j <= last; j++) {
      const c = changes[j] as LineChange;
      for (; p1 < c.i1; p1++) lines.push({ kind: " ", text: la[p1] as string });
      for (let x = 0; x < c.chg1; x++) lines.push({ kind: "-", text: la[c.i1 + x] as string });
      for (let x = 0; x < c.chg2; x++) lines.push({ kind: "+", text: lb[c.i2 + x] as string });
      p1 = c.i1 + c.chg1;
    }
    for (; p1 < e1; p1++) lines.push({ kind: " ", text: la[p1] as string });
    const oldLines = e1 - s1;
    const newLines = e2 - s2;
    hunks.push({
      oldStart: oldLines > 0 ? s1 + 1 : s1,
      oldLines,
      newStart: newLines > 0 ? s2 + 1 : s2,
      newLines,
      lines,
    });
    k = last + 1;
  }
  return hunks;
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

/**
 * A git-style unified diff from `a` to `b`: `--- labelA`, `+++ labelB`, then `@@ -l,s +l,s @@`
 * hunks; a last line without a newline is followed by `\ No newline at end of file`.
 * Line terminators (CRLF included) are kept as they are in the inputs.
 * @returns `""` when `a` equals `b`
 * @example unifiedDiff("a\n", "b\n", { labelA: "a/SKILL.md", labelB: "b/SKILL.md" })
 */
export function unifiedDiff(
  a: string,
  b: string,
  opts: DiffOptions & { labelA: string; labelB: string },
): string {
  const hunks = diffHunks(a, b, opts);
  if (hunks.length === 0) return "";
  const out: string[] = [`--- ${opts.labelA}\n`, `+++ ${opts.labelB}\n`];
  for (const h of hunks) {
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@\n`);
    for (const l of h.lines) {
      out.push(l.kind + l.text);
      if (!l.text.endsWith("\n")) out.push("\n\\ No newline at end of file\n");
    }
  }
  return out.join("");
}

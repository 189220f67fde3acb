/**
 * Line index of a few texts at once: where each line starts and an equivalence class per line
 * (equal lines — byte-exact, terminator included — share a class across all the texts indexed
 * together). The merge engine ({@link ./merge.ts}) diffs these class arrays instead of arrays of line
 * strings: no string is allocated per line, and each line is hashed once however many diffs use it.
 *
 * Classes come from a 32-bit FNV-1a hash of the line's code units (its bytes when the caller has them,
 * else its UTF-16 code units) in an open-addressing table; a hash hit is confirmed by comparing the
 * lines unit by unit, so a collision never merges two
 * different lines into one class. Texts after the first are mostly the first with a few edits (ours
 * and theirs against base), so each of their lines is first compared with the line of the first text
 * that follows the last one matched there: when equal, it takes that line's class without being
 * hashed (same answer, since equal lines share a class; a 4 MB merge hashes a third of the bytes).
 *
 * Pure: no I/O.
 */

/** One indexed text. */
export interface LineIndex {
  /** The text itself. */
  text: string;
  /** Number of lines (a last line without a newline counts; `""` has none). */
  n: number;
  /** `starts[i]` is the offset of line i in `text`; `starts[n]` is `text.length` (n + 1 entries). */
  starts: Int32Array;
  /** Equivalence class of each line (n entries), shared by equal lines of every text indexed with it. */
  cls: Int32Array;
}

/** Line offsets of `text`: n + 1 entries, the last one `text.length`. One pass (`indexOf` per line). */
function lineStarts(text: string): Int32Array {
  // Lines of ~40 characters or more are the norm; the buffer grows when they are shorter.
  let starts = new Int32Array(Math.max(16, (text.length >> 5) + 2));
  let k = 1;
  for (let p = text.indexOf("\n"); p !== -1; p = text.indexOf("\n", p + 1)) {
    if (k + 1 >= starts.length) {
      const bigger = new Int32Array(starts.length * 2);
      bigger.set(starts);
      starts = bigger;
    }
    starts[k++] = p + 1;
  }
  if (text.length > 0 && text.charCodeAt(text.length - 1) !== 10) starts[k++] = text.length;
  return starts.slice(0, k);
}

/** The UTF-16 code units of `text` (what {@link indexLines} compares when it is given no bytes). */
function codeUnits(text: string): Uint16Array {
  const u = new Uint16Array(text.length);
  for (let p = 0; p < text.length; p++) u[p] = text.charCodeAt(p);
  return u;
}

/** True when `a[s … e)` equals `b[q … q + e - s)`, unit by unit. */
function sameUnits(a: Uint8Array, s: number, e: number, b: Uint8Array, q: number): boolean {
  for (let p = s; p < e; p++, q++) if (a[p] !== b[q]) return false;
  return true;
}

/**
 * Indexes `texts` together.
 * @param units the code units lines are hashed and compared by, one array per text with the same
 *   offsets: a Latin-1 text's bytes (what {@link ./merge.ts} `mergeBytes` has; typed-array reads are
 *   cheaper than `charCodeAt`), by default each text's UTF-16 code units
 * @returns one {@link LineIndex} per text, in order, and the number of distinct classes (class ids
 *   are `0 … nclass - 1`, numbered in order of first appearance)
 */
export function indexLines(
  texts: readonly string[],
  units: readonly Uint8Array[] | readonly Uint16Array[] = texts.map(codeUnits),
): { files: LineIndex[]; nclass: number } {
  const all = texts.map(lineStarts);
  let total = 0;
  for (const s of all) total += s.length - 1;
  let size = 16;
  while (size < total * 2) size *= 2;
  const mask = size - 1;
  /** Slot → class id + 1 (0 = empty). */
  const table = new Int32Array(size);
  const clsHash = new Int32Array(total);
  const clsText = new Int32Array(total);
  const clsStart = new Int32Array(total);
  const clsEnd = new Int32Array(total);
  /** Line number of each class's first line when that line is in the first text, else -1. */
  const clsLine = new Int32Array(total);
  let nclass = 0;
  const first = units[0] as Uint8Array;
  const firstStarts = all[0] as Int32Array;
  const firstN = firstStarts.length - 1;
  const files: LineIndex[] = [];
  for (let f = 0; f < texts.length; f++) {
    const text = texts[f] as string;
    const unit = units[f] as Uint8Array;
    const starts = all[f] as Int32Array;
    const n = starts.length - 1;
    const cls = new Int32Array(n);
    /** The line of the first text expected next (after the last one this text matched). */
    let guess = 0;
    const firstCls = files[0]?.cls;
    for (let i = 0; i < n; i++) {
      const s = starts[i] as number;
      const e = starts[i + 1] as number;
      if (firstCls && guess < firstN) {
        const gs = firstStarts[guess] as number;
        if ((firstStarts[guess + 1] as number) - gs === e - s) {
          if (sameUnits(unit, s, e, first, gs)) {
            cls[i] = firstCls[guess] as number;
            guess++;
            continue;
          }
        }
      }
      let h = 0x811c9dc5 | 0;
      for (let p = s; p < e; p++) h = Math.imul(h ^ (unit[p] as number), 0x01000193);
      const len = e - s;
      let slot = h & mask;
      let c = -1;
      for (;;) {
        const entry = table[slot] as number;
        if (entry === 0) break;
        const k = entry - 1;
        if (clsHash[k] === h && (clsEnd[k] as number) - (clsStart[k] as number) === len) {
          if (sameUnits(unit, s, e, units[clsText[k] as number] as Uint8Array, clsStart[k] as number)) {
            c = k;
            break;
          }
        }
        slot = (slot + 1) & mask;
      }
      if (c === -1) {
        c = nclass++;
        table[slot] = c + 1;
        clsHash[c] = h;
        clsText[c] = f;
        clsStart[c] = s;
        clsEnd[c] = e;
        clsLine[c] = f === 0 ? i : -1;
      } else if ((clsLine[c] as number) >= 0) guess = (clsLine[c] as number) + 1; // back in step after an edit
      cls[i] = c;
    }
    files.push({ text, n, starts, cls });
  }
  return { files, nclass };
}

/** The text of lines `[from, from + count)` of `f`, terminators included. */
export function lineText(f: LineIndex, from: number, count: number): string {
  return f.text.slice(f.starts[from] as number, f.starts[from + count] as number);
}

/** True when line `i` of `f` ends in `"\n"`. */
export function endsInNewline(f: LineIndex, i: number): boolean {
  const e = f.starts[i + 1] as number;
  return e > (f.starts[i] as number) && f.text.charCodeAt(e - 1) === 10;
}

/** True when line `i` of `f` ends in `"\r\n"`. */
export function endsInCrlf(f: LineIndex, i: number): boolean {
  const e = f.starts[i + 1] as number;
  return (
    e - (f.starts[i] as number) >= 2 && f.text.charCodeAt(e - 1) === 10 && f.text.charCodeAt(e - 2) === 13
  );
}

/** True when line `i` of `f` holds an ASCII letter or digit. */
export function hasAlnum(f: LineIndex, i: number): boolean {
  const e = f.starts[i + 1] as number;
  for (let p = f.starts[i] as number; p < e; p++) {
    const c = f.text.charCodeAt(p);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
  }
  return false;
}

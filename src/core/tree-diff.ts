/**
 * Unified diffs between two versions of an artifact's files, for `--preview` and conflict prompts,
 * conflict questions and the web UI. Pure: no I/O.
 */
import { unifiedDiff } from "./diff.js";
import { sha256Hex, type TreeFile } from "./tree-hash.js";

/**
 * A git-style unified diff of every file that differs between `before` and `after` (by path),
 * labelled `a/<path>` / `b/<path>` with the given prefixes; binary files (a NUL byte in the first
 * 8000 bytes, as git decides) get one "Binary files … differ" line.
 */
export function diffTrees(
  before: readonly TreeFile[],
  after: readonly TreeFile[],
  labelA: string,
  labelB: string,
): string {
  const dec = new TextDecoder();
  const paths = [...new Set([...before.map((f) => f.path), ...after.map((f) => f.path)])].sort();
  let out = "";
  for (const p of paths) {
    const x = before.find((f) => f.path === p);
    const y = after.find((f) => f.path === p);
    if (x && y && x.mode === y.mode && sha256Hex(x.data) === sha256Hex(y.data)) continue;
    const bin = (f?: TreeFile) => f?.data.subarray(0, 8000).includes(0) === true;
    if (bin(x) || bin(y)) {
      out += `Binary files ${labelA}/${p} and ${labelB}/${p} differ\n`;
      continue;
    }
    out += unifiedDiff(x ? dec.decode(x.data) : "", y ? dec.decode(y.data) : "", {
      labelA: x ? `${labelA}/${p}` : "/dev/null",
      labelB: y ? `${labelB}/${p}` : "/dev/null",
    });
  }
  return out;
}

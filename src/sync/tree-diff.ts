/**
 * Unified diffs between two versions of an artifact's files, for `--preview` and conflict prompts,
 * and the empty sync result every operation starts from.
 */
import { unifiedDiff } from "../core/diff.js";
import { sha256Hex } from "../core/tree-hash.js";
import type { TreeFile } from "../store/tree-read.js";
import type { SyncResult } from "./transfer.js";

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

/** A sync result (DESIGN.md schema) for `artifactName` that did nothing yet. */
export function emptySyncResult(artifactName: string): SyncResult {
  return {
    artifact_name: artifactName,
    success: true,
    direction: "none",
    strategy_used: "none",
    conflicts_resolved: 0,
    conflicts_remaining: 0,
    previous_hash: null,
    new_hash: null,
    snapshot_id: null,
    error: null,
  };
}

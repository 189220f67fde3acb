/**
 * The version rule: an artifact's version is `metadata.version` in the frontmatter of its main file
 * (`SKILL.md`, or the one file of a single-file artifact), else a top-level `version:`, else the
 * fallback. Used by the lock file, status and every sync operation, so they never disagree.
 * Pure: no I/O.
 */
import type { TreeFile } from "./tree-hash.js";

/**
 * The version of an artifact held in memory (see the module comment); `fallback` when the main file
 * has no frontmatter, and `"0.0.0"` when it has frontmatter without a version.
 */
export function versionOfFiles(files: readonly TreeFile[], fallback: string): string {
  const main = files.find((f) => f.path === "SKILL.md") ?? (files.length === 1 ? files[0] : undefined);
  if (!main) return fallback;
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(new TextDecoder().decode(main.data));
  if (!m) return fallback;
  const meta = /^\s+version:\s*["']?([^"'\r\n]+)["']?\s*$/m.exec(m[1]!.split(/^metadata:/m)[1] ?? "");
  const top = /^version:\s*["']?([^"'\r\n]+)["']?\s*$/m.exec(m[1]!);
  return meta?.[1] ?? top?.[1] ?? "0.0.0";
}

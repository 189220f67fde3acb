/**
 * The tree hash (DESIGN.md "tree hash"): SHA-256 of an artifact's manifest, one line
 * `<sha256 of the file's bytes> <mode 644 or 755> <relative path>\n` per file, sorted bytewise by
 * path. The manifest text itself is what the object store keeps as the tree object.
 */

import { SkillsyncError } from "./errors.js";
import { createHash } from "./lazy-crypto.js";
import { relativePathProblem } from "./names.js";

/** File mode as recorded in a manifest: regular (`644`) or executable (`755`). */
export type FileMode = "644" | "755";

/** One file of a tree: relative `/` path, mode, and the SHA-256 (lowercase hex) of its bytes. */
export interface TreeEntry {
  path: string;
  mode: FileMode;
  sha: string;
}

/** One file of an artifact with its bytes, as merges and writes need it: relative `/` path, mode, bytes. */
export interface TreeFile {
  path: string;
  mode: FileMode;
  data: Uint8Array;
}

/** Names ignored wherever a tree is read (any path segment equal to one of these). */
export const IGNORED_SEGMENTS: ReadonlySet<string> = new Set([".git", "node_modules", ".DS_Store"]);

/** True when a relative path lies in an ignored folder or is an ignored file. */
export function isIgnoredPath(relPath: string): boolean {
  return relPath.split("/").some((seg) => IGNORED_SEGMENTS.has(seg));
}

/** SHA-256 of `bytes` as lowercase hex. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Bytewise (UTF-8) comparison of two paths, the manifest order. */
export function comparePathsBytewise(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Below the surrogates, UTF-16 code unit order is UTF-8 byte order; past them it is not.
    if (x < 0xd800 && y < 0xd800) return x - y;
    return Buffer.compare(Buffer.from(a.slice(i), "utf8"), Buffer.from(b.slice(i), "utf8"));
  }
  return a.length - b.length;
}

/** The mode recorded for a file given its POSIX permission bits: `755` if any execute bit is set. */
export function modeFromPermissions(perm: number): FileMode {
  return (perm & 0o111) !== 0 ? "755" : "644";
}

/** Entries sorted into manifest order (a new array). */
export function sortEntries(entries: readonly TreeEntry[]): TreeEntry[] {
  return [...entries].sort((x, y) => comparePathsBytewise(x.path, y.path));
}

/**
 * The manifest text of `entries` (sorted here; input order does not matter).
 * @throws SkillsyncError UNSAFE_PATH for a path that could escape, INTERNAL for a duplicate path
 */
export function manifest(entries: readonly TreeEntry[]): string {
  const sorted = sortEntries(entries);
  let out = "";
  let prev: string | undefined;
  for (const e of sorted) {
    const problem = relativePathProblem(e.path);
    if (problem) throw new SkillsyncError("UNSAFE_PATH", problem);
    if (e.path === prev) throw new SkillsyncError("INTERNAL", `duplicate path '${e.path}' in a tree`);
    prev = e.path;
    out += `${e.sha} ${e.mode} ${e.path}\n`;
  }
  return out;
}

/** The tree hash of `entries`: SHA-256 of {@link manifest}. */
export function treeHash(entries: readonly TreeEntry[]): string {
  return sha256Hex(manifest(entries));
}

/**
 * Parses manifest text back into entries.
 * @throws SkillsyncError INTERNAL when a line is malformed (a corrupt tree object)
 */
export function parseManifest(text: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const m = /^([0-9a-f]{64}) (644|755) (.+)$/.exec(line);
    if (!m) throw new SkillsyncError("INTERNAL", `corrupt tree manifest line: ${JSON.stringify(line)}`);
    entries.push({ sha: m[1]!, mode: m[2] as FileMode, path: m[3]! });
  }
  return entries;
}

/** The short form of a hash used in tables (first 12 hex digits). */
export function shortHash(h: string | undefined | null): string {
  return h ? h.slice(0, 12) : "-";
}

/**
 * The tree hash (DESIGN.md "tree hash") of files held in memory: the same value the object store and
 * the disk reader compute for the same paths, modes and bytes. Lowercase hex.
 */
export function treeHashOfFiles(files: readonly TreeFile[]): string {
  return treeHash(files.map((f) => ({ path: f.path, mode: f.mode, sha: sha256Hex(f.data) })));
}

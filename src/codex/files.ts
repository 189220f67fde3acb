/**
 * Reading file trees for the codex cache: a recursive walk that skips VCS and dependency folders
 * and skillsync's own temp files, and hashing. Read-only; writes go through `store/fs`.
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { TEMP_MARKER } from "../store/fs.js";

/** Folder names never walked into. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([".git", "node_modules", ".DS_Store"]);

/**
 * Lists the regular files under `root` as `/`-separated relative paths, sorted. Symlinks are not
 * followed; a missing root gives an empty list.
 * @param skipDir extra predicate on a folder's relative path; true skips it
 */
export async function walkFiles(
  root: string,
  skipDir: (rel: string) => boolean = () => false,
): Promise<string[]> {
  const out: string[] = [];
  async function visit(dir: string, rel: string): Promise<void> {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR")
        return;
      throw e;
    }
    for (const e of entries) {
      if (e.name.includes(TEMP_MARKER)) continue;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (SKIPPED_DIRS.has(e.name) || skipDir(childRel)) continue;
        await visit(join(dir, e.name), childRel);
      } else if (e.isFile() && e.name !== ".DS_Store") {
        out.push(childRel);
      }
    }
  }
  await visit(root, "");
  return out.sort();
}

/** SHA-256 (lowercase hex) of the bytes of the file at `path`. */
export async function hashFile(path: string): Promise<string> {
  return createHash("sha256")
    .update(await fsp.readFile(path))
    .digest("hex");
}

/** SHA-256 (lowercase hex) of `bytes`. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Hashes every file of `rels` under `root`: relative path → SHA-256. */
export async function hashTree(root: string, rels: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const rel of rels) out.set(rel, await hashFile(join(root, ...rel.split("/"))));
  return out;
}

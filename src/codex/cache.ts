/**
 * A project's codex doc cache on disk: `<project>/.skillsync/codex/cache/` holding
 * `<org>/<project>/<path>` files and `index.json` ({@link CacheIndex}). The folder is git-ignored
 * (see {@link ensureGitignored}); everything in it can be fetched again from the codex repository.
 */
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { removePath, writeFileAtomic } from "../store/fs.js";
import { hashTree, walkFiles } from "./files.js";
import {
  type CacheEntry,
  type CacheIndex,
  emptyIndex,
  isExpired,
  parseCacheIndex,
  removeEntries,
  serializeCacheIndex,
} from "./plan.js";

/** The cache folder relative to a project root. */
export const CACHE_REL = ".skillsync/codex/cache";

/** Name of the index file inside the cache folder. */
export const INDEX_FILE = "index.json";

/** The cache folder of the project at `projectDir`. */
export function cacheRootFor(projectDir: string): string {
  return join(projectDir, ...CACHE_REL.split("/"));
}

/** Absolute path of a cache-root-relative path. */
export function cacheFile(root: string, rel: string): string {
  return join(root, ...rel.split("/"));
}

/**
 * Reads `index.json`; a missing file is an empty index.
 * @throws SkillsyncError INVALID_RECORD / UNSUPPORTED_VERSION (see {@link parseCacheIndex})
 */
export async function loadCacheIndex(root: string): Promise<CacheIndex> {
  const file = join(root, INDEX_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return emptyIndex();
    throw new SkillsyncError("UNREADABLE", `cannot read cache index: ${(e as Error).message}`, { file });
  }
  return parseCacheIndex(text, file);
}

/** Writes `index.json` atomically. */
export async function saveCacheIndex(root: string, index: CacheIndex): Promise<void> {
  await writeFileAtomic(join(root, INDEX_FILE), serializeCacheIndex(index));
}

/** Every file under the cache root except the index: cache-relative path → SHA-256. */
export async function scanCache(root: string): Promise<Map<string, string>> {
  const files = (await walkFiles(root)).filter((p) => p !== INDEX_FILE);
  return hashTree(root, files);
}

/** One row of `cache list`. */
export interface CacheListRow extends CacheEntry {
  expired: boolean;
}

/** The index entries with an `expired` flag at `now` (ms). */
export async function listCache(root: string, now: number): Promise<CacheListRow[]> {
  const index = await loadCacheIndex(root);
  return index.entries.map((e) => ({ ...e, expired: isExpired(e, now) }));
}

/** What {@link clearCache} removed. */
export interface ClearResult {
  removed: number;
  bytes_freed: number;
  uris: string[];
}

/**
 * Removes every cached file and its index entry, or only the expired ones (`expiredOnly`).
 * Clearing everything also removes files that are not in the index.
 */
export async function clearCache(opts: {
  root: string;
  now: number;
  expiredOnly?: boolean;
  dryRun?: boolean;
}): Promise<ClearResult> {
  const index = await loadCacheIndex(opts.root);
  const victims = index.entries.filter((e) => !opts.expiredOnly || isExpired(e, opts.now));
  const result: ClearResult = {
    removed: victims.length,
    bytes_freed: victims.reduce((n, e) => n + e.size_bytes, 0),
    uris: victims.map((e) => e.uri),
  };
  if (opts.dryRun) return result;
  if (!opts.expiredOnly) {
    const entries = await fsp.readdir(opts.root).catch(() => [] as string[]);
    for (const name of entries) if (name !== INDEX_FILE) await removePath(join(opts.root, name));
    if (entries.length > 0 || index.entries.length > 0) await saveCacheIndex(opts.root, emptyIndex());
    return result;
  }
  for (const e of victims) await removePath(cacheFile(opts.root, e.path));
  if (victims.length > 0)
    await saveCacheIndex(opts.root, removeEntries(index, new Set(victims.map((e) => e.uri))));
  return result;
}

/**
 * Makes sure the project's `.gitignore` ignores `.skillsync/` (or the cache folder); appends
 * `.skillsync/` when no line already does.
 * @returns true when the file was changed (or would be, with `dryRun`)
 */
export async function ensureGitignored(projectDir: string, dryRun = false): Promise<boolean> {
  const file = join(projectDir, ".gitignore");
  let text = "";
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const covering = new Set([
    ".skillsync",
    ".skillsync/",
    "/.skillsync",
    "/.skillsync/",
    ".skillsync/*",
    "/.skillsync/*",
    ".skillsync/codex",
    ".skillsync/codex/",
    "/.skillsync/codex/",
    ".skillsync/codex/cache",
    ".skillsync/codex/cache/",
    "/.skillsync/codex/cache",
    "/.skillsync/codex/cache/",
  ]);
  if (text.split(/\r?\n/).some((l) => covering.has(l.trim()))) return false;
  if (dryRun) return true;
  const sep = text.length === 0 || text.endsWith("\n") ? "" : "\n";
  await writeFileAtomic(file, `${text}${sep}# skillsync codex doc cache\n.skillsync/\n`);
  return true;
}

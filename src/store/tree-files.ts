/**
 * The files of a tree read from disk whose bytes are read only when something looks at them
 * (issue 13). A deploy of a collection tree into a project needs no byte in this process: the write
 * module copies each file in the kernel ({@link copySource}, `FileToCopy` in fs.ts), so 112 MiB are
 * not read, allocated and collected again.
 */
import { readFileSync } from "node:fs";
import { join, sep } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import {
  comparePathsBytewise,
  type FileMode,
  modeFromPermissions,
  type TreeFile,
} from "../core/tree-hash.js";
import { type LocationStats, rawStatRow } from "./stat-cache.js";
import type { DiskTree } from "./tree-read.js";

/** Where the bytes of a lazy file come from, while they have not been read. */
interface Source {
  abs: string;
  /** Permission bits of the file when it was last seen, if known. */
  perm: number | undefined;
}

const sources = new WeakMap<TreeFile, Source>();

/**
 * The entries of `tree` as {@link TreeFile}s whose `data` is read from disk on first access (then
 * kept). `data` is an own enumerable property, so a spread (`{ ...f }`) copies the bytes.
 * @param permOf the permission bits last seen of an entry (e.g. from the stat cache), if known
 * @throws SkillsyncError UNREADABLE, from a `data` access, when the file cannot be read then
 */
export function lazyTreeFiles(tree: DiskTree, permOf?: (path: string) => number | undefined): TreeFile[] {
  return tree.entries.map((e) => lazyFile(e.path, e.mode, tree.abs.get(e.path)!, permOf?.(e.path)));
}

/**
 * The files of the symlink-free folder artifact at `root` as its stat-cache row `stats` lists them,
 * lazy as with {@link lazyTreeFiles} (with each file's permission bits from the row), in manifest
 * order; undefined when the row cannot tell (no folder stats: the artifact held a symlink). For a
 * caller that has just verified the row (`verifyCachedFolder`, e.g. on a worker thread): building
 * the tree again through `readTree` would `lstat` every file a second time.
 */
export function lazyFilesFromStats(root: string, stats: LocationStats): TreeFile[] | undefined {
  if (!stats.dirs) return undefined;
  const files: TreeFile[] = [];
  let sorted = true;
  const add = (path: string, perm: number): void => {
    const prev = files.at(-1);
    if (prev && comparePathsBytewise(prev.path, path) >= 0) sorted = false;
    files.push(
      lazyFile(path, modeFromPermissions(perm), sep === "/" ? `${root}/${path}` : join(root, path), perm),
    );
  };
  // A row read from the database: its stored tuples (path first, permission bits sixth), without
  // building the row's map of entries, which nothing else in a deploy needs.
  const raw = rawStatRow(stats)?.files;
  if (raw) for (const t of raw) add(t[0], t[5]);
  else for (const [path, e] of stats.files) add(path, e.mode);
  // Rows are written in manifest order, so the sort is normally skipped (one comparison per file).
  return sorted ? files : files.sort((a, b) => comparePathsBytewise(a.path, b.path));
}

function lazyFile(path: string, mode: FileMode, abs: string, perm: number | undefined): TreeFile {
  let data: Uint8Array | undefined;
  const f: TreeFile = {
    path,
    mode,
    get data(): Uint8Array {
      if (data === undefined) {
        try {
          data = readFileSync(abs);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new SkillsyncError(
            "UNREADABLE",
            `cannot read: ${code ?? String(err)}; check its permissions`,
            {
              file: abs,
            },
          );
        }
        sources.delete(f);
      }
      return data;
    },
  };
  sources.set(f, { abs, perm });
  return f;
}

/**
 * The file to copy `f`'s bytes from, and its permission bits when known, while nobody has read its
 * bytes (after a read, the bytes seen are what must be written: undefined then). Undefined for any
 * file not made by {@link lazyTreeFiles}.
 */
export function copySource(f: TreeFile): { path: string; perm: number | undefined } | undefined {
  const s = sources.get(f);
  return s ? { path: s.abs, perm: s.perm } : undefined;
}

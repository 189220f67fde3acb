/**
 * Reads artifacts from disk into trees (DESIGN.md "tree hash"). Folders are walked without following
 * symlinks out of the artifact: a symlink whose target stays inside is read as the file it points to;
 * one that points outside (or is broken) is skipped with a warning. `.git/`, `node_modules/` and
 * `.DS_Store` are ignored, and so are leftovers of interrupted writes.
 */

import {
  closeSync,
  type Dirent,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  type Stats,
  statSync,
} from "node:fs";
import { join, sep } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { createHash } from "../core/lazy-crypto.js";
import {
  IGNORED_SEGMENTS,
  modeFromPermissions,
  sortEntries,
  type TreeEntry,
  type TreeFile,
  treeHash,
} from "../core/tree-hash.js";
import { TEMP_MARKER } from "./fs.js";
import {
  type DirStat,
  dirStatFresh,
  type LocationStats,
  rawStatRow,
  type StatCache,
  type StatEntry,
  settledBefore,
  statEntryFresh,
} from "./stat-cache.js";
import { folderUnchanged, under } from "./stat-check.js";

/** A tree read from disk: its entries (manifest order), tree hash and absolute file paths. */
export interface DiskTree {
  entries: TreeEntry[];
  sha: string;
  /** Absolute path of each entry's bytes (for a symlink inside the artifact: the target). */
  abs: Map<string, string>;
}

/**
 * A tree known by its hash whose entries are built on first use by `build` (which may return
 * undefined when the artifact vanished: the tree then reads as empty). Status over 10,000 unchanged
 * artifacts needs only their hashes.
 */
export function lazyDiskTree(sha: string, build: () => DiskTree | undefined): DiskTree {
  let built: DiskTree | undefined;
  const get = () => {
    built ??= build() ?? { entries: [], sha, abs: new Map() };
    return built;
  };
  return {
    sha,
    get entries() {
      return get().entries;
    },
    get abs() {
      return get().abs;
    },
  };
}

/**
 * True when the folder artifact at `path` is exactly as its stat-cache row `cached` recorded it,
 * checked with `lstat` calls alone: every folder keeps its stats (so its listing is unchanged; they
 * are taken before each listing, see {@link readTree}) and every file passes {@link statEntryFresh}.
 * Folders, like files, obey the racy-timestamp rule. False when the row cannot tell (no tree hash or
 * folder stats, e.g. the artifact holds a symlink) or anything differs.
 * @param rootStat the `lstat` of `path` when the caller has it
 */
export function verifyCachedFolder(path: string, cached: LocationStats, rootStat?: Stats): boolean {
  if (!cached.tree || !cached.dirs) return false;
  const raw = rawStatRow(cached);
  if (raw?.dirs) return folderUnchanged(path, cached.writtenAtMs, raw.files, raw.dirs, rootStat);
  for (const d of cached.dirs) {
    const st =
      d.rel === ""
        ? (rootStat ?? lstatSync(path, { throwIfNoEntry: false }))
        : lstatSync(under(path, d.rel), { throwIfNoEntry: false });
    if (!st?.isDirectory() || !dirStatFresh(d, st, cached.writtenAtMs)) return false;
  }
  for (const [rel, e] of cached.files) {
    const st = lstatSync(under(path, rel), { throwIfNoEntry: false });
    if (!st?.isFile() || !statEntryFresh(e, st, cached.writtenAtMs)) return false;
  }
  return true;
}

/** The tree `cached` describes for the symlink-free folder artifact at `root`. */
function treeFromCache(root: string, cached: LocationStats, sha: string): DiskTree {
  const entries: TreeEntry[] = [];
  const abs = new Map<string, string>();
  for (const [rel, e] of cached.files) {
    entries.push({ path: rel, mode: modeFromPermissions(e.mode), sha: e.sha });
    abs.set(rel, under(root, rel));
  }
  return { entries: sortEntries(entries), sha, abs };
}

export type { TreeFile };

/** Options for {@link readTree}. */
export interface ReadTreeOptions {
  /** Absolute path of the artifact: a folder (skill) or a single file. */
  path: string;
  /** `folder` or `file` form (see core/layout.ts). */
  form: "folder" | "file";
  /** For `file` form: the entry name inside the tree (`<name>.md`). */
  entryName?: string;
  /** Stat cache to consult and update. */
  cache?: StatCache;
  /** Receives warnings (skipped symlinks). */
  onWarning?: (message: string) => void;
  /** Clock for the cache's racy-timestamp rule (ms). */
  now?: () => number;
}

const BUF = Buffer.allocUnsafe(1 << 20);

/** SHA-256 (hex) of the file at `abs`, streamed in 1 MiB chunks. */
export function hashFile(abs: string): string {
  const h = createHash("sha256");
  const fd = openSync(abs, "r");
  try {
    for (;;) {
      const n = readSync(fd, BUF, 0, BUF.length, null);
      if (n === 0) break;
      h.update(BUF.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest("hex");
}

/**
 * True for a file or folder that was listed but is gone when opened (ENOENT): an editor's atomic
 * save (write `x.tmp`, rename it over `x`) or a removal racing the walk. The tree is then read as
 * it is after the removal; a change that lands after planning is caught by the writer's re-check
 * before its commit point (transfer's CONFLICT), so nothing is lost.
 */
function vanished(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === "ENOENT";
}

function unreadable(abs: string, e: unknown): SkillsyncError {
  const err = e as NodeJS.ErrnoException;
  return new SkillsyncError("UNREADABLE", `cannot read: ${err.code ?? err.message}; check its permissions`, {
    file: abs,
  });
}

/**
 * Reads the tree of one artifact. Returns `undefined` when nothing is at `path`.
 * @throws SkillsyncError UNREADABLE when a file or folder cannot be read
 */
export function readTree(opts: ReadTreeOptions): DiskTree | undefined {
  let rootStat: Stats;
  try {
    rootStat = lstatSync(opts.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw unreadable(opts.path, e);
  }
  const cached = opts.cache?.load(opts.path);
  if (cached?.tree && opts.form === "folder" && verifyCachedFolder(opts.path, cached, rootStat)) {
    const { path } = opts;
    const sha = cached.tree;
    return lazyDiskTree(sha, () => treeFromCache(path, cached, sha));
  }
  const seen = new Map<string, StatEntry>();
  // Folder stats, each taken before the folder is listed; dropped when a symlink is met.
  let dirs: DirStat[] | undefined = [];
  const entries: TreeEntry[] = [];
  const abs = new Map<string, string>();
  let changed = false;
  const now = opts.now ?? Date.now;

  const addFile = (rel: string, file: string, st: Stats) => {
    const mode = modeFromPermissions(st.mode);
    const probe = { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, mode: st.mode };
    const prev = cached?.files.get(rel);
    let sha: string;
    if (cached && statEntryFresh(prev, probe, cached.writtenAtMs)) {
      sha = prev.sha;
    } else {
      try {
        sha = hashFile(file);
      } catch (e) {
        if (vanished(e)) return false;
        throw unreadable(file, e);
      }
      changed = true;
    }
    seen.set(rel, { ...probe, sha });
    entries.push({ path: rel, mode, sha });
    abs.set(rel, file);
    return true;
  };

  if (opts.form === "file") {
    if (rootStat.isSymbolicLink()) {
      opts.onWarning?.(`${opts.path}: is a symlink; not followed`);
      return undefined;
    }
    if (!rootStat.isFile()) return undefined;
    if (!addFile(opts.entryName ?? "file.md", opts.path, rootStat)) return undefined;
  } else {
    if (!rootStat.isDirectory()) return undefined;
    let rootReal: string | undefined;
    const walk = (dir: string, rel: string, st: Stats | undefined) => {
      let list: Dirent[];
      try {
        st ??= lstatSync(dir);
        dirs?.push({ rel, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino });
        list = readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        if (rel !== "" && vanished(e)) return;
        throw unreadable(dir, e);
      }
      for (const d of list) {
        const name = d.name;
        if (IGNORED_SEGMENTS.has(name) || name.includes(TEMP_MARKER)) continue;
        const childRel = rel === "" ? name : `${rel}/${name}`;
        const child = join(dir, name);
        if (d.isDirectory()) {
          walk(child, childRel, undefined);
        } else if (d.isFile()) {
          let st: Stats;
          try {
            st = lstatSync(child);
          } catch (e) {
            if (vanished(e)) continue;
            throw unreadable(child, e);
          }
          addFile(childRel, child, st);
        } else if (d.isSymbolicLink()) {
          dirs = undefined;
          rootReal ??= realpathSync(opts.path);
          let target: string;
          try {
            target = realpathSync(child);
          } catch {
            opts.onWarning?.(`${child}: broken symlink; skipped`);
            continue;
          }
          if (!(target + sep).startsWith(rootReal + sep) || target === rootReal) {
            opts.onWarning?.(`${child}: symlink points outside the artifact; not followed`);
            continue;
          }
          const st = statSync(target);
          if (st.isFile()) addFile(childRel, target, st);
          else opts.onWarning?.(`${child}: symlink to a folder; not followed`);
        }
      }
    };
    walk(opts.path, "", rootStat);
  }
  const same = cached !== undefined && !changed && cached.files.size === seen.size;
  const sorted = sortEntries(entries);
  // Nothing changed since the cache row was written: its tree hash still holds.
  const folderStats = opts.form === "folder" ? dirs : undefined;
  if (same && cached.tree) {
    // Unchanged, but the row predates folder stats, they moved (e.g. a file was added and removed),
    // or they were racy when written: record them again so the next read can take the lstat-only path.
    if (
      opts.cache &&
      folderStats &&
      (!sameDirs(cached.dirs, folderStats) ||
        folderStats.some((d) => !settledBefore(d.mtimeMs, cached.writtenAtMs)))
    )
      opts.cache.record(opts.path, seen, now(), cached.tree, folderStats);
    return { entries: sorted, sha: cached.tree, abs };
  }
  const sha = treeHash(sorted);
  if (opts.cache) opts.cache.record(opts.path, seen, now(), sha, folderStats);
  return { entries: sorted, sha, abs };
}

function sameDirs(a: DirStat[] | undefined, b: DirStat[]): boolean {
  if (!a || a.length !== b.length) return false;
  return a.every((d, i) => {
    const o = b[i]!;
    return d.rel === o.rel && d.mtimeMs === o.mtimeMs && d.ctimeMs === o.ctimeMs && d.ino === o.ino;
  });
}

/**
 * Reads the bytes of every entry of `tree`.
 * @throws SkillsyncError UNREADABLE
 */
export function loadTreeFiles(tree: DiskTree): TreeFile[] {
  return tree.entries.map((e) => {
    const file = tree.abs.get(e.path)!;
    try {
      return { path: e.path, mode: e.mode, data: readFileSync(file) };
    } catch (err) {
      throw unreadable(file, err);
    }
  });
}

/**
 * The lstat-only check of a folder artifact against its stat-cache row, with nothing but `node:fs`
 * (and a connection handed in) behind it: the status's worker thread (verify-worker.ts) loads this
 * module and better-sqlite3 alone, without the tree reader or the CLI's bundle.
 *
 * Racy-timestamp rule (from git, Documentation/technical/racy-git.txt): a file or folder whose mtime
 * is not older than the second in which its stats were recorded may have changed again within that
 * second with the same stats; it is never trusted.
 */
import { lstatSync, type Stats } from "node:fs";
import { join, sep } from "node:path";
import type Database from "better-sqlite3";

/**
 * One file of a stat-cache row's `files` column as stored: path, size (bytes), mtime, ctime (ms),
 * inode, mode; rows written before the `shas` column also carry the file's SHA-256 last.
 */
export type StatFileTuple = [string, number, number, number, number, number, string?];
/** One folder of a row's `dirs` column as stored: relative path (`""` for the artifact), mtime, ctime, inode. */
export type DirStatTuple = [string, number, number, number];

/**
 * The racy-timestamp rule: stats taken at `writtenAtMs` can stand for a file or folder whose mtime is
 * `mtimeMs` only if that mtime is in an earlier whole second (a change later in the same second may
 * leave every stat unchanged). Both in ms since the epoch.
 */
export function settledBefore(mtimeMs: number, writtenAtMs: number): boolean {
  return Math.floor(mtimeMs / 1000) < Math.floor(writtenAtMs / 1000);
}

/** `root` + `/`-separated `rel` as an OS path (plain concatenation where `/` is the separator). */
export const under: (root: string, rel: string) => string =
  sep === "/" ? (root, rel) => `${root}/${rel}` : (root, rel) => join(root, rel);

/**
 * True when the folder artifact at `path` is exactly as recorded at `writtenAtMs` (ms): every folder
 * of `dirs` is still a folder with the same mtime, ctime and inode (so its listing is unchanged:
 * adding, removing or renaming an entry changes them) and every file of `files` is still a regular
 * file with the same size, mtime, ctime, inode and mode; all of them settled before `writtenAtMs`'s
 * second. Only `lstat` calls; never throws for a missing path (that is a change).
 * @param rootStat the `lstat` of `path` when the caller has it
 */
export function folderUnchanged(
  path: string,
  writtenAtMs: number,
  files: readonly StatFileTuple[],
  dirs: readonly DirStatTuple[],
  rootStat?: Stats,
): boolean {
  for (const [rel, mtimeMs, ctimeMs, ino] of dirs) {
    const st =
      rel === ""
        ? (rootStat ?? lstatSync(path, { throwIfNoEntry: false }))
        : lstatSync(under(path, rel), { throwIfNoEntry: false });
    if (
      !st?.isDirectory() ||
      st.mtimeMs !== mtimeMs ||
      st.ctimeMs !== ctimeMs ||
      st.ino !== ino ||
      !settledBefore(mtimeMs, writtenAtMs)
    )
      return false;
  }
  for (const [rel, size, mtimeMs, ctimeMs, ino, mode] of files) {
    const st = lstatSync(under(path, rel), { throwIfNoEntry: false });
    if (
      !st?.isFile() ||
      st.size !== size ||
      st.mtimeMs !== mtimeMs ||
      st.ctimeMs !== ctimeMs ||
      st.ino !== ino ||
      st.mode !== mode ||
      !settledBefore(mtimeMs, writtenAtMs)
    )
      return false;
  }
  return true;
}

/** What the check of one row needs: location (absolute path), `written_at_ms`, `files` and `dirs` (JSON). */
export type CheckRow = [location: string, writtenAtMs: number, files: string, dirs: string];

/** Values of a row's slot in {@link RowClaims.state}: no answer yet, or the answer. */
export const ROW = { open: 0, unchanged: 1, changed: 2 } as const;

/**
 * Rows shared between the calling thread and one worker thread: each thread takes the next unclaimed
 * row with `Atomics.add` on `next[0]` until none is left, and records its answer in `state` (one byte
 * per row, see {@link ROW}). Once the caller has run out of rows, a row still open is one the worker
 * took and has not answered (or never will, if it died).
 */
export interface RowClaims {
  next: Int32Array;
  state: Uint8Array;
}

/**
 * Reads row `i` of a check from the stat cache of `db` (each thread on its own connection): the row of
 * `locations[i]`, provided it still has tree hash `trees[i]` (the one the caller listed; a row
 * rewritten since is not checked, so the answer always matches the hash returned with it) and folder
 * stats. Undefined otherwise.
 */
export function rowReader(
  db: Database.Database,
  locations: readonly string[],
  trees: readonly string[],
): (i: number) => CheckRow | undefined {
  const stmt = db
    .prepare("SELECT written_at_ms, files, dirs, tree FROM stat_cache WHERE location = ?")
    .raw(true);
  return (i) => {
    const location = locations[i]!;
    const r = stmt.get(location) as [number, string, string | null, string | null] | undefined;
    if (!r || r[3] !== trees[i] || r[2] === null) return undefined;
    return [location, r[0], r[1], r[2]];
  };
}

/**
 * Checks rows `0 … n - 1` (read through `row`) until none is unclaimed. A row `row` cannot give counts
 * as changed. Returns how many rows this thread checked.
 */
export function checkClaimedRows(
  n: number,
  claims: RowClaims,
  row: (i: number) => CheckRow | undefined,
): number {
  let done = 0;
  for (;;) {
    const i = Atomics.add(claims.next, 0, 1);
    if (i >= n) return done;
    Atomics.store(claims.state, i, checkRow(row(i)) ? ROW.unchanged : ROW.changed);
    done++;
  }
}

/** True when `r` is a row whose folder artifact is unchanged ({@link folderUnchanged}). */
export function checkRow(r: CheckRow | undefined): boolean {
  if (!r) return false;
  const [location, writtenAtMs, files, dirs] = r;
  return folderUnchanged(
    location,
    writtenAtMs,
    JSON.parse(files) as StatFileTuple[],
    JSON.parse(dirs) as DirStatTuple[],
  );
}

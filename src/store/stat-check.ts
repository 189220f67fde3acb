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
 * The `[from, to)` range of `location` values under folder `prefix` (OS separators): every path
 * starting with `prefix` + separator sorts between that and the same with its last character
 * incremented.
 */
export function prefixRange(prefix: string): [string, string] {
  const p = prefix.endsWith(sep) ? prefix : `${prefix}${sep}`;
  return [p, `${p.slice(0, -1)}${String.fromCharCode(p.charCodeAt(p.length - 1) + 1)}`];
}

/**
 * How much of a state database SQLite maps into memory for reading (bytes; address space, not RAM):
 * a status reads every stat-cache row of two trees (~1.7 KB each), which through `read` calls cost
 * ~10 ms per 4,000 rows. Used by every connection to `state.db` (state-db.ts, verify-worker.ts).
 */
export const STATE_DB_MMAP_BYTES = 256 * 1024 * 1024;

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
  // One loop over the folders, then the files, with one lstatSync call in it: V8 optimises this
  // function with lstatSync and the Stats constructor inlined at each call site, and a second site
  // doubled that compile (~30 ms of a status's CPU, in each thread).
  const nd = dirs.length;
  const n = nd + files.length;
  for (let k = 0; k < n; k++) {
    const dir = k < nd;
    const t: DirStatTuple | StatFileTuple = dir ? dirs[k]! : files[k - nd]!;
    const rel = t[0];
    const st =
      dir && rel === "" && rootStat !== undefined
        ? rootStat
        : lstatSync(rel === "" ? path : under(path, rel), NO_ENTRY);
    if (st === undefined) return false;
    if (dir) {
      if (!st.isDirectory() || st.mtimeMs !== t[1] || st.ctimeMs !== t[2] || st.ino !== t[3]) return false;
      if (!settledBefore(t[1], writtenAtMs)) return false;
    } else {
      const f = t as StatFileTuple;
      if (!st.isFile() || st.size !== f[1] || st.mtimeMs !== f[2] || st.ctimeMs !== f[3]) return false;
      if (st.ino !== f[4] || st.mode !== f[5] || !settledBefore(f[2], writtenAtMs)) return false;
    }
  }
  return true;
}

const NO_ENTRY = { throwIfNoEntry: false } as const;

/** What the check of one row needs: location (absolute path), `written_at_ms`, `files` and `dirs` (JSON). */
export type CheckRow = [location: string, writtenAtMs: number, files: string, dirs: string];

/**
 * Values of a row's slot in {@link RowClaims.state}: no answer yet, claimed by a thread that is
 * checking it, or the answer. `unchangedEarly`/`changedEarly` are answers the worker found before the
 * job reached it ({@link VerifyWorkerJob}, verify-worker.ts), for the same location and tree hash.
 */
export const ROW = {
  open: 0,
  unchanged: 1,
  changed: 2,
  busy: 3,
  unchangedEarly: 4,
  changedEarly: 5,
} as const;

/** True when slot value `s` is an answer (of either thread, early or not). */
export function rowAnswered(s: number): boolean {
  return s !== ROW.open && s !== ROW.busy;
}

/** True when slot value `s` says the row's folder is unchanged. */
export function rowUnchanged(s: number): boolean {
  return s === ROW.unchanged || s === ROW.unchangedEarly;
}

/**
 * Rows shared between the calling thread and one worker thread: one byte per row (see {@link ROW}).
 * A thread claims a row by moving it from `open` to `busy` with `Atomics.compareExchange`, so each
 * row is checked by exactly one thread; the caller walks the rows from the front, the worker from the
 * back. Once the caller has walked them all, a row still `busy` is one the worker took and has not
 * answered (or never will, if it died).
 */
export interface RowClaims {
  state: Uint8Array;
}

/** The message verify-worker.ts waits for: the rows (location and listed tree hash) and their claims. */
export interface VerifyWorkerJob {
  claims: RowClaims;
  dbPath: string;
  locations: string[];
  trees: string[];
}

/**
 * Lists the stat-cache rows of `db` with a tree hash under a folder, in `location` order:
 * `[location, tree]` pairs (the caller's list and the worker's early list, one statement).
 */
export function rowLister(db: Database.Database): (root: string) => [location: string, tree: string][] {
  const stmt = db
    .prepare(
      "SELECT location, tree FROM stat_cache WHERE location >= ? AND location < ? AND tree IS NOT NULL",
    )
    .raw(true);
  return (root) => stmt.all(...prefixRange(root)) as [string, string][];
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
 * Checks every row of `0 … n - 1` (read through `row`) that no thread has claimed, walking from the
 * front (the caller) or the back (the worker). A row `row` cannot give counts as changed. Returns how
 * many rows this thread checked.
 */
export function checkClaimedRows(
  n: number,
  claims: RowClaims,
  row: (i: number) => CheckRow | undefined,
  from: "front" | "back" = "front",
): number {
  const state = claims.state;
  let done = 0;
  for (let k = 0; k < n; k++) {
    const i = from === "front" ? k : n - 1 - k;
    if (Atomics.load(state, i) !== ROW.open) continue;
    if (Atomics.compareExchange(state, i, ROW.open, ROW.busy) !== ROW.open) continue;
    Atomics.store(state, i, checkRow(row(i)) ? ROW.unchanged : ROW.changed);
    done++;
  }
  return done;
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

/**
 * The stat cache: remembers, per file, the (size, mtime, ctime, inode, mode) it had when its bytes
 * were last hashed, so an unchanged file skips rehashing. Kept in `state.db`, loaded per artifact
 * folder in one row so a status over 100,000 files reads 10,000 rows, not 100,000.
 *
 * Racy-timestamp rule (from git, Documentation/technical/racy-git.txt): a file whose mtime is not
 * older than the second in which its cache entry was written may have been modified again within
 * that second with the same size; such an entry is never trusted, and the file is rehashed.
 */
import { type DirStatTuple, prefixRange, type StatFileTuple, settledBefore } from "./stat-check.js";
import { ensureSchema, type StateDb } from "./state-db.js";

export { type DirStatTuple, type StatFileTuple, settledBefore };

/** What was seen of one file when it was hashed. `sha` is the SHA-256 of its bytes. */
export interface StatEntry {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  mode: number;
  sha: string;
}

/**
 * What was seen of one folder of an artifact, taken before it was listed. While a folder keeps these
 * stats its listing is unchanged (adding, removing or renaming an entry changes the folder's mtime and
 * ctime), so the listing need not be read again (git's untracked cache relies on the same rule).
 */
export interface DirStat {
  /** Folder path relative to the artifact, `/`-separated; `""` for the artifact folder itself. */
  rel: string;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** The cached stats of one artifact location, by relative path, and when they were recorded (ms). */
export interface LocationStats {
  files: Map<string, StatEntry>;
  /**
   * Every folder of a folder artifact, parents before children, when the artifact held no symlinks;
   * lets a status check the artifact with `lstat` calls only (see `readTree`).
   */
  dirs?: DirStat[];
  /** Wall-clock ms when this row was written; entries with mtime >= its second are racy. */
  writtenAtMs: number;
  /** The tree hash of exactly these files, when known. */
  tree?: string;
}

/**
 * What {@link StatCache.peek} tells without decoding a row's files: the tree hash and whether the row
 * can be trusted without looking at the files' stats (no file's mtime falls in or after the second
 * the row was written — the racy-timestamp rule — and the row records its files' newest mtime).
 */
export interface LocationSummary {
  tree: string;
  settled: boolean;
}

const MIGRATIONS = [
  `CREATE TABLE stat_cache (
     location TEXT PRIMARY KEY,
     written_at_ms INTEGER NOT NULL,
     files TEXT NOT NULL
   )`,
  "ALTER TABLE stat_cache ADD COLUMN tree TEXT",
  // Newest mtime (ms) among the row's files: a row is settled when it is older than written_at_ms's second.
  "ALTER TABLE stat_cache ADD COLUMN max_mtime_ms REAL",
  "ALTER TABLE stat_cache ADD COLUMN dirs TEXT",
  // The files' hashes, apart from their stats: the lstat-only check reads `files` and `dirs` alone.
  "ALTER TABLE stat_cache ADD COLUMN shas TEXT",
];

/** A `stat_cache` row as selected with {@link STAT_ROW_COLUMNS}. */
export type StatRow = {
  location?: string;
  written_at_ms: number;
  files: string;
  tree: string | null;
  max_mtime_ms: number | null;
  dirs: string | null;
  /** JSON array of the files' SHA-256s in `files` order; null in rows whose `files` tuples carry them. */
  shas: string | null;
};

/** True when every file and folder of the row is older than the second it was written in. */
function settled(maxMtimeMs: number | null, writtenAtMs: number): boolean {
  return maxMtimeMs !== null && settledBefore(maxMtimeMs, writtenAtMs);
}

/** The columns {@link decodeStatRow} needs, for a `SELECT` of whole rows. */
export const STAT_ROW_COLUMNS = "location, written_at_ms, files, tree, max_mtime_ms, dirs, shas";

/** The stored tuples behind a decoded row, for {@link rawStatRow}. */
const RAW = new WeakMap<LocationStats, { files: StatFileTuple[]; dirs?: DirStatTuple[] }>();

/**
 * Decodes a whole `stat_cache` row (also for readers on their own connection: worker threads).
 * The `files` map is built on first access: the lstat-only check of an unchanged folder
 * (`verifyCachedFolder`) reads the stored tuples instead ({@link rawStatRow}), which spares a
 * status over 20,000 files as many objects (and the garbage collection they cost).
 */
export function decodeStatRow(row: StatRow): LocationStats {
  const arr = JSON.parse(row.files) as StatFileTuple[];
  const shas = row.shas ? (JSON.parse(row.shas) as string[]) : undefined;
  let files: Map<string, StatEntry> | undefined;
  const out = {
    get files(): Map<string, StatEntry> {
      if (!files) {
        files = new Map();
        arr.forEach(([p, size, mtimeMs, ctimeMs, ino, mode, legacySha], i) => {
          const sha = shas ? shas[i] : legacySha;
          if (sha !== undefined) files!.set(p, { size, mtimeMs, ctimeMs, ino, mode, sha });
        });
      }
      return files;
    },
    writtenAtMs: row.written_at_ms,
  } as LocationStats;
  if (row.tree) out.tree = row.tree;
  const raw: { files: StatFileTuple[]; dirs?: DirStatTuple[] } = { files: arr };
  if (row.dirs) {
    const dirs = JSON.parse(row.dirs) as DirStatTuple[];
    raw.dirs = dirs;
    out.dirs = dirs.map(([rel, mtimeMs, ctimeMs, ino]) => ({ rel, mtimeMs, ctimeMs, ino }));
  }
  RAW.set(out, raw);
  return out;
}

/**
 * The stored tuples of a row decoded by {@link decodeStatRow} (undefined for stats built otherwise,
 * e.g. just recorded): what a check that only compares stats needs, without the decoded objects.
 */
export function rawStatRow(
  stats: LocationStats,
): { files: readonly StatFileTuple[]; dirs?: readonly DirStatTuple[] } | undefined {
  return RAW.get(stats);
}

export { prefixRange } from "./stat-check.js";

/** A stat cache bound to an open state database. */
export class StatCache {
  private readonly get: import("better-sqlite3").Statement;
  private readonly put: import("better-sqlite3").Statement;
  private readonly del: import("better-sqlite3").Statement;
  private readonly pending = new Map<string, LocationStats>();
  /** Rows read by {@link preload}, decoded only when {@link load} asks for them. */
  private readonly preloaded = new Map<string, StatRow>();
  /** Tree hashes read by {@link preload} with `summariesOnly`. */
  private readonly summaries = new Map<string, LocationSummary>();
  private readonly range: import("better-sqlite3").Statement;
  private readonly rangeSummaries: import("better-sqlite3").Statement;

  constructor(private readonly db: StateDb) {
    ensureSchema(db, "stat-cache", MIGRATIONS);
    this.get = db.prepare(`SELECT ${STAT_ROW_COLUMNS} FROM stat_cache WHERE location = ?`);
    this.range = db.prepare(
      `SELECT ${STAT_ROW_COLUMNS} FROM stat_cache WHERE location >= ? AND location < ?`,
    );
    this.rangeSummaries = db
      .prepare(
        "SELECT location, written_at_ms, tree, max_mtime_ms FROM stat_cache WHERE location >= ? AND location < ?",
      )
      .raw(true);
    this.put = db.prepare(
      "INSERT INTO stat_cache (location, written_at_ms, files, tree, max_mtime_ms, dirs, shas) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(location) DO UPDATE SET written_at_ms = excluded.written_at_ms, files = excluded.files, tree = excluded.tree, max_mtime_ms = excluded.max_mtime_ms, dirs = excluded.dirs, shas = excluded.shas",
    );
    this.del = db.prepare("DELETE FROM stat_cache WHERE location = ?");
  }

  /** The cached stats of `location` (an absolute artifact path), or undefined. */
  load(location: string): LocationStats | undefined {
    const queued = this.pending.get(location);
    if (queued) return queued;
    const row = this.preloaded.get(location) ?? (this.get.get(location) as StatRow | undefined);
    return row ? decodeStatRow(row) : undefined;
  }

  /**
   * The tree hash of `location` and whether it is settled, without decoding its files; undefined when
   * there is no row or it has no tree hash. Used with a file-system monitor's answer
   * (src/sync/fsmonitor-client.ts): an untouched location with a settled row needs no stat at all.
   */
  peek(location: string): LocationSummary | undefined {
    if (this.pending.has(location)) return undefined;
    const summary = this.summaries.get(location);
    if (summary) return summary;
    const row = this.preloaded.get(location) ?? (this.get.get(location) as StatRow | undefined);
    return row?.tree ? { tree: row.tree, settled: settled(row.max_mtime_ms, row.written_at_ms) } : undefined;
  }

  /**
   * Loads every row under folder `prefix` in one query (one status reads 10,000 locations: one query
   * instead of 10,000). With `summariesOnly`, only what {@link peek} needs is read (no per-file stats):
   * for a status that a file-system monitor spares from looking at most artifacts.
   */
  preload(prefix: string, opts: { summariesOnly?: boolean } = {}): void {
    const [p, end] = prefixRange(prefix);
    if (opts.summariesOnly) {
      // Arrays, not objects: 20,000 rows per status.
      for (const [location, written, tree, maxMtime] of this.rangeSummaries.all(p, end) as [
        string,
        number,
        string | null,
        number | null,
      ][])
        if (tree) this.summaries.set(location, { tree, settled: settled(maxMtime, written) });
      return;
    }
    for (const row of this.range.all(p, end) as StatRow[]) this.preloaded.set(row.location!, row);
  }

  /** Queues the stats of `location` to be written by {@link flush}. */
  record(
    location: string,
    files: Map<string, StatEntry>,
    nowMs: number,
    tree?: string,
    dirs?: DirStat[],
  ): void {
    const s: LocationStats = { files, writtenAtMs: nowMs };
    if (tree) s.tree = tree;
    if (dirs) s.dirs = dirs;
    this.pending.set(location, s);
    this.preloaded.delete(location);
    this.summaries.delete(location);
  }

  /** Forgets `location`. */
  forget(location: string): void {
    this.pending.delete(location);
    this.preloaded.delete(location);
    this.summaries.delete(location);
    this.del.run(location);
  }

  /** Writes every queued location in one transaction. */
  flush(): void {
    if (this.pending.size === 0) return;
    const rows = [...this.pending];
    this.pending.clear();
    this.db.transaction(() => {
      for (const [loc, s] of rows) {
        let maxMtime = 0;
        const shas: string[] = [];
        const arr = [...s.files].map(([p, e]) => {
          if (e.mtimeMs > maxMtime) maxMtime = e.mtimeMs;
          shas.push(e.sha);
          return [p, e.size, e.mtimeMs, e.ctimeMs, e.ino, e.mode];
        });
        const dirs = s.dirs?.map((d) => {
          if (d.mtimeMs > maxMtime) maxMtime = d.mtimeMs;
          return [d.rel, d.mtimeMs, d.ctimeMs, d.ino];
        });
        this.put.run(
          loc,
          s.writtenAtMs,
          JSON.stringify(arr),
          s.tree ?? null,
          maxMtime,
          dirs ? JSON.stringify(dirs) : null,
          JSON.stringify(shas),
        );
      }
    })();
  }
}

/**
 * True when `cached` can stand for a file whose current stats are `now`: every stat field equal and
 * the mtime strictly older than the second in which the entry was written (racy-git rule).
 */
export function statEntryFresh(
  cached: StatEntry | undefined,
  now: Omit<StatEntry, "sha">,
  writtenAtMs: number,
): cached is StatEntry {
  if (!cached) return false;
  if (
    cached.size !== now.size ||
    cached.mtimeMs !== now.mtimeMs ||
    cached.ctimeMs !== now.ctimeMs ||
    cached.ino !== now.ino ||
    cached.mode !== now.mode
  )
    return false;
  return settledBefore(now.mtimeMs, writtenAtMs);
}

/**
 * True when a folder whose current stats are `now` still has the listing it had when `cached` was
 * taken: mtime, ctime and inode equal, and the mtime strictly older than the second in which the row
 * was written (the racy-timestamp rule, as for files: on a file system with whole-second timestamps
 * two changes within one second leave the same stats).
 */
export function dirStatFresh(
  cached: DirStat,
  now: { mtimeMs: number; ctimeMs: number; ino: number },
  writtenAtMs: number,
): boolean {
  return (
    cached.mtimeMs === now.mtimeMs &&
    cached.ctimeMs === now.ctimeMs &&
    cached.ino === now.ino &&
    settledBefore(now.mtimeMs, writtenAtMs)
  );
}

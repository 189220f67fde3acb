/**
 * The stat cache: remembers, per file, the (size, mtime, ctime, inode, mode) it had when its bytes
 * were last hashed, so an unchanged file skips rehashing. Kept in `state.db`, loaded per artifact
 * folder in one row so a status over 100,000 files reads 10,000 rows, not 100,000.
 *
 * Racy-timestamp rule (from git, Documentation/technical/racy-git.txt): a file whose mtime is not
 * older than the second in which its cache entry was written may have been modified again within
 * that second with the same size; such an entry is never trusted, and the file is rehashed.
 */
import { ensureSchema, type StateDb } from "./state-db.js";

/** What was seen of one file when it was hashed. `sha` is the SHA-256 of its bytes. */
export interface StatEntry {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  mode: number;
  sha: string;
}

/** The cached stats of one artifact location, by relative path, and when they were recorded (ms). */
export interface LocationStats {
  files: Map<string, StatEntry>;
  /** Wall-clock ms when this row was written; entries with mtime >= its second are racy. */
  writtenAtMs: number;
  /** The tree hash of exactly these files, when known. */
  tree?: string;
}

const MIGRATIONS = [
  `CREATE TABLE stat_cache (
     location TEXT PRIMARY KEY,
     written_at_ms INTEGER NOT NULL,
     files TEXT NOT NULL
   )`,
  "ALTER TABLE stat_cache ADD COLUMN tree TEXT",
];

type Row = { location?: string; written_at_ms: number; files: string; tree: string | null };

function decode(row: Row): LocationStats {
  const files = new Map<string, StatEntry>();
  const arr = JSON.parse(row.files) as [string, number, number, number, number, number, string][];
  for (const [p, size, mtimeMs, ctimeMs, ino, mode, sha] of arr)
    files.set(p, { size, mtimeMs, ctimeMs, ino, mode, sha });
  return row.tree
    ? { files, writtenAtMs: row.written_at_ms, tree: row.tree }
    : { files, writtenAtMs: row.written_at_ms };
}

/** A stat cache bound to an open state database. */
export class StatCache {
  private readonly get: import("better-sqlite3").Statement;
  private readonly put: import("better-sqlite3").Statement;
  private readonly del: import("better-sqlite3").Statement;
  private readonly pending = new Map<string, LocationStats>();
  private readonly preloaded = new Map<string, LocationStats>();
  private readonly range: import("better-sqlite3").Statement;

  constructor(private readonly db: StateDb) {
    ensureSchema(db, "stat-cache", MIGRATIONS);
    this.get = db.prepare("SELECT written_at_ms, files, tree FROM stat_cache WHERE location = ?");
    this.range = db.prepare(
      "SELECT location, written_at_ms, files, tree FROM stat_cache WHERE location >= ? AND location < ?",
    );
    this.put = db.prepare(
      "INSERT INTO stat_cache (location, written_at_ms, files, tree) VALUES (?, ?, ?, ?) ON CONFLICT(location) DO UPDATE SET written_at_ms = excluded.written_at_ms, files = excluded.files, tree = excluded.tree",
    );
    this.del = db.prepare("DELETE FROM stat_cache WHERE location = ?");
  }

  /** The cached stats of `location` (an absolute artifact path), or undefined. */
  load(location: string): LocationStats | undefined {
    const pre = this.preloaded.get(location);
    if (pre) return pre;
    const row = this.get.get(location) as Row | undefined;
    return row ? decode(row) : undefined;
  }

  /**
   * Loads every row under folder `prefix` in one query (one status reads 10,000 locations: one query
   * instead of 10,000).
   */
  preload(prefix: string): void {
    const p = prefix.endsWith("/") ? prefix : `${prefix}/`;
    // Every path starting with p sorts between p and p with its last character incremented.
    const end = `${p.slice(0, -1)}${String.fromCharCode(p.charCodeAt(p.length - 1) + 1)}`;
    for (const row of this.range.all(p, end) as Row[]) this.preloaded.set(row.location!, decode(row));
  }

  /** Queues the stats of `location` to be written by {@link flush}. */
  record(location: string, files: Map<string, StatEntry>, nowMs: number, tree?: string): void {
    const s: LocationStats = tree ? { files, writtenAtMs: nowMs, tree } : { files, writtenAtMs: nowMs };
    this.pending.set(location, s);
    this.preloaded.delete(location);
  }

  /** Forgets `location`. */
  forget(location: string): void {
    this.pending.delete(location);
    this.preloaded.delete(location);
    this.del.run(location);
  }

  /** Writes every queued location in one transaction. */
  flush(): void {
    if (this.pending.size === 0) return;
    const rows = [...this.pending];
    this.pending.clear();
    this.db.transaction(() => {
      for (const [loc, s] of rows) {
        const arr = [...s.files].map(([p, e]) => [p, e.size, e.mtimeMs, e.ctimeMs, e.ino, e.mode, e.sha]);
        this.put.run(loc, s.writtenAtMs, JSON.stringify(arr), s.tree ?? null);
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
  return Math.floor(now.mtimeMs / 1000) < Math.floor(writtenAtMs / 1000);
}

/**
 * Remembers the validated result of parsing a file, keyed by its path and stats, so a large file that
 * did not change (a deployment record of 10,000 entries: ~0.1 s of TOML parsing and schema checks) is
 * read back as JSON instead. Kept in `state.db` (table `parsed_files`).
 *
 * The file is stat-ed before it is read, and a cached result is used only while size, mtime, ctime and
 * inode are unchanged and the mtime is older than the second the result was stored in (git's
 * racy-timestamp rule, as in stat-cache.ts). Only results that passed validation are stored.
 */
import { readFileSync, type Stats, statSync } from "node:fs";
import { isSkillsyncError } from "../core/errors.js";
import { settledBefore } from "./stat-cache.js";
import { ensureSchema, type StateDb } from "./state-db.js";

const MIGRATIONS = [
  `CREATE TABLE parsed_files (
     path TEXT NOT NULL,
     what TEXT NOT NULL,
     size INTEGER NOT NULL,
     mtime_ms REAL NOT NULL,
     ctime_ms REAL NOT NULL,
     ino INTEGER NOT NULL,
     written_at_ms INTEGER NOT NULL,
     json TEXT NOT NULL,
     PRIMARY KEY (path, what)
   )`,
];

type Row = {
  size: number;
  mtime_ms: number;
  ctime_ms: number;
  ino: number;
  written_at_ms: number;
};

/** What identifies a stored result: the file's stats and when it was stored. */
function rowKey(r: Row): string {
  return `${r.size}:${r.mtime_ms}:${r.ctime_ms}:${r.ino}:${r.written_at_ms}`;
}

/**
 * A cache of parsed files bound to an open state database. A value read from the cache may be the
 * very object an earlier {@link ParsedCache.read} of the same unchanged file returned in this
 * process: callers treat what they read as read-only (they build new records to write).
 */
export class ParsedCache {
  /** A row's stats only: a check needs no JSON (the record's is ~0.5 MB at 2,000 entries). */
  private readonly get: import("better-sqlite3").Statement;
  private readonly getJson: import("better-sqlite3").Statement;
  private readonly put: import("better-sqlite3").Statement;
  /** Values decoded from trusted rows, by parser and path, with the row they came from. */
  private readonly memo = new Map<string, { row: string; value: unknown }>();

  constructor(db: StateDb) {
    ensureSchema(db, "parsed-cache", MIGRATIONS);
    this.get = db.prepare(
      "SELECT size, mtime_ms, ctime_ms, ino, written_at_ms FROM parsed_files WHERE path = ? AND what = ?",
    );
    this.getJson = db
      .prepare("SELECT json FROM parsed_files WHERE path = ? AND what = ? AND written_at_ms = ?")
      .pluck(true);
    this.put = db.prepare(
      "INSERT OR REPLACE INTO parsed_files (path, what, size, mtime_ms, ctime_ms, ino, written_at_ms, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
  }

  /**
   * The parsed content of `file`: from the cache when the file is unchanged, else `parse(text)`
   * (stored for next time). `undefined` when the file does not exist.
   * @param what names the parser (a file could be read by two), e.g. `deployment record`
   * @throws whatever `parse` throws (nothing is stored then); the errors of `readFileSync` other
   *   than ENOENT
   */
  read<T>(file: string, what: string, parse: (text: string) => T, nowMs = Date.now()): T | undefined {
    const found = this.lookup(file, what);
    if (!found) return undefined;
    const { st, row } = found;
    if (!row) return this.parseAndStore(file, what, st, parse, nowMs);
    // The same trusted row read again in this process (a status reads the record for its targets,
    // then for its rows): the value already decoded, while the stats are still those of the row.
    const key = `${what}\u0000${file}`;
    const m = this.memo.get(key);
    if (m && m.row === rowKey(row)) return m.value as T;
    const json = this.getJson.get(file, what, row.written_at_ms) as string | undefined;
    if (json === undefined) return this.parseAndStore(file, what, st, parse, nowMs); // replaced meanwhile
    const value = JSON.parse(json) as T;
    this.memo.set(key, { row: rowKey(row), value });
    return value;
  }

  /**
   * Checks that `file` passes `parse` without building its value when the cache vouches for it (same
   * rule as {@link read}): a command that only has to refuse a corrupt lock file before it runs
   * skips the JSON of an unchanged one too. False when the file does not exist.
   * @throws whatever `parse` throws; the errors of `readFileSync` other than ENOENT
   */
  validate(file: string, what: string, parse: (text: string) => unknown, nowMs = Date.now()): boolean {
    const found = this.lookup(file, what);
    if (!found) return false;
    if (!found.row) this.parseAndStore(file, what, found.st, parse, nowMs);
    return true;
  }

  /** The stats of `file` (undefined when missing) and its cached row when that can be trusted. */
  private lookup(file: string, what: string): { st: Stats; row?: Row } | undefined {
    let st: Stats | undefined;
    try {
      st = statSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    const row = this.get.get(file, what) as Row | undefined;
    if (
      row &&
      row.size === st.size &&
      row.mtime_ms === st.mtimeMs &&
      row.ctime_ms === st.ctimeMs &&
      row.ino === st.ino &&
      settledBefore(st.mtimeMs, row.written_at_ms)
    )
      return { st, row };
    return { st };
  }

  private parseAndStore<T>(
    file: string,
    what: string,
    st: Stats,
    parse: (text: string) => T,
    nowMs: number,
  ): T {
    const value = parse(readFileSync(file, "utf8"));
    this.put.run(file, what, st.size, st.mtimeMs, st.ctimeMs, st.ino, nowMs, JSON.stringify(value));
    return value;
  }
}

const caches = new WeakMap<StateDb, ParsedCache>();

/** The one {@link ParsedCache} of an open state database (its statements prepared once per process). */
export function parsedCacheOf(db: StateDb): ParsedCache {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new ParsedCache(db)));
  return c;
}

/**
 * Reads `file` through `cache` ({@link ParsedCache.read}), or with `uncached` when there is no cache
 * or the cache fails for another reason than `parse` refusing the file (a SkillsyncError, which is
 * thrown as it is): a permission error, a busy or damaged database. The uncached path then reports
 * the file's own problem in its usual words, or reads it.
 * @throws SkillsyncError from `parse`; whatever `uncached` throws
 */
export function readThroughCache<T>(
  cache: ParsedCache | undefined,
  file: string,
  what: string,
  parse: (text: string) => T,
  uncached: () => T | undefined,
): T | undefined {
  if (!cache) return uncached();
  try {
    return cache.read(file, what, parse);
  } catch (e) {
    if (isSkillsyncError(e)) throw e;
    return uncached();
  }
}

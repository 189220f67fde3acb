/**
 * `$SKILLSYNC_HOME/state.db`: local state in SQLite (better-sqlite3). The schema of every table lives
 * here ({@link STATE_SCHEMA}), versioned per module in `schema_versions`; the typed functions over
 * the tables live in `src/store/state/` (one module per concern), plus `stat-cache.ts` and
 * `parsed-cache.ts` beside this file. Nothing outside `src/store/` runs SQL on this database
 * (pinned by `test/architecture.test.ts`).
 */

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { STATE_DB_MMAP_BYTES } from "./stat-check.js";

/** An open state database. */
export type StateDb = Database.Database;

const open = new Map<string, StateDb>();
let closeAtExit = false;

/**
 * Opens (once per process and path) the state database in WAL mode with a 5 s busy timeout, its
 * reads through a memory map of up to {@link STATE_DB_MMAP_BYTES}.
 * The folder is created when missing. Every database it opened is closed when the process exits.
 */
export function openStateDb(path: string): StateDb {
  const cached = open.get(path);
  if (cached?.open) return cached;
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma(`mmap_size = ${STATE_DB_MMAP_BYTES}`);
  db.exec("CREATE TABLE IF NOT EXISTS schema_versions (module TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  // Closed at exit even when the process ends with process.exit() (main.ts after a status): closing
  // checkpoints the write-ahead log and removes state.db-wal and -shm, as a normal teardown does.
  if (!closeAtExit) {
    closeAtExit = true;
    process.once("exit", closeStateDbs);
  }
  open.set(path, db);
  return db;
}

/** Closes every database opened by {@link openStateDb} (tests, process exit). */
export function closeStateDbs(): void {
  for (const db of open.values()) if (db.open) db.close();
  open.clear();
}

/**
 * The migrations of each module's tables: `STATE_SCHEMA[module][i]` takes that module's tables from
 * version `i` to `i + 1`. Append a migration to change a table; never edit a released one. The module
 * names are the keys already stored in users' `schema_versions`, so they never change.
 * (`stat-cache` and `parsed-cache` keep their migrations beside their statements, in
 * `stat-cache.ts` and `parsed-cache.ts`.)
 */
export const STATE_SCHEMA = {
  /** `src/store/state/local-skills.ts`, `daemon-history.ts`, `daemon-state.ts`. */
  daemon: [
    `CREATE TABLE local_skills (
       location TEXT NOT NULL,
       kind TEXT NOT NULL,
       name TEXT NOT NULL,
       path TEXT NOT NULL,
       tree_hash TEXT,
       valid INTEGER NOT NULL,
       problems TEXT NOT NULL,
       version TEXT,
       last_seen TEXT NOT NULL,
       PRIMARY KEY (location, kind, name)
     );
     CREATE TABLE daemon_history (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       started_at TEXT NOT NULL,
       finished_at TEXT NOT NULL,
       duration_ms INTEGER NOT NULL,
       trigger TEXT NOT NULL,
       artifacts TEXT NOT NULL,
       outcome TEXT NOT NULL,
       error TEXT,
       conflicts TEXT NOT NULL,
       invalid TEXT NOT NULL,
       results TEXT NOT NULL
     );
     CREATE TABLE daemon_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  ],
  /** `src/store/state/hub-bases.ts`, `hub-cursor.ts`, `outbox.ts`. */
  "hub-sync": [
    `CREATE TABLE hub_cursor (remote TEXT PRIMARY KEY, cursor INTEGER NOT NULL);
     CREATE TABLE hub_base (remote TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, owner TEXT NOT NULL,
       revision INTEGER NOT NULL, tree TEXT NOT NULL, PRIMARY KEY (remote, kind, name));
     CREATE TABLE hub_pending (remote TEXT NOT NULL, owner TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
       PRIMARY KEY (remote, owner, kind, name));
     CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, remote TEXT NOT NULL, op TEXT NOT NULL,
       owner TEXT, kind TEXT NOT NULL, name TEXT NOT NULL, tree TEXT, version TEXT, base_revision INTEGER,
       created_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);`,
  ],
  /** `src/store/state/git-bases.ts`. */
  "git-source": [
    `CREATE TABLE git_base (
       collection TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
       tree TEXT NOT NULL, commit_id TEXT NOT NULL,
       PRIMARY KEY (collection, kind, name))`,
  ],
  /** `src/store/state/tree-meta.ts`. */
  "tree-meta": [
    "CREATE TABLE tree_meta (sha TEXT PRIMARY KEY, version TEXT NOT NULL, description TEXT, valid INTEGER NOT NULL)",
  ],
  /** `src/store/state/status-cache.ts`. */
  "status-cache": [
    `CREATE TABLE status_cache (
       project TEXT PRIMARY KEY,
       inputs TEXT NOT NULL,
       tokens TEXT NOT NULL,
       record_stat TEXT NOT NULL,
       written_at_ms INTEGER NOT NULL,
       report TEXT NOT NULL
     )`,
  ],
  /** `src/store/state/fsmonitor-tokens.ts`. */
  fsmonitor: ["CREATE TABLE fsmonitor_tokens (root TEXT PRIMARY KEY, token TEXT NOT NULL)"],
} as const satisfies Record<string, readonly string[]>;

/** A module whose tables are declared in {@link STATE_SCHEMA}. */
export type StateModule = keyof typeof STATE_SCHEMA;

const ensured = new WeakMap<StateDb, Set<string>>();

/**
 * Creates or migrates the tables of `module` ({@link STATE_SCHEMA}); checked once per open database
 * and module, so the typed functions in `src/store/state/` call it on every use.
 */
export function ensureStateSchema(db: StateDb, module: StateModule): StateDb {
  let done = ensured.get(db);
  if (!done) {
    done = new Set();
    ensured.set(db, done);
  }
  if (!done.has(module)) {
    ensureSchema(db, module, STATE_SCHEMA[module]);
    done.add(module);
  }
  return db;
}

/**
 * Runs the migrations of `module` that the database has not seen yet, in order, each in a transaction.
 * `migrations[i]` takes the module's schema from version `i` to `i + 1`.
 */
export function ensureSchema(db: StateDb, module: string, migrations: readonly string[]): void {
  const row = db.prepare("SELECT version FROM schema_versions WHERE module = ?").get(module) as
    | { version: number }
    | undefined;
  const have = row?.version ?? 0;
  if (have >= migrations.length) return;
  db.transaction(() => {
    for (let v = have; v < migrations.length; v++) db.exec(migrations[v]!);
    db.prepare(
      "INSERT INTO schema_versions (module, version) VALUES (?, ?) ON CONFLICT(module) DO UPDATE SET version = excluded.version",
    ).run(module, migrations.length);
  })();
}

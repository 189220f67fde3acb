/**
 * `$SKILLSYNC_HOME/state.db`: local state in SQLite (better-sqlite3). Each module that keeps tables
 * here declares them with {@link ensureSchema}, keyed by its own name, so modules add tables without
 * touching each other.
 */

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/** An open state database. */
export type StateDb = Database.Database;

const open = new Map<string, StateDb>();

/**
 * Opens (once per process and path) the state database in WAL mode with a 5 s busy timeout.
 * The folder is created when missing.
 */
export function openStateDb(path: string): StateDb {
  const cached = open.get(path);
  if (cached?.open) return cached;
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.exec("CREATE TABLE IF NOT EXISTS schema_versions (module TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  open.set(path, db);
  return db;
}

/** Closes every database opened by {@link openStateDb} (tests, process exit). */
export function closeStateDbs(): void {
  for (const db of open.values()) if (db.open) db.close();
  open.clear();
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

/**
 * The hub store on SQLite (better-sqlite3 12), the embedded default: one file, WAL mode.
 * better-sqlite3 is synchronous and the store's logic is async, so every transaction runs under an
 * in-process queue: one at a time, never interleaved on the single connection.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { SkillsyncError } from "../../core/errors.js";
import type { SqlDriver, SqlQueryer } from "./sql-driver.js";
import { createSqlHubStore } from "./sql-store.js";
import type { HubStore } from "./types.js";

/**
 * The versioned schema: `SQLITE_MIGRATIONS[i]` takes the database from version `i` to `i + 1`.
 * The version lives in `hub_schema`. Append only; never edit a released step.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE principals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL CHECK (type IN ('user', 'team')),
    created_at TEXT NOT NULL
  );
  CREATE TABLE memberships (
    team_id INTEGER NOT NULL REFERENCES principals(id),
    user_id INTEGER NOT NULL REFERENCES principals(id),
    role TEXT NOT NULL CHECK (role IN ('reader', 'writer', 'admin')),
    PRIMARY KEY (team_id, user_id)
  );
  CREATE INDEX memberships_user ON memberships (user_id);
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES principals(id),
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
  );
  CREATE TABLE blobs (
    sha TEXT PRIMARY KEY,
    data BLOB NOT NULL
  );
  CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL REFERENCES principals(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    tree_hash TEXT NOT NULL,
    revision INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (owner_id, kind, name)
  );
  CREATE TABLE artifact_versions (
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
    owner_id INTEGER NOT NULL REFERENCES principals(id),
    revision INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('put', 'delete')),
    version TEXT NOT NULL,
    tree_hash TEXT NOT NULL,
    files TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (artifact_id, revision)
  );
  CREATE TABLE changes (
    cursor INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL REFERENCES principals(id),
    owner_name TEXT NOT NULL,
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('put', 'delete')),
    revision INTEGER NOT NULL,
    version TEXT NOT NULL,
    tree_hash TEXT NOT NULL,
    at TEXT NOT NULL
  );
  CREATE INDEX changes_owner_cursor ON changes (owner_id, cursor);
  `,
];

/** Options of {@link createSqliteHubStore}. */
export interface SqliteHubStoreOptions {
  /** Database file (created with its folder when missing), or `:memory:`. */
  path: string;
}

/**
 * Opens the hub store on a SQLite file. Call `migrate()` before use.
 * @throws the driver's error when the file cannot be opened
 */
export function createSqliteHubStore(opts: SqliteHubStoreOptions): HubStore {
  if (opts.path !== ":memory:") mkdirSync(dirname(opts.path), { recursive: true });
  const db = new Database(opts.path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");

  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
  const q: SqlQueryer = {
    async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const s = prepare(sql);
      if (s.reader) return s.all(...params) as T[];
      s.run(...params);
      return [];
    },
    async run(sql: string, params: readonly unknown[] = []): Promise<number> {
      return prepare(sql).run(...params).changes;
    },
  };

  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  // Moves when another connection (the CLI, another hub process) commits to the file. Prepared once:
  // `db.pragma()` compiles the statement on every call, and every request asks (~2 s of 10 in a
  // profile of 5,000 polls/s).
  const dataVersionStmt = db.prepare("PRAGMA data_version").pluck();
  let dataVersion = Number(dataVersionStmt.get());
  const driver: SqlDriver = {
    dialect: "sqlite",
    tx<T>(fn: (q: SqlQueryer) => Promise<T>, o: { write?: boolean } = {}): Promise<T> {
      const run = async (): Promise<T> => {
        if (closed) throw new Error("hub store is closed");
        db.exec(o.write ? "BEGIN IMMEDIATE" : "BEGIN");
        try {
          const out = await fn(q);
          db.exec("COMMIT");
          return out;
        } catch (e) {
          if (db.inTransaction) db.exec("ROLLBACK");
          throw e;
        }
      };
      const p = queue.then(run, run);
      queue = p.catch(() => undefined);
      return p;
    },
    scopedRead<T>(_userId: number, sql: string, params: readonly number[]): Promise<T[]> {
      return driver.tx((tq) => tq.all<T>(sql, params));
    },
    async lockFeed() {},
    async notify() {},
    async notifyAuth() {},
    listen() {
      return () => {};
    },
    hearsOthers: () => true,
    writtenElsewhere() {
      if (closed) return false;
      const v = Number(dataVersionStmt.get());
      const moved = v !== dataVersion;
      dataVersion = v;
      return moved;
    },
    async migrate() {
      await driver.tx(
        async () => {
          db.exec("CREATE TABLE IF NOT EXISTS hub_schema (version INTEGER NOT NULL)");
          const row = db.prepare("SELECT version FROM hub_schema").get() as { version: number } | undefined;
          const have = row?.version ?? 0;
          if (have > SQLITE_MIGRATIONS.length)
            throw new SkillsyncError(
              "UNSUPPORTED_VERSION",
              `hub database schema version ${have} is newer than this skillsync knows (${SQLITE_MIGRATIONS.length}); upgrade skillsync`,
            );
          for (let v = have; v < SQLITE_MIGRATIONS.length; v++) db.exec(SQLITE_MIGRATIONS[v]!);
          if (row === undefined)
            db.prepare("INSERT INTO hub_schema (version) VALUES (?)").run(SQLITE_MIGRATIONS.length);
          else db.prepare("UPDATE hub_schema SET version = ?").run(SQLITE_MIGRATIONS.length);
        },
        { write: true },
      );
    },
    async close() {
      await queue;
      closed = true;
      statements.clear();
      if (db.open) db.close();
    },
  };
  return createSqlHubStore(driver);
}

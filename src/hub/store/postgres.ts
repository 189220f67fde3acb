/**
 * The hub store on PostgreSQL (`pg`), for teams and for several hub processes on one database
 * (a Supabase project's Postgres works the same way: use its direct connection string).
 *
 * Row-level security: user-scoped transactions run as the role {@link APP_ROLE} with the setting
 * `skillsync.user_id` set for that transaction only (`set_config(..., true)`); policies on
 * `artifacts`, `artifact_versions`, `changes` and `memberships` then allow a user's own rows and its
 * teams' rows, and writes only where the user is the owner or a team `writer`/`admin` — the seed's
 * per-user policy extended to teams. The store also filters in SQL, so RLS is a second wall.
 * When the connecting login may not create or assume that role, the hub still works, relying on
 * its own SQL filters, and {@link PostgresHubStore.rlsActive} is false.
 *
 * Fan-out: each committed change is announced with `NOTIFY skillsync_<schema>, '<cursor>'`; every
 * hub process `LISTEN`s on that channel (one dedicated connection, reconnecting after 1 s).
 */
import pg from "pg";
import { SkillsyncError } from "../../core/errors.js";
import type { RemoteNote, SqlDriver, SqlQueryer } from "./sql-driver.js";
import { createSqlHubStore, type SqlHubStore } from "./sql-store.js";

/** The NOLOGIN role user-scoped transactions assume so that row-level security applies. */
export const APP_ROLE = "skillsync_hub_app";

/** Rolls back after a failure; true when that failed too (the connection is then broken: discard it). */
async function rollbackFailed(client: pg.PoolClient): Promise<boolean> {
  try {
    await client.query("ROLLBACK");
    return false;
  } catch {
    return true;
  }
}

/** How many user-scoped reads share one simple-query message at most (see `scopedRead`). */
export const SCOPED_BATCH = 50;

const VISIBLE =
  "(owner_id = skillsync_uid() OR owner_id IN (SELECT team_id FROM memberships WHERE user_id = skillsync_uid()))";
const WRITABLE =
  "(owner_id = skillsync_uid() OR owner_id IN (SELECT team_id FROM memberships WHERE user_id = skillsync_uid() AND role IN ('writer', 'admin')))";

/**
 * The versioned schema: `POSTGRES_MIGRATIONS[i]` takes the schema from version `i` to `i + 1`
 * (recorded in `hub_schema`). Append only; never edit a released step.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE principals (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    type text NOT NULL CHECK (type IN ('user', 'team')),
    created_at text NOT NULL
  );
  CREATE TABLE memberships (
    team_id integer NOT NULL REFERENCES principals(id),
    user_id integer NOT NULL REFERENCES principals(id),
    role text NOT NULL CHECK (role IN ('reader', 'writer', 'admin')),
    PRIMARY KEY (team_id, user_id)
  );
  CREATE INDEX memberships_user ON memberships (user_id);
  CREATE TABLE tokens (
    id text PRIMARY KEY,
    user_id integer NOT NULL REFERENCES principals(id),
    hash text NOT NULL UNIQUE,
    created_at text NOT NULL,
    expires_at text,
    revoked_at text
  );
  CREATE TABLE blobs (
    sha text PRIMARY KEY,
    data bytea NOT NULL
  );
  CREATE TABLE artifacts (
    id serial PRIMARY KEY,
    owner_id integer NOT NULL REFERENCES principals(id),
    kind text NOT NULL,
    name text NOT NULL,
    version text NOT NULL,
    tree_hash text NOT NULL,
    revision integer NOT NULL,
    deleted integer NOT NULL DEFAULT 0,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    updated_by text NOT NULL,
    UNIQUE (owner_id, kind, name)
  );
  CREATE TABLE artifact_versions (
    artifact_id integer NOT NULL REFERENCES artifacts(id),
    owner_id integer NOT NULL REFERENCES principals(id),
    revision integer NOT NULL,
    op text NOT NULL CHECK (op IN ('put', 'delete')),
    version text NOT NULL,
    tree_hash text NOT NULL,
    files text NOT NULL,
    created_at text NOT NULL,
    created_by text NOT NULL,
    PRIMARY KEY (artifact_id, revision)
  );
  CREATE TABLE changes (
    cursor bigserial PRIMARY KEY,
    owner_id integer NOT NULL REFERENCES principals(id),
    owner_name text NOT NULL,
    artifact_id integer NOT NULL REFERENCES artifacts(id),
    kind text NOT NULL,
    name text NOT NULL,
    op text NOT NULL CHECK (op IN ('put', 'delete')),
    revision integer NOT NULL,
    version text NOT NULL,
    tree_hash text NOT NULL,
    at text NOT NULL
  );
  CREATE INDEX changes_owner_cursor ON changes (owner_id, cursor);
  `,
  `
  CREATE FUNCTION skillsync_uid() RETURNS integer LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('skillsync.user_id', true), '')::integer $$;
  ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
  CREATE POLICY memberships_own ON memberships FOR SELECT USING (user_id = skillsync_uid());
  ALTER TABLE artifacts ENABLE ROW LEVEL SECURITY;
  CREATE POLICY artifacts_read ON artifacts FOR SELECT USING ${VISIBLE};
  CREATE POLICY artifacts_insert ON artifacts FOR INSERT WITH CHECK ${WRITABLE};
  CREATE POLICY artifacts_update ON artifacts FOR UPDATE USING ${WRITABLE} WITH CHECK ${WRITABLE};
  ALTER TABLE artifact_versions ENABLE ROW LEVEL SECURITY;
  CREATE POLICY versions_read ON artifact_versions FOR SELECT USING ${VISIBLE};
  CREATE POLICY versions_insert ON artifact_versions FOR INSERT WITH CHECK ${WRITABLE};
  ALTER TABLE changes ENABLE ROW LEVEL SECURITY;
  CREATE POLICY changes_read ON changes FOR SELECT USING ${VISIBLE};
  CREATE POLICY changes_insert ON changes FOR INSERT WITH CHECK ${WRITABLE};
  `,
];

/** Options of {@link createPostgresHubStore}. */
export interface PostgresHubStoreOptions {
  /** `postgres://user@host:port/db` connection string. */
  url: string;
  /** Schema holding the hub's tables (created when missing), default `public`. `[a-z_][a-z0-9_]{0,39}`. */
  schema?: string;
  /** Pool size, default 10. */
  maxConnections?: number;
}

/** The PostgreSQL store, with whether row-level security is in force for user-scoped queries. */
export interface PostgresHubStore extends SqlHubStore {
  /** True after `migrate()` when user-scoped transactions run as {@link APP_ROLE}. */
  readonly rlsActive: boolean;
  /** The schema in use. */
  readonly schema: string;
  /** User-scoped reads sent, and the simple-query messages that carried them (for tests and benchmarks). */
  readonly scopedStats: { reads: number; messages: number };
  /** The SQL driver under the store (tests: its batched `scopedRead` with a failing statement). */
  readonly driver: SqlDriver;
}

/**
 * A NOTIFY payload: `CURSOR:OWNER_ID` for a change, `auth` for a token or membership change; a bare
 * `CURSOR` (hubs before owner ids were sent) is a change of an unknown owner; anything else resets.
 */
export function parseNote(payload: string): RemoteNote {
  if (payload === "auth") return { type: "auth" };
  const m = /^(\d{1,18})(?::(\d{1,12}))?$/.exec(payload);
  if (!m) return { type: "reset" };
  return m[2] === undefined
    ? { type: "change", cursor: Number(m[1]) }
    : { type: "change", cursor: Number(m[1]), ownerId: Number(m[2]) };
}

function toDollar(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Opens a pool on `opts.url`. Call `migrate()` before use (creates the schema, tables, policies,
 * the {@link APP_ROLE} role when allowed, and starts listening for other processes' changes).
 * @throws SkillsyncError USAGE for an invalid schema name
 */
export function createPostgresHubStore(opts: PostgresHubStoreOptions): PostgresHubStore {
  const schema = opts.schema ?? "public";
  if (!/^[a-z_][a-z0-9_]{0,39}$/.test(schema))
    throw new SkillsyncError("USAGE", `invalid schema name '${schema}': use 1-40 of a-z, 0-9, '_'`);
  const channel = `skillsync_${schema}`;
  const clientConfig: pg.ClientConfig = {
    connectionString: opts.url,
    options: `-c search_path=${schema}`,
  };
  const pool = new pg.Pool({ ...clientConfig, max: opts.maxConnections ?? 10 });
  pool.on("error", () => {
    // an idle client lost its connection; the pool replaces it
  });
  const converted = new Map<string, string>();
  const sqlFor = (sql: string): string => {
    let s = converted.get(sql);
    if (s === undefined) {
      s = toDollar(sql);
      converted.set(sql, s);
    }
    return s;
  };

  let rlsActive = false;
  let closed = false;
  const remoteListeners = new Set<(note: RemoteNote) => void>();
  let listenClient: pg.Client | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  /** True while the `LISTEN` connection is up: only then may the store trust its caches. */
  let listenReady = false;

  async function startListening(): Promise<void> {
    if (closed || listenClient) return;
    // TCP keep-alive so that a silently dead connection is noticed (then: reconnect, caches off)
    const c = new pg.Client({ ...clientConfig, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    listenClient = c;
    const retry = (): void => {
      if (listenClient !== c) return; // a client already replaced (its late "end")
      listenClient = undefined;
      listenReady = false;
      c.end().catch(() => undefined);
      if (closed || reconnectTimer) return;
      reconnectTimer = setTimeout(() => {
        reconnectTimer = undefined;
        startListening()
          .then(() => {
            // announcements may have been missed while disconnected: drop caches, wake waiters
            for (const l of [...remoteListeners]) l({ type: "reset" });
          })
          .catch(() => undefined);
      }, 1000);
      reconnectTimer.unref();
    };
    c.on("error", retry);
    c.on("end", retry);
    c.on("notification", (msg) => {
      if (msg.channel !== channel) return;
      const note = parseNote(msg.payload ?? "");
      for (const l of [...remoteListeners]) l(note);
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${channel}"`);
      if (listenClient === c) listenReady = true;
    } catch (e) {
      retry();
      throw e;
    }
  }

  /** `BEGIN` and the per-transaction scope of user `uid` (an integer we made): two statements. */
  const scopeSql = (uid: number): string =>
    rlsActive
      ? `BEGIN; SELECT set_config('skillsync.user_id', '${uid}', true), set_config('role', '${APP_ROLE}', true)`
      : `BEGIN; SELECT set_config('skillsync.user_id', '${uid}', true)`;

  /**
   * Scoped reads asked in the same turn of the event loop (an SSE wake-up asks one per user) are sent
   * together: up to {@link SCOPED_BATCH} transactions — each its own `BEGIN`, user scope, statement and
   * `COMMIT`, so row-level security scopes each to its user — in one simple-query message, one round
   * trip instead of one each (issue 13). When any statement of a message fails, PostgreSQL skips the
   * rest of it; the message's reads are then run again one per message, so each gets its own result
   * or error.
   */
  interface ScopedRead {
    userId: number;
    inlined: string;
    resolve: (rows: unknown[]) => void;
    reject: (e: unknown) => void;
  }
  let scopedQueue: ScopedRead[] = [];
  const scopedStats = { reads: 0, messages: 0 };
  let scopedFlushScheduled = false;
  const scopedMessage = (reads: readonly ScopedRead[]): string =>
    reads.map((r) => `${scopeSql(r.userId)}; ${r.inlined}; COMMIT`).join("; ");
  /** Runs `reads` in one message on one connection; throws the first error (nothing resolved then). */
  const runScoped = async (reads: readonly ScopedRead[]): Promise<unknown[][]> => {
    const client = await pool.connect();
    let broken = false;
    scopedStats.reads += reads.length;
    scopedStats.messages++;
    try {
      const out = (await client.query(scopedMessage(reads))) as unknown as pg.QueryResult | pg.QueryResult[];
      const results = Array.isArray(out) ? out : [out];
      // four results per read: BEGIN, the scope's SELECT, the statement, COMMIT
      return reads.map((_, i) => results[i * 4 + 2]!.rows as unknown[]);
    } catch (e) {
      broken = await rollbackFailed(client);
      throw e;
    } finally {
      client.release(broken);
    }
  };
  const flushScoped = (): void => {
    scopedFlushScheduled = false;
    const all = scopedQueue;
    scopedQueue = [];
    for (let i = 0; i < all.length; i += SCOPED_BATCH) {
      const batch = all.slice(i, i + SCOPED_BATCH);
      runScoped(batch).then(
        (rows) => {
          for (const [j, r] of batch.entries()) r.resolve(rows[j]!);
        },
        (e: unknown) => {
          if (batch.length === 1) batch[0]!.reject(e);
          else
            for (const r of batch)
              runScoped([r]).then(
                (rows) => r.resolve(rows[0]!),
                (err: unknown) => r.reject(err),
              );
        },
      );
    }
  };

  const driver: SqlDriver = {
    dialect: "postgres",
    async tx<T>(fn: (q: SqlQueryer) => Promise<T>, o: { userId?: number; write?: boolean } = {}): Promise<T> {
      const client = await pool.connect();
      const q: SqlQueryer = {
        async all<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
          return (await client.query(sqlFor(sql), params as unknown[])).rows as R[];
        },
        async run(sql: string, params: readonly unknown[] = []): Promise<number> {
          return (await client.query(sqlFor(sql), params as unknown[])).rowCount ?? 0;
        },
      };
      let broken = false;
      if (o.userId === undefined && !o.write) {
        // Unscoped reads are single statements: no transaction needed.
        try {
          return await fn(q);
        } finally {
          client.release();
        }
      }
      try {
        // One round trip: BEGIN and the per-transaction settings (the id is an integer we made).
        if (o.userId === undefined) await client.query("BEGIN");
        else {
          await client.query(scopeSql(Math.trunc(o.userId)));
        }
        const out = await fn(q);
        await client.query("COMMIT");
        return out;
      } catch (e) {
        broken = await rollbackFailed(client);
        throw e;
      } finally {
        client.release(broken);
      }
    },
    scopedRead<T>(userId: number, sql: string, params: readonly number[]): Promise<T[]> {
      let n = 0;
      const inlined = sql.replace(/\?/g, () => {
        const v = params[n++];
        if (v === undefined || !Number.isSafeInteger(v))
          throw new Error("scopedRead takes safe integers only");
        return String(v);
      });
      return new Promise<T[]>((resolve, reject) => {
        scopedQueue.push({
          userId: Math.trunc(userId),
          inlined,
          resolve: resolve as (r: unknown[]) => void,
          reject,
        });
        if (!scopedFlushScheduled) {
          scopedFlushScheduled = true;
          setImmediate(flushScoped);
        }
      });
    },
    async lockFeed(q) {
      await q.all("SELECT pg_advisory_xact_lock(hashtext('skillsync-feed:' || current_schema()))");
    },
    async notify(q, cursor, ownerId) {
      await q.all("SELECT pg_notify(?, ?)", [channel, `${cursor}:${ownerId}`]);
    },
    async notifyAuth(q) {
      await q.all("SELECT pg_notify(?, 'auth')", [channel]);
    },
    writtenElsewhere: () => false,
    hearsOthers: () => listenReady,
    listen(listener) {
      remoteListeners.add(listener);
      return () => {
        remoteListeners.delete(listener);
      };
    },
    async migrate() {
      const c = await pool.connect();
      try {
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await c.query("BEGIN");
        await c.query("SELECT pg_advisory_xact_lock(hashtext('skillsync-migrate:' || current_schema()))");
        await c.query("CREATE TABLE IF NOT EXISTS hub_schema (version integer NOT NULL)");
        const r = await c.query<{ version: number }>("SELECT version FROM hub_schema");
        const row = r.rows[0];
        const have = row?.version ?? 0;
        if (have > POSTGRES_MIGRATIONS.length)
          throw new SkillsyncError(
            "UNSUPPORTED_VERSION",
            `hub database schema version ${have} is newer than this skillsync knows (${POSTGRES_MIGRATIONS.length}); upgrade skillsync`,
          );
        for (let v = have; v < POSTGRES_MIGRATIONS.length; v++) await c.query(POSTGRES_MIGRATIONS[v]!);
        if (row === undefined)
          await c.query("INSERT INTO hub_schema (version) VALUES ($1)", [POSTGRES_MIGRATIONS.length]);
        else await c.query("UPDATE hub_schema SET version = $1", [POSTGRES_MIGRATIONS.length]);
        await c.query("COMMIT");
      } catch (e) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
      // Role DDL from several processes at once can fail with "tuple concurrently updated": retry.
      for (let attempt = 0; attempt < 5; attempt++) {
        const r = await setUpAppRole(pool, schema);
        if (r !== "retry") {
          rlsActive = r;
          break;
        }
        await new Promise((res) => setTimeout(res, 50 + Math.random() * 200));
      }
      await startListening();
    },
    async close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const lc = listenClient;
      listenClient = undefined;
      await lc?.end().catch(() => undefined);
      await pool.end();
    },
  };
  const store = createSqlHubStore(driver);
  Object.defineProperty(store, "rlsActive", { get: () => rlsActive, enumerable: true });
  Object.defineProperty(store, "schema", { value: schema, enumerable: true });
  Object.defineProperty(store, "scopedStats", { value: scopedStats, enumerable: true });
  Object.defineProperty(store, "driver", { value: driver });
  return store as PostgresHubStore;
}

/**
 * Creates {@link APP_ROLE} (NOLOGIN) when missing, lets the current login assume it, and grants it
 * what the hub needs in `schema` (never the tokens table). Idempotent; run at every start.
 * @returns true when the current login can assume the role (row-level security then applies), false
 *   when it lacks the privilege, "retry" after a transient error (concurrent role DDL)
 */
async function setUpAppRole(pool: pg.Pool, schema: string): Promise<boolean | "retry"> {
  const c = await pool.connect();
  try {
    try {
      await c.query(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          CREATE ROLE ${APP_ROLE} NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    } catch (e) {
      // no CREATEROLE: run without the database-side wall
      return (e as { code?: string }).code === "42501" ? false : "retry";
    }
    try {
      const member = await c.query<{ ok: boolean }>("SELECT pg_has_role(current_user, $1, 'MEMBER') AS ok", [
        APP_ROLE,
      ]);
      if (!member.rows[0]?.ok) await c.query(`GRANT ${APP_ROLE} TO current_user`);
      await c.query(`GRANT USAGE ON SCHEMA ${schema} TO ${APP_ROLE}`);
      await c.query(`GRANT SELECT ON principals, memberships TO ${APP_ROLE}`);
      await c.query(`GRANT SELECT, INSERT, UPDATE ON artifacts TO ${APP_ROLE}`);
      await c.query(`GRANT SELECT, INSERT ON artifact_versions, changes, blobs TO ${APP_ROLE}`);
      await c.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${APP_ROLE}`);
      await c.query(`REVOKE ALL ON tokens, hub_schema FROM ${APP_ROLE}`);
      const ok = await c.query<{ ok: boolean }>("SELECT pg_has_role(current_user, $1, 'MEMBER') AS ok", [
        APP_ROLE,
      ]);
      return Boolean(ok.rows[0]?.ok);
    } catch (e) {
      return (e as { code?: string }).code === "42501" ? false : "retry";
    }
  } finally {
    c.release();
  }
}

/**
 * Puts the hub app on a TCP socket with @hono/node-server, and opens a store from a `--db` value.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { SkillsyncError } from "../core/errors.js";
import { createHubApp, type HubAppOptions } from "./app.js";
import type { HubStore } from "./store/types.js";

/** Options of {@link startHubServer}: the app's options plus where to listen. */
export interface HubServerOptions extends HubAppOptions {
  /** Interface to bind, default `127.0.0.1`. */
  host?: string;
  /** TCP port, default 7070; `0` picks a free one. */
  port?: number;
}

/** A listening hub. */
export interface RunningHub {
  /** `http://HOST:PORT` (IPv6 hosts in brackets). */
  url: string;
  port: number;
  /** Ends streams, stops listening, closes connections. Does not close the store. */
  close(): Promise<void>;
}

/**
 * Starts the hub on `host:port` and resolves once it listens.
 * @throws SkillsyncError USAGE when the port is taken or the address cannot be bound
 */
export async function startHubServer(opts: HubServerOptions): Promise<RunningHub> {
  const host = opts.host ?? "127.0.0.1";
  const hub = createHubApp(opts);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: hub.app.fetch, hostname: host, port: opts.port ?? 7070 }) as Server;
    s.once("listening", () => resolve(s));
    s.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        new SkillsyncError(
          "USAGE",
          e.code === "EADDRINUSE"
            ? `port ${opts.port} on ${host} is already in use; pick another with --port (0 picks a free one)`
            : `cannot listen on ${host}:${opts.port}: ${e.message}`,
        ),
      ),
    );
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    port,
    async close() {
      hub.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        setTimeout(() => server.closeAllConnections(), 100).unref();
        server.closeIdleConnections();
      });
    },
  };
}

/** `--db` as it may be shown: the store kind and place, never a password. */
export function describeDb(db: string | undefined, defaultSqlitePath: string): string {
  const value = db ?? `sqlite:${defaultSqlitePath}`;
  if (/^postgres(ql)?:\/\//.test(value)) {
    try {
      const u = new URL(value);
      return `postgres://${u.username ? `${decodeURIComponent(u.username)}@` : ""}${u.host}${u.pathname}`;
    } catch {
      return "postgres://(unparsable URL)";
    }
  }
  return value.startsWith("sqlite:") ? value : `sqlite:${value}`;
}

/**
 * Opens the store for `db` and runs its migrations.
 * @throws SkillsyncError REMOTE when the database cannot be reached or opened (message names the
 *   database without its password), UNSUPPORTED_VERSION for a schema newer than this skillsync
 */
export async function openMigratedHubStore(
  db: string | undefined,
  defaultSqlitePath: string,
): Promise<HubStore> {
  let store: HubStore | undefined;
  try {
    store = await openHubStore(db, defaultSqlitePath);
    await store.migrate();
    return store;
  } catch (e) {
    await store?.close().catch(() => undefined);
    if (e instanceof SkillsyncError) throw e;
    throw new SkillsyncError(
      "REMOTE",
      `cannot open the hub database ${describeDb(db, defaultSqlitePath)}: ${(e as Error).message}; check --db and that the database is running`,
      { cause: e },
    );
  }
}

/**
 * Opens (without migrating) the store named by a `--db` value: `sqlite:PATH`, a path ending in
 * `.db`/`.sqlite`, or `postgres://…` / `postgresql://…` (extra query parameters: `schema=NAME`,
 * `pool_max=N` connections, default 10). Drivers are imported only when needed.
 * @param db the `--db` value, or undefined for `defaultSqlitePath`
 * @throws SkillsyncError USAGE for anything else
 */
export async function openHubStore(db: string | undefined, defaultSqlitePath: string): Promise<HubStore> {
  const value = db ?? `sqlite:${defaultSqlitePath}`;
  if (/^postgres(ql)?:\/\//.test(value)) {
    const { createPostgresHubStore } = await import("./store/postgres.js");
    const url = new URL(value);
    const schema = url.searchParams.get("schema") ?? undefined;
    const pool = url.searchParams.get("pool_max") ?? undefined;
    url.searchParams.delete("schema");
    url.searchParams.delete("pool_max");
    if (pool !== undefined && !/^[1-9]\d{0,3}$/.test(pool))
      throw new SkillsyncError("USAGE", `pool_max in --db must be a whole number 1-9999, got '${pool}'`);
    return createPostgresHubStore({
      url: url.toString(),
      ...(schema ? { schema } : {}),
      ...(pool ? { maxConnections: Number(pool) } : {}),
    });
  }
  let path: string | undefined;
  if (value.startsWith("sqlite:")) path = value.slice("sqlite:".length);
  else if (/\.(db|sqlite3?)$/.test(value)) path = value;
  if (!path)
    throw new SkillsyncError(
      "USAGE",
      `--db '${value}' is neither sqlite:PATH nor postgres://USER@HOST:PORT/DB; e.g. --db sqlite:/srv/hub.db`,
    );
  const { createSqliteHubStore } = await import("./store/sqlite.js");
  return createSqliteHubStore({ path });
}

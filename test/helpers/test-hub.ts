/**
 * Test helper: a real hub on loopback port 0 over a fresh SQLite file or PostgreSQL schema, with
 * users, teams and tokens made up front. Used by the hub's and the hub client's tests and the
 * benchmark; cleans up everything it made in `close()`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HubAppOptions } from "../../src/hub/app.js";
import { generateToken } from "../../src/hub/auth.js";
import { type RunningHub, startHubServer } from "../../src/hub/server.js";
import type { HubStore, TeamRole } from "../../src/hub/store/types.js";

/** Options of {@link startTestHub}. */
export interface TestHubOptions {
  /** `sqlite` (default) or a PostgreSQL URL (a fresh schema is made and dropped). */
  backend?: "sqlite" | { postgres: string };
  users?: string[];
  teams?: { name: string; members: { user: string; role: TeamRole }[] }[];
  /** App options other than the store. */
  app?: Omit<HubAppOptions, "store">;
  /** Reuse this store instead of making one (it is not closed by `close()`). */
  store?: HubStore;
}

/** A running test hub. */
export interface TestHub {
  url: string;
  port: number;
  store: HubStore;
  /** A valid token for each user in `users`. */
  tokens: Record<string, string>;
  /** Makes another token for `user`. */
  newToken(user: string, expiresAt?: string | null): Promise<{ token: string; id: string }>;
  /** Stops the server; closes and deletes the store unless it was handed in. */
  close(): Promise<void>;
}

/** Starts a hub on 127.0.0.1:0. */
export async function startTestHub(opts: TestHubOptions = {}): Promise<TestHub> {
  let store = opts.store;
  let cleanup = async (): Promise<void> => {};
  if (!store) {
    const backend = opts.backend ?? "sqlite";
    if (backend === "sqlite") {
      const dir = mkdtempSync(join(tmpdir(), "skillsync-hub-"));
      const { createSqliteHubStore } = await import("../../src/hub/store/sqlite.js");
      const s = createSqliteHubStore({ path: join(dir, "hub.db") });
      store = s;
      cleanup = async () => {
        await s.close();
        rmSync(dir, { recursive: true, force: true });
      };
    } else {
      const { createPostgresHubStore } = await import("../../src/hub/store/postgres.js");
      const { dropSchema, freshSchemaName } = await import("./pg-test-schema.js");
      const schema = freshSchemaName();
      const s = createPostgresHubStore({ url: backend.postgres, schema, maxConnections: 5 });
      store = s;
      cleanup = async () => {
        await s.close();
        await dropSchema(backend.postgres, schema);
      };
    }
    await store.migrate();
  }
  const now = new Date().toISOString();
  const tokens: Record<string, string> = {};
  const newToken = async (user: string, expiresAt: string | null = null) => {
    const t = generateToken();
    await store.createToken({ user, id: t.id, hash: t.hash, now, expires_at: expiresAt });
    return { token: t.token, id: t.id };
  };
  for (const u of opts.users ?? []) {
    if (!(await store.getPrincipal(u))) await store.addUser(u, now);
    tokens[u] = (await newToken(u)).token;
  }
  for (const t of opts.teams ?? []) {
    if (!(await store.getPrincipal(t.name))) await store.addTeam(t.name, now);
    for (const m of t.members) await store.addMember({ team: t.name, user: m.user, role: m.role });
  }
  let running: RunningHub;
  try {
    running = await startHubServer({ ...opts.app, store, host: "127.0.0.1", port: 0 });
  } catch (e) {
    await cleanup();
    throw e;
  }
  return {
    url: running.url,
    port: running.port,
    store,
    tokens,
    newToken,
    async close() {
      await running.close();
      await cleanup();
    },
  };
}

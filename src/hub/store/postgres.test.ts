import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerHubStoreConformance } from "../../../test/helpers/hub-store-conformance.js";
import {
  dropSchema,
  freshSchemaName,
  PG_SKIP_REASON,
  TEST_PG_URL,
} from "../../../test/helpers/pg-test-schema.js";
import { APP_ROLE, createPostgresHubStore, type PostgresHubStore } from "./postgres.js";
import type { Viewer } from "./types.js";

const url = TEST_PG_URL;

if (!url) {
  describe.skip(PG_SKIP_REASON, () => {
    it("runs the hub store conformance suite on PostgreSQL", () => {});
  });
} else {
  registerHubStoreConformance("postgres", async () => {
    const schema = freshSchemaName();
    const store = createPostgresHubStore({ url, schema, maxConnections: 4 });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(url, schema);
      },
    };
  });

  describe("hub store on PostgreSQL: row-level security and LISTEN/NOTIFY", () => {
    const schema = freshSchemaName();
    const probeRole = `skillsync_probe_${randomBytes(4).toString("hex")}`;
    let a: PostgresHubStore;
    let b: PostgresHubStore;
    const now = "2026-01-01T00:00:00.000Z";

    async function viewer(store: PostgresHubStore, user: string): Promise<Viewer> {
      const secret = randomBytes(8).toString("hex");
      const hash = createHash("sha256").update(secret).digest("hex");
      await store.createToken({ user, id: `tok_${secret}`, hash, now, expires_at: null });
      const v = await store.viewerForToken(hash, now);
      if (!v) throw new Error("no viewer");
      return v;
    }

    beforeAll(async () => {
      a = createPostgresHubStore({ url, schema, maxConnections: 3 });
      b = createPostgresHubStore({ url, schema, maxConnections: 3 });
      await a.migrate();
      await b.migrate();
      for (const u of ["alice", "bob", "rita"]) await a.addUser(u, now);
      await a.addTeam("acme", now);
      await a.addMember({ team: "acme", user: "rita", role: "reader" });
      await a.addMember({ team: "acme", user: "bob", role: "writer" });
      const alice = await viewer(a, "alice");
      const bob = await viewer(a, "bob");
      const file = (t: string) => [{ path: "SKILL.md", mode: "644" as const, data: Buffer.from(t) }];
      await a.putArtifact(alice, {
        key: { owner: "alice", kind: "skill", name: "mine" },
        precondition: { ifNoneMatch: "*" },
        version: "",
        files: file("a"),
        now,
      });
      await a.putArtifact(bob, {
        key: { owner: "bob", kind: "skill", name: "bobs" },
        precondition: { ifNoneMatch: "*" },
        version: "",
        files: file("b"),
        now,
      });
      await a.putArtifact(bob, {
        key: { owner: "acme", kind: "skill", name: "shared" },
        precondition: { ifNoneMatch: "*" },
        version: "",
        files: file("t"),
        now,
      });
    });

    afterAll(async () => {
      await a?.close();
      await b?.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP ROLE IF EXISTS ${probeRole}`).catch(() => undefined);
      await c.end();
      await dropSchema(url, schema);
    });

    it("runs user-scoped queries under the app role", () => {
      expect(a.rlsActive).toBe(true);
    });

    it("sends concurrent user-scoped reads in one message, each scoped to its own user", async () => {
      // a fresh process: nothing cached, so every read goes to the database
      const c = createPostgresHubStore({ url, schema, maxConnections: 2 });
      try {
        await c.migrate();
        const users = ["alice", "bob", "rita"] as const;
        const viewers = await Promise.all(users.map((u) => viewer(c, u)));
        // the first round also loads each owner's head cursor; the second goes straight to the reads,
        // as an SSE wake-up does
        await Promise.all(viewers.map((v) => c.changes(v, { after: 0, limit: 100 })));
        const before = { ...c.scopedStats };
        const pages = await Promise.all(viewers.map((v) => c.changes(v, { after: 0, limit: 100 })));
        const names = pages.map((p) => [...new Set(p.changes.map((x) => x.name))].sort());
        expect(names).toEqual([["mine"], ["bobs", "shared"], ["shared"]]);
        expect(c.scopedStats.reads - before.reads).toBe(3);
        expect(c.scopedStats.messages - before.messages).toBe(1);
      } finally {
        await c.close();
      }
    });

    it("runs a message's reads again one per message when one of them fails, each with its own answer", async () => {
      const c = createPostgresHubStore({ url, schema, maxConnections: 2 });
      try {
        await c.migrate();
        const [alice, bob] = await Promise.all([viewer(c, "alice"), viewer(c, "bob")]);
        const names = "SELECT name FROM artifacts ORDER BY name";
        // Each alone first (one message each): what the batched reads must answer.
        const aliceAlone = await c.driver.scopedRead(alice.user.id, names, []);
        const bobAlone = await c.driver.scopedRead(bob.user.id, names, []);
        expect(aliceAlone).toEqual([{ name: "mine" }]);
        expect(bobAlone).not.toEqual(aliceAlone);
        const before = { ...c.scopedStats };
        // Asked in one turn: one message, in which the second statement fails (division by zero).
        const [ra, rb, rc] = await Promise.allSettled([
          c.driver.scopedRead(alice.user.id, names, []),
          c.driver.scopedRead(bob.user.id, "SELECT 1 / (? - 1) AS x", [1]),
          c.driver.scopedRead(bob.user.id, names, []),
        ]);
        expect(ra).toEqual({ status: "fulfilled", value: aliceAlone });
        expect(rb.status).toBe("rejected");
        expect(String((rb as PromiseRejectedResult).reason)).toMatch(/division by zero/);
        expect(rc).toEqual({ status: "fulfilled", value: bobAlone });
        // The failed message, then each of its three reads again on its own.
        expect(c.scopedStats.messages - before.messages).toBe(4);
        expect(c.scopedStats.reads - before.reads).toBe(6);
        // The connections are usable afterwards (the failed transaction was rolled back).
        expect(await c.driver.scopedRead(alice.user.id, names, [])).toEqual(aliceAlone);
      } finally {
        await c.close();
      }
    });

    it("lets a restricted role see only the rows its user may see, and write only where allowed", async () => {
      const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await c.connect();
      try {
        await c.query(`CREATE ROLE ${probeRole} NOLOGIN`);
        await c.query(`GRANT ${APP_ROLE} TO ${probeRole}`);
        const ids = new Map<string, number>();
        for (const r of (await c.query<{ id: number; name: string }>("SELECT id, name FROM principals")).rows)
          ids.set(r.name, r.id);
        const visibleAs = async (user: string, table: string): Promise<string[]> => {
          await c.query("BEGIN");
          try {
            await c.query(`SET LOCAL ROLE ${probeRole}`);
            await c.query("SELECT set_config('skillsync.user_id', $1, true)", [String(ids.get(user))]);
            const col = table === "changes" ? "name" : table === "artifacts" ? "name" : "artifact_id::text";
            const rows = await c.query<{ v: string }>(`SELECT ${col} AS v FROM ${table} ORDER BY 1`);
            return rows.rows.map((r) => r.v);
          } finally {
            await c.query("ROLLBACK");
          }
        };
        expect(await visibleAs("alice", "artifacts")).toEqual(["mine"]);
        expect(await visibleAs("bob", "artifacts")).toEqual(["bobs", "shared"]);
        expect(await visibleAs("rita", "artifacts")).toEqual(["shared"]);
        expect(await visibleAs("rita", "changes")).toEqual(["shared"]);
        expect((await visibleAs("alice", "artifact_versions")).length).toBe(1);
        // No user set: nothing at all.
        await c.query("BEGIN");
        await c.query(`SET LOCAL ROLE ${probeRole}`);
        expect((await c.query("SELECT * FROM artifacts")).rows).toEqual([]);
        await expect(c.query("SELECT * FROM tokens")).rejects.toThrow(/permission denied/);
        await c.query("ROLLBACK");
        // A team reader cannot insert or update the team's rows.
        const tryWrite = async (user: string, sql: string, params: unknown[]): Promise<string> => {
          await c.query("BEGIN");
          try {
            await c.query(`SET LOCAL ROLE ${probeRole}`);
            await c.query("SELECT set_config('skillsync.user_id', $1, true)", [String(ids.get(user))]);
            const r = await c.query(sql, params);
            return `ok:${r.rowCount}`;
          } catch (e) {
            return `error:${(e as Error).message}`;
          } finally {
            await c.query("ROLLBACK");
          }
        };
        const insert =
          "INSERT INTO artifacts (owner_id, kind, name, version, tree_hash, revision, created_at, updated_at, updated_by) VALUES ($1, 'skill', 'x', '', '', 1, '', '', '')";
        expect(await tryWrite("rita", insert, [ids.get("acme")])).toMatch(/row-level security/);
        expect(await tryWrite("alice", insert, [ids.get("bob")])).toMatch(/row-level security/);
        expect(await tryWrite("bob", insert, [ids.get("acme")])).toBe("ok:1");
        expect(await tryWrite("rita", "UPDATE artifacts SET version = 'x'", [])).toBe("ok:0");
        expect(await tryWrite("alice", "UPDATE artifacts SET version = 'x'", [])).toBe("ok:1");
      } finally {
        await c.end();
      }
    });

    it("announces a write made through one process to listeners of another within a second", async () => {
      const alice = await viewer(a, "alice");
      const heard = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no NOTIFY within 1 s")), 1000);
        const off = b.onChange((cursor) => {
          clearTimeout(timer);
          off();
          resolve(cursor);
        });
      });
      const r = await a.putArtifact(alice, {
        key: { owner: "alice", kind: "skill", name: "mine" },
        precondition: { ifMatch: 1 },
        version: "2",
        files: [{ path: "SKILL.md", mode: "644", data: Buffer.from("a2") }],
        now,
      });
      expect(r.status).toBe("ok");
      expect(await heard).toBe(await b.headCursor());
    });
  });
}

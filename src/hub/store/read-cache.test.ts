import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dropSchema, freshSchemaName, TEST_PG_URL } from "../../../test/helpers/pg-test-schema.js";
import { createPostgresHubStore, parseNote } from "./postgres.js";
import { OwnerHeads, ViewerCache } from "./read-cache.js";
import type { SqlHubStore } from "./sql-store.js";
import { createSqliteHubStore } from "./sqlite.js";
import type { Viewer } from "./types.js";

const NOW = "2026-12-06T00:00:00.000Z";

/** Two stores on one database (two hub processes, or a hub and the admin CLI). */
interface Pair {
  a: SqlHubStore;
  b: SqlHubStore;
  cleanup(): Promise<void>;
}

const backends: { name: string; open: () => Promise<Pair> }[] = [
  {
    name: "sqlite",
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), "skillsync-hub-cache-"));
      const a = createSqliteHubStore({ path: join(dir, "hub.db") }) as SqlHubStore;
      await a.migrate();
      const b = createSqliteHubStore({ path: join(dir, "hub.db") }) as SqlHubStore;
      await b.migrate();
      return {
        a,
        b,
        cleanup: async () => {
          await a.close();
          await b.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];
const pgUrl = TEST_PG_URL;
if (pgUrl)
  backends.push({
    name: "postgres",
    open: async () => {
      const schema = freshSchemaName();
      const a = createPostgresHubStore({ url: pgUrl, schema, maxConnections: 2 });
      await a.migrate();
      const b = createPostgresHubStore({ url: pgUrl, schema, maxConnections: 2 });
      await b.migrate();
      return {
        a,
        b,
        cleanup: async () => {
          await a.close();
          await b.close();
          await dropSchema(pgUrl, schema);
        },
      };
    },
  });

/** Waits (bounded: 200 tries, 10 ms apart) until `probe` holds; NOTIFY arrives asynchronously. */
async function eventually(probe: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

async function token(store: SqlHubStore, user: string): Promise<{ id: string; hash: string }> {
  const secret = randomBytes(8).toString("hex");
  const hash = createHash("sha256").update(secret).digest("hex");
  await store.createToken({ user, id: `tok_${secret.slice(0, 8)}`, hash, now: NOW, expires_at: null });
  return { id: `tok_${secret.slice(0, 8)}`, hash };
}

function skill(text: string) {
  return [{ path: "SKILL.md", mode: "644" as const, data: Buffer.from(text) }];
}

for (const backend of backends) {
  describe(`hub store read caches (${backend.name})`, () => {
    let pair: Pair | undefined;
    afterEach(async () => {
      await pair?.cleanup();
      pair = undefined;
    });

    it("a revoked token stops resolving, whether this store or another one revoked it", async () => {
      pair = await backend.open();
      const { a, b } = pair;
      await a.addUser("alice", NOW);
      const t1 = await token(a, "alice");
      const t2 = await token(a, "alice");
      expect(await a.viewerForToken(t1.hash, NOW)).toBeDefined(); // now cached
      expect(await a.viewerForToken(t2.hash, NOW)).toBeDefined();
      expect(await a.revokeToken(t1.id, NOW)).toBe(true);
      expect(await a.viewerForToken(t1.hash, NOW)).toBeUndefined();
      expect(await a.viewerForToken(t2.hash, NOW)).toBeDefined(); // cached again
      // revoked through a second store on the same database (the admin CLI, another hub process)
      expect(await b.revokeToken(t2.id, NOW)).toBe(true);
      expect(await eventually(async () => (await a.viewerForToken(t2.hash, NOW)) === undefined)).toBe(true);
    });

    it("a membership added elsewhere shows in the viewer's teams", async () => {
      pair = await backend.open();
      const { a, b } = pair;
      await a.addUser("bob", NOW);
      await a.addTeam("acme", NOW);
      const t = await token(a, "bob");
      expect((await a.viewerForToken(t.hash, NOW))?.teams).toEqual([]);
      await b.addMember({ team: "acme", user: "bob", role: "writer" });
      expect(
        await eventually(async () => (await a.viewerForToken(t.hash, NOW))?.teams[0]?.role === "writer"),
      ).toBe(true);
    });

    it("a cached token still expires on time", async () => {
      pair = await backend.open();
      const { a } = pair;
      await a.addUser("eve", NOW);
      const secret = randomBytes(8).toString("hex");
      const hash = createHash("sha256").update(secret).digest("hex");
      await a.createToken({
        user: "eve",
        id: "tok_eeeeeeee",
        hash,
        now: NOW,
        expires_at: "2026-12-07T00:00:00.000Z",
      });
      expect(await a.viewerForToken(hash, NOW)).toBeDefined();
      expect(await a.viewerForToken(hash, "2026-12-07T00:00:00.001Z")).toBeUndefined();
    });

    it("answers an idle poll from memory and still sees a change written by another store", async () => {
      pair = await backend.open();
      const { a, b } = pair;
      await a.addUser("carol", NOW);
      const t = await token(a, "carol");
      const va = (await a.viewerForToken(t.hash, NOW)) as Viewer;
      const vb = (await b.viewerForToken(t.hash, NOW)) as Viewer;
      const put = await a.putArtifact(va, {
        key: { owner: "carol", kind: "skill", name: "one" },
        precondition: { ifNoneMatch: "*" },
        version: "",
        files: skill("# one\n"),
        now: NOW,
      });
      expect(put.status).toBe("ok");
      const first = await a.changes(va, { after: 0, limit: 10 });
      expect(first.changes.map((c) => c.name)).toEqual(["one"]);
      const queries = a.feedStats.queries;
      const idle = await a.changes(va, { after: first.cursor, limit: 10 });
      expect(idle).toEqual({ changes: [], cursor: first.cursor, more: false });
      expect(a.feedStats.queries).toBe(queries); // no database query for "nothing new"
      expect(a.feedStats.fromMemory).toBeGreaterThan(0);
      await b.putArtifact(vb, {
        key: { owner: "carol", kind: "skill", name: "two" },
        precondition: { ifNoneMatch: "*" },
        version: "",
        files: skill("# two\n"),
        now: NOW,
      });
      expect(
        await eventually(async () => {
          const p = await a.changes(va, { after: first.cursor, limit: 10 });
          return p.changes.map((c) => c.name).join() === "two";
        }),
      ).toBe(true);
      expect(await a.headCursor(va)).toBeGreaterThan(first.cursor);
    });
  });
}

describe("read caches", () => {
  it("a viewer read before a clear is not stored; entries age out", () => {
    let ms = 0;
    const cache = new ViewerCache({ ttlMs: 1000, nowMs: () => ms });
    const v = {
      user: { id: 1, name: "u", type: "user", created_at: NOW },
      teams: [],
      token: { id: "tok_1", user_id: 1, created_at: NOW, expires_at: null, revoked_at: null },
    } satisfies Viewer;
    const epoch = cache.epoch;
    cache.clear();
    cache.set("h", v, epoch);
    expect(cache.get("h", NOW)).toBeUndefined();
    cache.set("h", v, cache.epoch);
    expect(cache.get("h", NOW)).toBe(v);
    ms = 1001;
    expect(cache.get("h", NOW)).toBeUndefined();
  });

  it("an owner head is never lowered by a load that read an older snapshot", () => {
    const heads = new OwnerHeads();
    expect(heads.headOf([7])).toBeUndefined();
    const epoch = heads.epoch;
    heads.advance(7, 12); // a commit lands while the load is reading
    heads.load([7], new Map([[7, 10]]), epoch);
    expect(heads.headOf([7])).toBe(12);
    heads.clear();
    heads.load([7], new Map([[7, 10]]), epoch); // started before the clear: ignored
    expect(heads.headOf([7])).toBeUndefined();
  });
});

describe("NOTIFY payloads", () => {
  it("parses changes with and without the owner, auth, and resets on anything else", () => {
    expect(parseNote("12:3")).toEqual({ type: "change", cursor: 12, ownerId: 3 });
    expect(parseNote("12")).toEqual({ type: "change", cursor: 12 });
    expect(parseNote("auth")).toEqual({ type: "auth" });
    expect(parseNote("12:x")).toEqual({ type: "reset" });
    expect(parseNote("")).toEqual({ type: "reset" });
  });
});

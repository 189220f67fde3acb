/**
 * The one conformance suite every {@link HubStore} must pass. `sqlite.test.ts` runs it always,
 * `postgres.test.ts` whenever `SKILLSYNC_TEST_PG` is set.
 *
 * @example registerHubStoreConformance("sqlite", async () => { const s = createSqliteHubStore({path}); return { store: s, cleanup: () => s.close() }; })
 */
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSkillsyncError } from "../../src/core/errors.js";
import { sha256Hex, treeHash } from "../../src/core/tree-hash.js";
import type { ArtifactKey, HubStore, StoredFile, Viewer } from "../../src/hub/store/types.js";

/** A fresh, empty store (not yet migrated) and how to dispose of it. */
export interface StoreUnderTest {
  store: HubStore;
  cleanup: () => Promise<void>;
}

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-02T00:00:00.000Z";
const LATER = "2027-01-01T00:00:00.000Z";

function files(text: string, extra: StoredFile[] = []): StoredFile[] {
  return [{ path: "SKILL.md", mode: "644", data: Buffer.from(text) }, ...extra];
}

function key(owner: string, name = "pdf"): ArtifactKey {
  return { owner, kind: "skill", name };
}

async function viewerFor(store: HubStore, user: string): Promise<Viewer> {
  if (!(await store.getPrincipal(user))) await store.addUser(user, T0);
  const secret = `secret-${user}-${Math.random()}`;
  const hash = createHash("sha256").update(secret).digest("hex");
  await store.createToken({
    user,
    id: `tok_${user}${Math.random().toString(16).slice(2, 8)}`,
    hash,
    now: T0,
    expires_at: null,
  });
  const v = await store.viewerForToken(hash, T0);
  if (!v) throw new Error("token did not resolve");
  return v;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isSkillsyncError(e) ? e.code : String(e)).toBe(code);
    return;
  }
  throw new Error(`expected SkillsyncError ${code}`);
}

/**
 * Registers the conformance tests for the store that `factory` makes (one fresh store per test).
 * @param label shown in the test names (e.g. "sqlite")
 */
export function registerHubStoreConformance(label: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`hub store conformance: ${label}`, () => {
    let sut: StoreUnderTest;
    let store: HubStore;
    beforeEach(async () => {
      sut = await factory();
      store = sut.store;
      await store.migrate();
    });
    afterEach(async () => {
      await sut.cleanup();
    });

    it("migrates idempotently and starts empty", async () => {
      await store.migrate();
      expect(await store.headCursor()).toBe(0);
    });

    it("keeps users and teams in one namespace", async () => {
      await store.addUser("alice", T0);
      await store.addTeam("acme", T0);
      await expectCode(store.addUser("acme", T0), "ALREADY_EXISTS");
      await expectCode(store.addTeam("alice", T0), "ALREADY_EXISTS");
      expect((await store.getPrincipal("acme"))?.type).toBe("team");
      expect(await store.getPrincipal("nobody")).toBeUndefined();
    });

    it("lists users, teams and token records for the admin", async () => {
      await store.addUser("bob", T0);
      await store.addUser("alice", T0);
      await store.addTeam("acme", T0);
      await store.addTeam("zeta", T0);
      await store.addMember({ team: "acme", user: "bob", role: "writer" });
      await store.addMember({ team: "acme", user: "alice", role: "reader" });
      expect(await store.listUsers()).toEqual([
        { name: "alice", created_at: T0, teams: [{ name: "acme", role: "reader" }] },
        { name: "bob", created_at: T0, teams: [{ name: "acme", role: "writer" }] },
      ]);
      expect(await store.listTeams()).toEqual([
        {
          name: "acme",
          created_at: T0,
          members: [
            { user: "alice", role: "reader" },
            { user: "bob", role: "writer" },
          ],
        },
        { name: "zeta", created_at: T0, members: [] },
      ]);
      await store.createToken({ user: "bob", id: "tok_b1", hash: sha256Hex("b1"), now: T0, expires_at: T1 });
      await store.createToken({
        user: "alice",
        id: "tok_a1",
        hash: sha256Hex("a1"),
        now: T1,
        expires_at: null,
      });
      await store.revokeToken("tok_b1", T1);
      expect(await store.listTokens()).toEqual([
        {
          id: "tok_b1",
          user_id: expect.any(Number),
          user: "bob",
          created_at: T0,
          expires_at: T1,
          revoked_at: T1,
        },
        {
          id: "tok_a1",
          user_id: expect.any(Number),
          user: "alice",
          created_at: T1,
          expires_at: null,
          revoked_at: null,
        },
      ]);
      expect((await store.listTokens("alice")).map((t) => t.id)).toEqual(["tok_a1"]);
      expect(await store.listTokens("nobody")).toEqual([]);
      expect(JSON.stringify(await store.listTokens())).not.toContain(sha256Hex("a1"));
    });

    it("resolves tokens by hash and refuses expired, revoked and unknown ones", async () => {
      await store.addUser("alice", T0);
      const h1 = sha256Hex("one");
      const h2 = sha256Hex("two");
      const h3 = sha256Hex("three");
      await store.createToken({ user: "alice", id: "tok_one", hash: h1, now: T0, expires_at: null });
      await store.createToken({ user: "alice", id: "tok_two", hash: h2, now: T0, expires_at: T1 });
      await store.createToken({ user: "alice", id: "tok_three", hash: h3, now: T0, expires_at: null });
      expect((await store.viewerForToken(h1, T0))?.user.name).toBe("alice");
      expect((await store.viewerForToken(h2, T0))?.token.id).toBe("tok_two");
      expect(await store.viewerForToken(h2, LATER)).toBeUndefined();
      expect(await store.revokeToken("tok_one", T1)).toBe(true);
      expect(await store.viewerForToken(h1, T1)).toBeUndefined();
      expect(await store.revokeToken(h3, T1)).toBe(true);
      expect(await store.viewerForToken(h3, T1)).toBeUndefined();
      expect(await store.revokeToken("tok_nope", T1)).toBe(false);
      expect(await store.viewerForToken(sha256Hex("nope"), T0)).toBeUndefined();
      await expectCode(
        store.createToken({ user: "ghost", id: "tok_g", hash: sha256Hex("g"), now: T0, expires_at: null }),
        "NOT_FOUND",
      );
    });

    it("adds members with roles and refuses unknown teams or users", async () => {
      await store.addUser("alice", T0);
      await store.addTeam("acme", T0);
      await store.addMember({ team: "acme", user: "alice", role: "reader" });
      let v = await viewerFor(store, "alice");
      expect(v.teams.map((t) => [t.team.name, t.role])).toEqual([["acme", "reader"]]);
      await store.addMember({ team: "acme", user: "alice", role: "admin" });
      v = await viewerFor(store, "alice");
      expect(v.teams.map((t) => [t.team.name, t.role])).toEqual([["acme", "admin"]]);
      await expectCode(store.addMember({ team: "nope", user: "alice", role: "reader" }), "NOT_FOUND");
      await expectCode(store.addMember({ team: "acme", user: "nope", role: "reader" }), "NOT_FOUND");
      await expectCode(store.addMember({ team: "alice", user: "alice", role: "reader" }), "NOT_FOUND");
    });

    it("creates, reads back byte-for-byte, and computes the DESIGN tree hash", async () => {
      const alice = await viewerFor(store, "alice");
      const bin = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
      const fs = files("# pdf\n", [{ path: "scripts/run.sh", mode: "755", data: bin }]);
      const r = await store.putArtifact(alice, {
        key: key("alice"),
        precondition: { ifNoneMatch: "*" },
        version: "1.0.0",
        files: fs,
        now: T0,
      });
      expect(r.status).toBe("ok");
      const expected = treeHash(fs.map((f) => ({ path: f.path, mode: f.mode, sha: sha256Hex(f.data) })));
      if (r.status !== "ok") return;
      expect(r.artifact).toMatchObject({
        revision: 1,
        tree_hash: expected,
        version: "1.0.0",
        updated_by: "alice",
      });
      const got = await store.getArtifact(alice, key("alice"));
      expect(got?.tree_hash).toBe(expected);
      expect(got?.files.map((f) => [f.path, f.mode, f.data.toString("hex")])).toEqual(
        fs.map((f) => [f.path, f.mode, f.data.toString("hex")]),
      );
      expect(got?.created_at).toBe(T0);
    });

    it("enforces If-None-Match and If-Match, and treats an identical write as unchanged", async () => {
      const alice = await viewerFor(store, "alice");
      const put = (text: string, precondition: { ifNoneMatch: "*" } | { ifMatch: number }) =>
        store.putArtifact(alice, {
          key: key("alice"),
          precondition,
          version: "",
          files: files(text),
          now: T1,
        });
      expect((await put("a", { ifNoneMatch: "*" })).status).toBe("ok");
      expect(await put("b", { ifNoneMatch: "*" })).toEqual({ status: "conflict", current_revision: 1 });
      expect(await put("b", { ifMatch: 7 })).toEqual({ status: "conflict", current_revision: 1 });
      const before = await store.headCursor();
      const same = await put("a", { ifMatch: 0 });
      expect(same).toMatchObject({ status: "ok", unchanged: true });
      expect(await store.headCursor()).toBe(before);
      const r2 = await put("b", { ifMatch: 1 });
      expect(r2).toMatchObject({ status: "ok", unchanged: false, artifact: { revision: 2 } });
      expect(await store.headCursor()).toBe(before + 1);
      expect(
        await store.putArtifact(alice, {
          key: key("alice", "other"),
          precondition: { ifMatch: 1 },
          version: "",
          files: files("x"),
          now: T1,
        }),
      ).toEqual({ status: "conflict", current_revision: null });
    });

    it("keeps every version, tombstones deletes, and recreates after a delete", async () => {
      const alice = await viewerFor(store, "alice");
      const k = key("alice");
      await store.putArtifact(alice, {
        key: k,
        precondition: { ifNoneMatch: "*" },
        version: "1",
        files: files("v1"),
        now: T0,
      });
      await store.putArtifact(alice, {
        key: k,
        precondition: { ifMatch: 1 },
        version: "2",
        files: files("v2"),
        now: T1,
      });
      expect(await store.deleteArtifact(alice, { key: k, ifMatch: 1, now: T1 })).toEqual({
        status: "conflict",
        current_revision: 2,
      });
      const del = await store.deleteArtifact(alice, { key: k, ifMatch: 2, now: T1 });
      expect(del).toMatchObject({ status: "ok", artifact: { revision: 3 } });
      expect(await store.getArtifact(alice, k)).toBeUndefined();
      expect(await store.listArtifacts(alice, {})).toEqual([]);
      expect(await store.deleteArtifact(alice, { key: k, ifMatch: 3, now: T1 })).toEqual({
        status: "not_found",
      });
      const old = await store.getArtifact(alice, k, 1);
      expect(old?.files[0]?.data.toString()).toBe("v1");
      expect(old?.version).toBe("1");
      expect(await store.getArtifact(alice, k, 3)).toBeUndefined();
      expect(await store.getArtifact(alice, k, 99)).toBeUndefined();
      const vs = await store.listVersions(alice, k);
      expect(vs?.map((v) => [v.revision, v.op, v.version])).toEqual([
        [1, "put", "1"],
        [2, "put", "2"],
        [3, "delete", "2"],
      ]);
      const again = await store.putArtifact(alice, {
        key: k,
        precondition: { ifNoneMatch: "*" },
        version: "3",
        files: files("v3"),
        now: T1,
      });
      expect(again).toMatchObject({ status: "ok", artifact: { revision: 4 } });
      expect((await store.getArtifact(alice, k))?.files[0]?.data.toString()).toBe("v3");
    });

    it("numbers the change feed monotonically, includes deletes, and pages with more", async () => {
      const alice = await viewerFor(store, "alice");
      for (const n of ["a", "b", "c"])
        await store.putArtifact(alice, {
          key: key("alice", n),
          precondition: { ifNoneMatch: "*" },
          version: "",
          files: files(n),
          now: T0,
        });
      await store.deleteArtifact(alice, { key: key("alice", "b"), ifMatch: 1, now: T1 });
      const all = await store.changes(alice, { after: 0, limit: 100 });
      expect(all.more).toBe(false);
      expect(all.changes.map((c) => [c.op, c.name, c.revision])).toEqual([
        ["put", "a", 1],
        ["put", "b", 1],
        ["put", "c", 1],
        ["delete", "b", 2],
      ]);
      const cursors = all.changes.map((c) => c.cursor);
      expect([...cursors].sort((x, y) => x - y)).toEqual(cursors);
      expect(new Set(cursors).size).toBe(4);
      expect(all.cursor).toBe(cursors[3]);
      expect(await store.headCursor()).toBe(cursors[3]);
      const p1 = await store.changes(alice, { after: 0, limit: 2 });
      expect(p1.more).toBe(true);
      expect(p1.changes).toHaveLength(2);
      const p2 = await store.changes(alice, { after: p1.cursor, limit: 2 });
      expect(p2.changes.map((c) => c.name)).toEqual(["c", "b"]);
      expect(p2.more).toBe(false);
      const empty = await store.changes(alice, { after: all.cursor, limit: 100 });
      expect(empty).toEqual({ changes: [], cursor: all.cursor, more: false });
    });

    it("isolates users: another user's artifacts are absent everywhere", async () => {
      const alice = await viewerFor(store, "alice");
      const bob = await viewerFor(store, "bob");
      await store.putArtifact(alice, {
        key: key("alice"),
        precondition: { ifNoneMatch: "*" },
        version: "",
        files: files("a"),
        now: T0,
      });
      expect(await store.listArtifacts(bob, {})).toEqual([]);
      expect(await store.listArtifacts(bob, { owner: "alice" })).toEqual([]);
      expect(await store.getArtifact(bob, key("alice"))).toBeUndefined();
      expect(await store.getArtifact(bob, key("alice"), 1)).toBeUndefined();
      expect(await store.listVersions(bob, key("alice"))).toBeUndefined();
      expect((await store.changes(bob, { after: 0, limit: 100 })).changes).toEqual([]);
      expect(await store.headCursor(bob)).toBe(0);
      expect(await store.headCursor(alice)).toBe(await store.headCursor());
      for (const precondition of [{ ifNoneMatch: "*" as const }, { ifMatch: 1 }])
        expect(
          await store.putArtifact(bob, {
            key: key("alice"),
            precondition,
            version: "",
            files: files("evil"),
            now: T1,
          }),
        ).toEqual({ status: "not_found" });
      expect(await store.deleteArtifact(bob, { key: key("alice"), ifMatch: 1, now: T1 })).toEqual({
        status: "not_found",
      });
      expect(
        await store.putArtifact(bob, {
          key: key("ghost"),
          precondition: { ifNoneMatch: "*" },
          version: "",
          files: files("x"),
          now: T1,
        }),
      ).toEqual({ status: "not_found" });
      expect((await store.getArtifact(alice, key("alice")))?.files[0]?.data.toString()).toBe("a");
    });

    it("lets team readers read but not write, and writers write", async () => {
      await store.addTeam("acme", T0);
      const reader = await viewerFor(store, "rita");
      const writer = await viewerFor(store, "walt");
      const outsider = await viewerFor(store, "olga");
      await store.addMember({ team: "acme", user: "rita", role: "reader" });
      await store.addMember({ team: "acme", user: "walt", role: "writer" });
      const r = await viewerFor(store, "rita");
      const w = await viewerFor(store, "walt");
      expect(reader.teams).toEqual([]);
      expect(writer.teams).toEqual([]);
      const k = key("acme");
      expect(
        await store.putArtifact(r, {
          key: k,
          precondition: { ifNoneMatch: "*" },
          version: "",
          files: files("r"),
          now: T0,
        }),
      ).toEqual({ status: "forbidden" });
      expect(
        await store.putArtifact(w, {
          key: k,
          precondition: { ifNoneMatch: "*" },
          version: "",
          files: files("w"),
          now: T0,
        }),
      ).toMatchObject({ status: "ok" });
      expect((await store.getArtifact(r, k))?.files[0]?.data.toString()).toBe("w");
      expect((await store.listArtifacts(r, { owner: "acme" })).map((a) => a.name)).toEqual(["pdf"]);
      expect((await store.changes(r, { after: 0, limit: 10 })).changes.map((c) => c.owner)).toEqual(["acme"]);
      expect(await store.deleteArtifact(r, { key: k, ifMatch: 1, now: T1 })).toEqual({ status: "forbidden" });
      expect(await store.getArtifact(outsider, k)).toBeUndefined();
      expect(await store.listArtifacts(outsider, { owner: "acme" })).toEqual([]);
      expect(await store.deleteArtifact(w, { key: k, ifMatch: 1, now: T1 })).toMatchObject({ status: "ok" });
    });

    it("filters lists by owner and kind", async () => {
      const alice = await viewerFor(store, "alice");
      await store.putArtifact(alice, {
        key: key("alice", "one"),
        precondition: { ifNoneMatch: "*" },
        version: "",
        files: files("1"),
        now: T0,
      });
      await store.putArtifact(alice, {
        key: { owner: "alice", kind: "command", name: "deploy" },
        precondition: { ifNoneMatch: "*" },
        version: "",
        files: [{ path: "deploy.md", mode: "644", data: Buffer.from("d") }],
        now: T0,
      });
      expect((await store.listArtifacts(alice, {})).map((a) => `${a.kind}/${a.name}`)).toEqual([
        "command/deploy",
        "skill/one",
      ]);
      expect((await store.listArtifacts(alice, { kind: "skill" })).map((a) => a.name)).toEqual(["one"]);
      expect((await store.listArtifacts(alice, { owner: "alice", kind: "agent" })).length).toBe(0);
    });

    it("tells listeners about committed changes", async () => {
      const alice = await viewerFor(store, "alice");
      const heard: number[] = [];
      const off = store.onChange((c) => heard.push(c));
      await store.putArtifact(alice, {
        key: key("alice"),
        precondition: { ifNoneMatch: "*" },
        version: "",
        files: files("a"),
        now: T0,
      });
      const head = await store.headCursor();
      expect(heard).toContain(head);
      off();
      await store.putArtifact(alice, {
        key: key("alice"),
        precondition: { ifMatch: 1 },
        version: "",
        files: files("b"),
        now: T0,
      });
      expect(heard).not.toContain(head + 1);
    });

    it("lets exactly one of several concurrent writes on the same revision win", async () => {
      const alice = await viewerFor(store, "alice");
      await store.putArtifact(alice, {
        key: key("alice"),
        precondition: { ifNoneMatch: "*" },
        version: "",
        files: files("base"),
        now: T0,
      });
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((i) =>
          store.putArtifact(alice, {
            key: key("alice"),
            precondition: { ifMatch: 1 },
            version: "",
            files: files(`edit ${i}`),
            now: T1,
          }),
        ),
      );
      expect(results.filter((r) => r.status === "ok")).toHaveLength(1);
      expect(results.filter((r) => r.status === "conflict")).toHaveLength(4);
      expect((await store.listVersions(alice, key("alice")))?.length).toBe(2);
    });
  });
}

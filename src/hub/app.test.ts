import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PG_SKIP_REASON, TEST_PG_URL } from "../../test/helpers/pg-test-schema.js";
import { startTestHub, type TestHub } from "../../test/helpers/test-hub.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies here are checked by assertions
type Json = any;

interface Sse {
  next(timeoutMs?: number): Promise<{ event: string; id: string | undefined; data: string }>;
  close(): void;
}

/** Opens `GET /api/v1/events` and reads events one by one. */
async function openEvents(url: string, token: string, lastEventId?: number): Promise<Sse> {
  const ac = new AbortController();
  const res = await fetch(`${url}/api/v1/events`, {
    headers: {
      authorization: `Bearer ${token}`,
      ...(lastEventId !== undefined ? { "last-event-id": String(lastEventId) } : {}),
    },
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const queue: { event: string; id: string | undefined; data: string }[] = [];
  return {
    async next(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        const i = buffer.indexOf("\n\n");
        if (i >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const ev = { event: "message", id: undefined as string | undefined, data: "" };
          let any = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":") || line === "") continue;
            any = true;
            const [f, ...rest] = line.split(":");
            const v = rest.join(":").replace(/^ /, "");
            if (f === "event") ev.event = v;
            if (f === "id") ev.id = v;
            if (f === "data") ev.data = v;
          }
          if (any) queue.push(ev);
          continue;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error("no SSE event in time");
        const r = await Promise.race([
          reader.read(),
          new Promise<never>((_, rej) => setTimeout(() => rej(new Error("no SSE event in time")), left)),
        ]);
        if (r.done) throw new Error("stream ended");
        buffer += r.value;
      }
      return queue.shift()!;
    },
    close() {
      ac.abort();
    },
  };
}

const skillBody = (text: string, extra: object[] = []) =>
  JSON.stringify({
    version: "1",
    files: [{ path: "SKILL.md", data: Buffer.from(text).toString("base64") }, ...extra],
  });

const backends: { label: string; backend: "sqlite" | { postgres: string } }[] = [
  { label: "sqlite", backend: "sqlite" },
];
if (TEST_PG_URL) backends.push({ label: "postgres", backend: { postgres: TEST_PG_URL } });

for (const { label, backend } of backends) {
  describe(`hub API v1 on ${label}`, () => {
    let hub: TestHub;
    type Who = "alice" | "bob" | "rita" | "walt" | "nobody";
    const call = (
      who: Who | { token: string },
      method: string,
      path: string,
      init: { headers?: Record<string, string>; body?: string } = {},
    ) => {
      const token = typeof who === "string" ? (who === "nobody" ? undefined : hub.tokens[who]) : who.token;
      return fetch(`${hub.url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          "content-type": "application/json",
          ...init.headers,
        },
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
    };
    const snapshot = async (r: Response) => ({ status: r.status, body: await r.text() });

    beforeAll(async () => {
      hub = await startTestHub({
        backend,
        users: ["alice", "bob", "rita", "walt"],
        teams: [
          {
            name: "acme",
            members: [
              { user: "rita", role: "reader" },
              { user: "walt", role: "writer" },
            ],
          },
        ],
        app: { badTokens: { limit: 1000, windowMs: 60_000 } },
      });
    });
    afterAll(async () => {
      await hub?.close();
    });

    it("answers /healthz without a token and 401 everywhere else without one", async () => {
      expect((await (await fetch(`${hub.url}/healthz`)).json()) as Json).toEqual({ status: "ok" });
      for (const [m, p] of [
        ["GET", "/api/v1/me"],
        ["GET", "/api/v1/changes?after=0"],
        ["GET", "/api/v1/events"],
        ["GET", "/api/v1/artifacts"],
        ["GET", "/api/v1/artifacts/alice/skill/pdf"],
        ["GET", "/api/v1/artifacts/alice/skill/pdf/versions"],
        ["GET", "/api/v1/artifacts/alice/skill/pdf/versions/1"],
        ["PUT", "/api/v1/artifacts/alice/skill/pdf"],
        ["DELETE", "/api/v1/artifacts/alice/skill/pdf"],
      ] as const) {
        const r = await call("nobody", m, p);
        expect([m, p, r.status]).toEqual([m, p, 401]);
        expect(((await r.json()) as Json).error.code).toBe("unauthorized");
      }
    });

    it("creates, reads, replaces under If-Match, lists, keeps history and deletes", async () => {
      const me = (await (await call("walt", "GET", "/api/v1/me")).json()) as Json;
      expect(me.user.name).toBe("walt");
      expect(me.teams).toEqual([{ name: "acme", role: "writer" }]);
      const p = "/api/v1/artifacts/walt/skill/notes";
      const c1 = await call("walt", "PUT", p, { headers: { "if-none-match": "*" }, body: skillBody("v1") });
      expect(c1.status).toBe(201);
      expect(c1.headers.get("etag")).toBe('"1"');
      const g = await call("walt", "GET", p);
      const art = (await g.json()) as Json;
      expect(art).toMatchObject({ owner: "walt", kind: "skill", name: "notes", revision: 1, version: "1" });
      expect(Buffer.from(art.files[0].data, "base64").toString()).toBe("v1");
      const u = await call("walt", "PUT", p, { headers: { "if-match": '"1"' }, body: skillBody("v2") });
      expect(u.status).toBe(200);
      expect(((await u.json()) as Json).artifact.revision).toBe(2);
      const list = (await (
        await call("walt", "GET", "/api/v1/artifacts?owner=walt&kind=skill")
      ).json()) as Json;
      expect(list.artifacts.map((a: { name: string }) => a.name)).toEqual(["notes"]);
      const vs = (await (await call("walt", "GET", `${p}/versions`)).json()) as Json;
      expect(vs.versions.map((v: { revision: number }) => v.revision)).toEqual([1, 2]);
      const v1 = (await (await call("walt", "GET", `${p}/versions/1`)).json()) as Json;
      expect(Buffer.from(v1.files[0].data, "base64").toString()).toBe("v1");
      const d = await call("walt", "DELETE", p, { headers: { "if-match": "2" } });
      expect(d.status).toBe(200);
      expect((await call("walt", "GET", p)).status).toBe(404);
      const feed = (await (await call("walt", "GET", "/api/v1/changes?after=0")).json()) as Json;
      expect(feed.changes.map((c: { op: string; revision: number }) => `${c.op}@${c.revision}`)).toEqual([
        "put@1",
        "put@2",
        "delete@3",
      ]);
    });

    it("never lets another user list, read, write or delete, nor tell 'not yours' from 'absent'", async () => {
      const p = "/api/v1/artifacts/alice/skill/secret";
      const probes = async () => [
        await snapshot(await call("bob", "GET", p)),
        await snapshot(await call("bob", "GET", `${p}/versions`)),
        await snapshot(await call("bob", "GET", `${p}/versions/1`)),
        await snapshot(
          await call("bob", "PUT", p, { headers: { "if-none-match": "*" }, body: skillBody("evil") }),
        ),
        await snapshot(
          await call("bob", "PUT", p, { headers: { "if-match": "1" }, body: skillBody("evil") }),
        ),
        await snapshot(await call("bob", "DELETE", p, { headers: { "if-match": "1" } })),
        await snapshot(await call("bob", "GET", "/api/v1/artifacts?owner=alice")),
      ];
      const readyCursor = async () => {
        const sse = await openEvents(hub.url, hub.tokens.bob!);
        try {
          return JSON.parse((await sse.next()).data).cursor as number;
        } finally {
          sse.close();
        }
      };
      const bobReady = await readyCursor();
      const before = await probes();
      const cursorBob = ((await (await call("bob", "GET", "/api/v1/changes?after=0")).json()) as Json).cursor;
      expect(
        (
          await call("alice", "PUT", p, {
            headers: { "if-none-match": "*" },
            body: skillBody("alice's secret"),
          })
        ).status,
      ).toBe(201);
      const after = await probes();
      expect(after).toEqual(before);
      expect(await readyCursor()).toBe(bobReady);
      expect(after.slice(0, 6).map((s) => s.status)).toEqual([404, 404, 404, 404, 404, 404]);
      expect(JSON.parse(after[6]!.body)).toEqual({ artifacts: [] });
      expect((await (await call("bob", "GET", "/api/v1/artifacts")).json()) as Json).toEqual({
        artifacts: [],
      });
      const feed = (await (await call("bob", "GET", `/api/v1/changes?after=${cursorBob}`)).json()) as Json;
      expect(feed).toEqual({ changes: [], cursor: cursorBob, more: false });
      const still = (await (await call("alice", "GET", p)).json()) as Json;
      expect(Buffer.from(still.files[0].data, "base64").toString()).toBe("alice's secret");
      expect(still.revision).toBe(1);
    });

    it("lets a team reader read but not write, and a team writer write", async () => {
      const p = "/api/v1/artifacts/acme/skill/handbook";
      expect(
        (await call("walt", "PUT", p, { headers: { "if-none-match": "*" }, body: skillBody("team") })).status,
      ).toBe(201);
      expect((await call("rita", "GET", p)).status).toBe(200);
      const head = await hub.store.headCursor();
      const w = await call("rita", "PUT", p, {
        headers: { "if-match": "1" },
        body: skillBody("reader edit"),
      });
      expect(w.status).toBe(403);
      expect(((await w.json()) as Json).error.code).toBe("forbidden");
      expect((await call("rita", "DELETE", p, { headers: { "if-match": "1" } })).status).toBe(403);
      expect(await hub.store.headCursor()).toBe(head);
      expect((await call("bob", "GET", p)).status).toBe(404);
      expect(
        ((await (await call("rita", "GET", "/api/v1/artifacts?owner=acme")).json()) as Json).artifacts,
      ).toHaveLength(1);
    });

    it("refuses bad input with the right status and changes nothing", async () => {
      const p = "/api/v1/artifacts/alice/skill/guarded";
      expect(
        (await call("alice", "PUT", p, { headers: { "if-none-match": "*" }, body: skillBody("orig") }))
          .status,
      ).toBe(201);
      const expired = await hub.newToken("alice", "2000-01-01T00:00:00.000Z");
      const revoked = await hub.newToken("alice");
      expect(await hub.store.revokeToken(revoked.id, new Date().toISOString())).toBe(true);
      const head = await hub.store.headCursor();
      const put = (body: string, headers: Record<string, string> = { "if-match": "1" }, path = p) =>
        call("alice", "PUT", path, { headers, body });
      const file = (path: string) => ({ path, data: "eA==" });
      const cases: [string, Promise<Response>, number, string][] = [
        ["traversal", put(skillBody("x", [file("../escape.md")])), 400, "bad_request"],
        ["absolute", put(skillBody("x", [file("/etc/passwd")])), 400, "bad_request"],
        ["backslash", put(skillBody("x", [file("a\\b.md")])), 400, "bad_request"],
        ["empty segment", put(skillBody("x", [file("a//b.md")])), 400, "bad_request"],
        ["ignored .git", put(skillBody("x", [file(".git/config")])), 400, "bad_request"],
        ["duplicate", put(skillBody("x", [file("SKILL.md")])), 400, "bad_request"],
        ["no SKILL.md", put(JSON.stringify({ files: [file("README.md")] })), 400, "bad_request"],
        [
          "invalid name",
          put(skillBody("x"), { "if-none-match": "*" }, "/api/v1/artifacts/alice/skill/Bad_Name"),
          400,
          "bad_request",
        ],
        [
          "doubled hyphen",
          put(skillBody("x"), { "if-none-match": "*" }, "/api/v1/artifacts/alice/skill/a--b"),
          400,
          "bad_request",
        ],
        [
          "unknown kind",
          put(skillBody("x"), { "if-none-match": "*" }, "/api/v1/artifacts/alice/widget/x"),
          400,
          "bad_request",
        ],
        ["malformed JSON", put("{not json"), 400, "bad_request"],
        ["no files", put(JSON.stringify({ files: [] })), 400, "bad_request"],
        ["unknown field", put(JSON.stringify({ files: [file("SKILL.md")], evil: 1 })), 400, "bad_request"],
        [
          "bad base64",
          put(JSON.stringify({ files: [{ path: "SKILL.md", data: "%%%" }] })),
          400,
          "bad_request",
        ],
        [
          "bad mode",
          put(JSON.stringify({ files: [{ path: "SKILL.md", data: "", mode: "777" }] })),
          400,
          "bad_request",
        ],
        [
          "tree_hash mismatch",
          put(JSON.stringify({ tree_hash: "0".repeat(64), files: [file("SKILL.md")] })),
          400,
          "bad_request",
        ],
        ["wrong If-Match", put(skillBody("x"), { "if-match": "7" }), 409, "conflict"],
        ["create over existing", put(skillBody("x"), { "if-none-match": "*" }), 409, "conflict"],
        ["no precondition", put(skillBody("x"), {}), 428, "precondition_required"],
        ["garbage If-Match", put(skillBody("x"), { "if-match": "abc" }), 400, "bad_request"],
        [
          "delete wrong If-Match",
          call("alice", "DELETE", p, { headers: { "if-match": "9" } }),
          409,
          "conflict",
        ],
        ["delete no If-Match", call("alice", "DELETE", p), 428, "precondition_required"],
        [
          "expired token",
          call({ token: expired.token }, "PUT", p, { headers: { "if-match": "1" }, body: skillBody("x") }),
          401,
          "unauthorized",
        ],
        [
          "revoked token",
          call({ token: revoked.token }, "PUT", p, { headers: { "if-match": "1" }, body: skillBody("x") }),
          401,
          "unauthorized",
        ],
        ["bad cursor", call("alice", "GET", "/api/v1/changes?after=-1"), 400, "bad_request"],
      ];
      for (const [what, pending, status, code] of cases) {
        const r = await pending;
        const body = (await r.json()) as Json;
        expect([what, r.status, body.error?.code]).toEqual([what, status, code]);
        expect(typeof body.error.message).toBe("string");
        if (code === "conflict") expect(body.error.current_revision).toBe(1);
      }
      expect(await hub.store.headCursor()).toBe(head);
      const still = (await (await call("alice", "GET", p)).json()) as Json;
      expect([still.revision, Buffer.from(still.files[0].data, "base64").toString()]).toEqual([1, "orig"]);
    });

    it("long-polls until a change arrives, and answers an empty poll in under 200 bytes", async () => {
      const head = ((await (await call("alice", "GET", "/api/v1/changes?after=0&limit=1000")).json()) as Json)
        .cursor;
      const empty = await call("alice", "GET", `/api/v1/changes?after=${head}`);
      const text = await empty.text();
      expect(JSON.parse(text)).toEqual({ changes: [], cursor: head, more: false });
      expect(Buffer.byteLength(text)).toBeLessThan(200);
      const polling = call("alice", "GET", `/api/v1/changes?after=${head}&wait=20`);
      await new Promise((r) => setTimeout(r, 100));
      await call("alice", "PUT", "/api/v1/artifacts/alice/prompt/hello", {
        headers: { "if-none-match": "*" },
        body: JSON.stringify({ files: [{ path: "hello.md", data: "aGk=" }] }),
      });
      const page = (await (await polling).json()) as Json;
      expect(page.changes.map((c: { name: string }) => c.name)).toEqual(["hello"]);
      expect(page.cursor).toBeGreaterThan(head);
    });

    it("streams changes over SSE and resumes after Last-Event-ID", async () => {
      const sse = await openEvents(hub.url, hub.tokens.alice!);
      try {
        const ready = await sse.next();
        expect(ready.event).toBe("ready");
        const start = JSON.parse(ready.data).cursor as number;
        for (const n of ["one", "two", "three"])
          await call("alice", "PUT", `/api/v1/artifacts/alice/command/${n}`, {
            headers: { "if-none-match": "*" },
            body: JSON.stringify({ files: [{ path: `${n}.md`, data: "eA==" }] }),
          });
        // bob's write must not show up on alice's stream
        await call("bob", "PUT", "/api/v1/artifacts/bob/command/bobs", {
          headers: { "if-none-match": "*" },
          body: JSON.stringify({ files: [{ path: "b.md", data: "eA==" }] }),
        });
        const got: { id: string | undefined; name: string }[] = [];
        for (let i = 0; i < 3; i++) {
          const ev = await sse.next();
          expect(ev.event).toBe("change");
          got.push({ id: ev.id, name: JSON.parse(ev.data).name });
        }
        expect(got.map((g) => g.name)).toEqual(["one", "two", "three"]);
        expect(Number(got[0]!.id)).toBeGreaterThan(start);
        sse.close();
        const resumed = await openEvents(hub.url, hub.tokens.alice!, Number(got[0]!.id));
        try {
          expect((await resumed.next()).event).toBe("ready");
          const a = await resumed.next();
          const b = await resumed.next();
          expect([JSON.parse(a.data).name, JSON.parse(b.data).name]).toEqual(["two", "three"]);
          expect(b.id).toBe(got[2]!.id);
        } finally {
          resumed.close();
        }
      } finally {
        sse.close();
      }
    });
  });
}

describe("hub API: slowing down bad tokens", () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ users: ["alice"], app: { badTokens: { limit: 3, windowMs: 60_000 } } });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it("answers 429 with Retry-After after repeated bad tokens from one address", async () => {
    const bad = () => fetch(`${hub.url}/api/v1/me`, { headers: { authorization: "Bearer skh_nope" } });
    for (let i = 0; i < 3; i++) expect((await bad()).status).toBe(401);
    const r = await bad();
    expect(r.status).toBe(429);
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await r.json()) as Json).error.code).toBe("rate_limited");
    const good = await fetch(`${hub.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${hub.tokens.alice}` },
    });
    expect(good.status).toBe(429);
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
  });
});

describe("hub API: size limits", () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({
      users: ["alice"],
      app: { limits: { maxFiles: 3, maxFileBytes: 1024, maxRequestBytes: 16 * 1024 } },
    });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it("answers 413 for too many files, a too large file and a too large body, and changes nothing", async () => {
    const put = (files: { path: string; data: string }[]) =>
      fetch(`${hub.url}/api/v1/artifacts/alice/skill/big`, {
        method: "PUT",
        headers: {
          authorization: `Bearer ${hub.tokens.alice}`,
          "if-none-match": "*",
          "content-type": "application/json",
        },
        body: JSON.stringify({ files }),
      });
    const b64 = (n: number) => Buffer.alloc(n, 97).toString("base64");
    const cases = [
      [
        "too many files",
        [1, 2, 3, 4].map((i) => ({ path: i === 1 ? "SKILL.md" : `f${i}.md`, data: "eA==" })),
      ],
      ["file too large", [{ path: "SKILL.md", data: b64(1025) }]],
      [
        "body too large",
        [
          { path: "SKILL.md", data: b64(1000) },
          { path: "x.bin", data: "A".repeat(20_000) },
        ],
      ],
    ] as const;
    for (const [what, files] of cases) {
      const r = await put([...files]);
      const body = (await r.json()) as Json;
      expect([what, r.status, body.error.code]).toEqual([what, 413, "payload_too_large"]);
      expect(body.error.message).toMatch(/limit/);
      expect([what, body.error.limit]).toEqual([
        what,
        { "too many files": 3, "file too large": 1024, "body too large": 16 * 1024 }[what],
      ]);
    }
    expect(await hub.store.headCursor()).toBe(0);
    expect((await put([{ path: "SKILL.md", data: b64(1024) }])).status).toBe(201);
  });
});

const pgDescribe = TEST_PG_URL ? describe : describe.skip;
pgDescribe(TEST_PG_URL ? "two hub instances on one PostgreSQL" : PG_SKIP_REASON, () => {
  it("delivers a write made through instance A to an SSE subscriber on instance B within a second", async () => {
    const url = TEST_PG_URL!;
    const a = await startTestHub({ backend: { postgres: url }, users: ["alice"] });
    const { createPostgresHubStore } = await import("./store/postgres.js");
    const storeB = createPostgresHubStore({
      url,
      schema: (a.store as { schema?: string }).schema!,
      maxConnections: 3,
    });
    await storeB.migrate();
    const b = await startTestHub({ store: storeB });
    try {
      expect(b.port).not.toBe(a.port);
      const sse = await openEvents(b.url, a.tokens.alice!);
      try {
        expect((await sse.next()).event).toBe("ready");
        const put = await fetch(`${a.url}/api/v1/artifacts/alice/skill/cross`, {
          method: "PUT",
          headers: {
            authorization: `Bearer ${a.tokens.alice}`,
            "if-none-match": "*",
            "content-type": "application/json",
          },
          body: skillBody("from A"),
        });
        expect(put.status).toBe(201);
        const ev = await sse.next(1000); // the bound: within a second
        expect(ev.event).toBe("change");
        expect(JSON.parse(ev.data)).toMatchObject({ owner: "alice", name: "cross", revision: 1 });
      } finally {
        sse.close();
      }
    } finally {
      await b.close();
      await storeB.close();
      await a.close();
    }
  });
});

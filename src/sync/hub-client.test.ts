import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../../test/helpers/test-hub.js";
import { treeHash as coreTreeHash, sha256Hex } from "../core/tree-hash.js";
import {
  createHubClient,
  type HubChange,
  HubConflictError,
  HubError,
  isHubUnreachable,
} from "./hub-client.js";

const treeHashOf = (files: { path: string; mode: "644" | "755"; data: Uint8Array }[]) =>
  coreTreeHash(files.map((f) => ({ path: f.path, mode: f.mode, sha: sha256Hex(f.data) })));
const skill = (text: string) => [{ path: "SKILL.md", mode: "644" as const, data: Buffer.from(text) }];

async function caught(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HubError) return e;
    throw e;
  }
  throw new Error("expected a HubError");
}

describe("hub client against a real hub", () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({
      users: ["alice", "bob", "rita"],
      teams: [{ name: "acme", members: [{ user: "rita", role: "reader" }] }],
      app: { limits: { maxFileBytes: 4096 } },
    });
  });
  afterAll(async () => {
    await hub?.close();
  });
  const client = (user: string, extra: Partial<Parameters<typeof createHubClient>[0]> = {}) =>
    createHubClient({ url: `${hub.url}/`, token: hub.tokens[user]!, retries: 0, ...extra });

  it("publishes, reads back bytes and modes, keeps history, lists and deletes", async () => {
    const c = client("alice");
    expect(c.url).toBe(hub.url);
    expect((await c.me()).user.name).toBe("alice");
    const key = { owner: "alice", kind: "skill" as const, name: "pdf" };
    const bin = Buffer.from([0, 255, 1, 254]);
    const r1 = await c.put(key, {
      ifNoneMatch: true,
      version: "1.0.0",
      files: [...skill("# pdf"), { path: "scripts/x.sh", mode: "755", data: bin }],
    });
    expect(r1).toMatchObject({ unchanged: false, artifact: { revision: 1, version: "1.0.0" } });
    const got = await c.get(key);
    expect(got?.files.map((f) => [f.path, f.mode, Buffer.from(f.data).toString("hex")])).toEqual([
      ["SKILL.md", "644", Buffer.from("# pdf").toString("hex")],
      ["scripts/x.sh", "755", bin.toString("hex")],
    ]);
    const again = await c.put(key, { ifMatch: 1, version: "1.0.0", files: got!.files });
    expect(again.unchanged).toBe(true);
    const v2 = skill("# pdf v2");
    const treeHash = treeHashOf(v2);
    expect((await c.put(key, { ifMatch: 1, files: v2, treeHash })).artifact.tree_hash).toBe(treeHash);
    expect((await c.versions(key))?.map((v) => v.revision)).toEqual([1, 2]);
    expect(Buffer.from((await c.version(key, 1))!.files[0]!.data).toString()).toBe("# pdf");
    expect((await c.list({ kind: "skill" })).map((a) => a.name)).toEqual(["pdf"]);
    await c.delete(key, { ifMatch: 2 });
    expect(await c.get(key)).toBeUndefined();
    expect(await c.versions({ ...key, name: "never" })).toBeUndefined();
    expect(await c.version(key, 3)).toBeUndefined();
    const feed = await c.changes({ after: 0 });
    expect(feed.changes.map((ch) => `${ch.op}@${ch.revision}`)).toEqual(["put@1", "put@2", "delete@3"]);
    expect(await c.changes({ after: feed.cursor })).toEqual({
      changes: [],
      cursor: feed.cursor,
      more: false,
    });
  });

  it("turns a 409 into a HubConflictError with the hub's current revision", async () => {
    const c = client("alice");
    const key = { owner: "alice", kind: "agent" as const, name: "reviewer" };
    await c.put(key, {
      ifNoneMatch: true,
      files: [{ path: "reviewer.md", mode: "644", data: Buffer.from("a") }],
    });
    await c.put(key, { ifMatch: 1, files: [{ path: "reviewer.md", mode: "644", data: Buffer.from("b") }] });
    const stale = await caught(
      c.put(key, { ifMatch: 1, files: [{ path: "reviewer.md", mode: "644", data: Buffer.from("c") }] }),
    );
    expect(stale).toBeInstanceOf(HubConflictError);
    expect((stale as HubConflictError).currentRevision).toBe(2);
    expect(stale.code).toBe("CONFLICT");
    expect(stale.exitCode).toBe(1);
    expect(stale.message).toMatch(/revision 2/);
    const exists = await caught(c.put(key, { ifNoneMatch: true, files: skill("x") }));
    expect((exists as HubConflictError).currentRevision).toBe(2);
    const del = await caught(c.delete(key, { ifMatch: 1 }));
    expect((del as HubConflictError).currentRevision).toBe(2);
  });

  it("says what to do on 401 without ever printing the token", async () => {
    const secret = `skh_deadbeef_${"A".repeat(43)}`;
    const c = createHubClient({ url: hub.url, token: secret, retries: 0, remoteName: "work" });
    const e = await caught(c.me());
    expect(e.reason).toBe("unauthorized");
    expect(e.code).toBe("REMOTE");
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain("skillsync login work");
    expect(e.message).toContain(hub.url);
    expect(e.message).not.toContain(secret);
    expect(JSON.stringify(e.details)).not.toContain(secret);
  });

  it("reports 403 for a team reader, 404 for someone else's, 413 with the limit", async () => {
    const forbidden = await caught(
      client("rita").put(
        { owner: "acme", kind: "skill", name: "x" },
        { ifNoneMatch: true, files: skill("x") },
      ),
    );
    expect([forbidden.reason, forbidden.status]).toEqual(["forbidden", 403]);
    const notYours = await caught(
      client("bob").put(
        { owner: "alice", kind: "skill", name: "x" },
        { ifNoneMatch: true, files: skill("x") },
      ),
    );
    expect([notYours.reason, notYours.status]).toEqual(["not_found", 404]);
    const big = await caught(
      client("bob").put(
        { owner: "bob", kind: "skill", name: "big" },
        { ifNoneMatch: true, files: [{ path: "SKILL.md", mode: "644", data: Buffer.alloc(5000) }] },
      ),
    );
    expect([big.reason, big.status]).toEqual(["too_large", 413]);
    expect(big.message).toContain("4096");
  });

  it("retries 5xx with backoff and succeeds, but never retries a 4xx", async () => {
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls++;
      if (calls <= 2)
        return new Response(JSON.stringify({ error: { code: "internal", message: "boom" } }), {
          status: 503,
        });
      return fetch(input, init);
    };
    const retries: number[] = [];
    const c = client("alice", {
      fetch: flaky,
      retries: 3,
      baseDelayMs: 1,
      onRetry: (i) => retries.push(i.attempt),
    });
    expect((await c.me()).user.name).toBe("alice");
    expect(retries).toEqual([1, 2]);
    calls = 0;
    const counting: typeof fetch = async (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const c2 = client("bob", { fetch: counting, retries: 3, baseDelayMs: 1 });
    await caught(c2.put({ owner: "alice", kind: "skill", name: "pdf" }, { ifMatch: 1, files: skill("x") }));
    expect(calls).toBe(1);
    calls = 0;
    const down: typeof fetch = async () => {
      calls++;
      return new Response("bad gateway", { status: 502 });
    };
    const e = await caught(client("alice", { fetch: down, retries: 2, baseDelayMs: 1 }).me());
    expect([e.reason, e.status, calls]).toEqual(["server", 502, 3]);
    expect(e.message).toMatch(/after 3 attempts/);
  });

  it("says the hub is unreachable, naming the URL and the outbox, after bounded retries", async () => {
    const gone = await startTestHub({ users: ["alice"] });
    const url = gone.url;
    const token = gone.tokens.alice!;
    await gone.close();
    const seen: number[] = [];
    const c = createHubClient({
      url,
      token,
      retries: 2,
      baseDelayMs: 1,
      onRetry: (i) => seen.push(i.attempt),
    });
    const e = await caught(c.list());
    expect(isHubUnreachable(e)).toBe(true);
    expect(e.message).toContain(url);
    expect(e.message).toMatch(/outbox/);
    expect(e.message).not.toContain(token);
    expect(seen).toEqual([1, 2]);
  });

  it("long-polls changes until something is published", async () => {
    const a = client("alice");
    const start = (await a.changes({ after: 0, limit: 1000 })).cursor;
    const waiting = a.changes({ after: start, wait: 20 });
    await new Promise((r) => setTimeout(r, 100));
    await a.put(
      { owner: "alice", kind: "prompt", name: "greet" },
      {
        ifNoneMatch: true,
        files: [{ path: "greet.md", mode: "644", data: Buffer.from("hi") }],
      },
    );
    const page = await waiting;
    expect(page.changes.map((ch) => ch.name)).toEqual(["greet"]);
  });

  it("subscribes over SSE and resumes with Last-Event-ID after the stream drops", async () => {
    const a = client("alice");
    const put = (name: string) =>
      a.put(
        { owner: "alice", kind: "command", name },
        {
          ifNoneMatch: true,
          files: [{ path: `${name}.md`, mode: "644", data: Buffer.from(name) }],
        },
      );
    const from = (await a.changes({ after: 0, limit: 1000 })).cursor;
    await put("first");
    const lastEventIds: (string | null)[] = [];
    let cut = false;
    // Cuts the first event stream right after its first change event.
    const cutting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).endsWith("/api/v1/events")) return res;
      lastEventIds.push(new Headers(init?.headers).get("last-event-id"));
      if (cut) return res;
      cut = true;
      const body = res.body!.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, ctl) {
            ctl.enqueue(chunk);
            if (Buffer.from(chunk).toString().includes("event: change")) ctl.error(new Error("cut"));
          },
        }),
      );
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const sub = createHubClient({ url: hub.url, token: hub.tokens.alice!, fetch: cutting, baseDelayMs: 1 });
    const got: HubChange[] = [];
    const ac = new AbortController();
    const drops: string[] = [];
    let readies = 0;
    const done = sub.subscribe({
      after: from,
      signal: ac.signal,
      onDisconnect: (e) => drops.push(e.reason),
      onReady: () => {
        readies++;
        if (readies === 2) void put("second");
      },
      onChange: (ch) => {
        got.push(ch);
        if (got.length === 2) ac.abort();
      },
    });
    await done;
    expect(got.map((ch) => ch.name)).toEqual(["first", "second"]);
    expect(drops).toEqual(["unreachable"]);
    expect(lastEventIds).toEqual([String(from), String(got[0]!.cursor)]);
  });

  it("reconnects when the stream goes silent, and ends when onChange throws", async () => {
    const a = client("alice");
    const from = (await a.changes({ after: 0, limit: 1000 })).cursor;
    await a.put(
      { owner: "alice", kind: "command", name: "silent" },
      {
        ifNoneMatch: true,
        files: [{ path: "silent.md", mode: "644", data: Buffer.from("s") }],
      },
    );
    let first = true;
    // The first event stream says nothing at all and never ends (a dead peer without a reset).
    const silent: typeof fetch = async (input, init) => {
      if (String(input).endsWith("/api/v1/events") && first) {
        first = false;
        return new Response(new ReadableStream({ start() {} }), {
          status: 200,
          headers: { "content-type": "text/event-stream" },
        });
      }
      return fetch(input, init);
    };
    const sub = createHubClient({ url: hub.url, token: hub.tokens.alice!, fetch: silent, baseDelayMs: 1 });
    const drops: string[] = [];
    const boom = new Error("subscriber failed");
    const seen: string[] = [];
    const e = await sub
      .subscribe({
        after: from,
        idleTimeoutMs: 200,
        signal: new AbortController().signal,
        onDisconnect: (d) => drops.push(d.message),
        onChange: (ch) => {
          seen.push(ch.name);
          throw boom;
        },
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(e).toBe(boom);
    expect(seen).toEqual(["silent"]);
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatch(/no data for 200 ms/);
  });

  it("stops a subscription when the answer is not an event stream (a proxy's page)", async () => {
    const page: typeof fetch = async (input, init) =>
      String(input).endsWith("/api/v1/events")
        ? new Response("<html>hi</html>", { status: 200, headers: { "content-type": "text/html" } })
        : fetch(input, init);
    const c = createHubClient({ url: hub.url, token: hub.tokens.alice!, fetch: page, baseDelayMs: 1 });
    let opened = false;
    const e = await caught(
      c.subscribe({
        signal: new AbortController().signal,
        onOpen: () => (opened = true),
        onChange: () => {},
      }),
    );
    expect(e.reason).toBe("not_found");
    expect(e.message).toMatch(/does not serve an event stream.*text\/html/);
    expect(opened).toBe(false);
  });

  it("stops a subscription for a bad token instead of reconnecting forever", async () => {
    const c = createHubClient({ url: hub.url, token: "nope", baseDelayMs: 1 });
    const e = await caught(c.subscribe({ signal: new AbortController().signal, onChange: () => {} }));
    expect(e.reason).toBe("unauthorized");
  });

  it("refuses a URL that is not http(s)", () => {
    expect(() => createHubClient({ url: "ftp://x", token: "t" })).toThrow(/not an http/);
  });
});

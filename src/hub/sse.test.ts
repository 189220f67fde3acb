import type { Server } from "node:http";
import { connect, type Socket } from "node:net";
import { serve } from "@hono/node-server";
import { afterEach, describe, expect, it } from "vitest";
import { createHubApp, type HubApp } from "./app.js";
import { generateToken } from "./auth.js";
import { encodeEvent, SseFeed, type SseSink } from "./sse.js";
import { createSqliteHubStore } from "./store/sqlite.js";
import type { ChangeEntry, ChangePage, HubStore, Viewer } from "./store/types.js";

/** Resolves once `check()` is true (polled every 10 ms; gives up after 5 s). */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const change = (cursor: number, owner = "alice"): ChangeEntry => ({
  cursor,
  op: "put",
  owner,
  kind: "skill",
  name: `s${cursor}`,
  revision: 1,
  version: "",
  tree_hash: "h",
  at: "2026-12-07T00:00:00.000Z",
});

const viewer = (id: number, name: string, teams: number[] = []): Viewer => ({
  user: { id, name, type: "user", created_at: "" },
  teams: teams.map((t) => ({ team: { id: t, name: `t${t}`, type: "team", created_at: "" }, role: "reader" })),
  token: { id: `tok_${name}`, user_id: id, created_at: "", expires_at: null, revoked_at: null },
});

/** A store with a change list per user name, counting reads per user. */
function fakeStore() {
  const feed = new Map<string, ChangeEntry[]>();
  const reads: string[] = [];
  let valid = true;
  let failing = false;
  const store = {
    async changes(v: Viewer, { after, limit }: { after: number; limit: number }): Promise<ChangePage> {
      reads.push(v.user.name);
      await new Promise((r) => setImmediate(r));
      if (failing) throw new Error("database down");
      const all = (feed.get(v.user.name) ?? []).filter((c) => c.cursor > after);
      const page = all.slice(0, limit);
      return { changes: page, cursor: page.at(-1)?.cursor ?? after, more: all.length > limit };
    },
    async viewerForToken() {
      return valid ? viewer(1, "alice") : undefined;
    },
  } as unknown as HubStore;
  return {
    store,
    reads,
    add: (user: string, c: ChangeEntry) => feed.set(user, [...(feed.get(user) ?? []), c]),
    revokeAll: () => {
      valid = false;
    },
    fail: () => {
      failing = true;
    },
  };
}

/** A sink that records what was written; `room` is how many writes fit before it reports full. */
function fakeSink(room = Number.POSITIVE_INFINITY) {
  const chunks: string[] = [];
  let ended = false;
  let close: (() => void) | undefined;
  let drain: (() => void) | undefined;
  let left = room;
  const sink: SseSink = {
    write(c) {
      chunks.push(Buffer.from(c).toString("utf8"));
      left--;
      return left > 0;
    },
    end() {
      ended = true;
      close?.();
    },
    onClose(f) {
      close = f;
    },
    onDrain(f) {
      drain = f;
    },
  };
  return {
    sink,
    /** The sink factory for {@link SseFeed.open}: writes the first event, then hands the sink. */
    open: (first: Uint8Array) => {
      sink.write(first);
      return sink;
    },
    chunks,
    /** Cursors of the change events received, in order. */
    cursors: () =>
      chunks.filter((c) => c.startsWith("event: change")).map((c) => Number(/\nid: (\d+)\n/.exec(c)![1])),
    ended: () => ended,
    /** The client went away. */
    leave: () => close?.(),
    /** The socket has room again. */
    drain: (more = Number.POSITIVE_INFINITY) => {
      left = more;
      drain?.();
    },
  };
}

describe("SSE event encoding", () => {
  it("writes event, one data line per line, then id, then a blank line", () => {
    expect(Buffer.from(encodeEvent("change", '{"a":1}', "7")).toString()).toBe(
      'event: change\ndata: {"a":1}\nid: 7\n\n',
    );
    expect(Buffer.from(encodeEvent("x", "a\nb\r\nc")).toString()).toBe(
      "event: x\ndata: a\ndata: b\ndata: c\n\n",
    );
  });
});

describe("SseFeed", () => {
  let feed: SseFeed | undefined;
  afterEach(() => feed?.close());
  const make = (store: HubStore, extra: { pageLimit?: number; log?: (m: string) => void } = {}) =>
    new SseFeed({ store, heartbeatMs: 60_000, now: () => new Date(), ...extra });

  it("runs one read per user for all of its streams and gives each stream every change once", async () => {
    const f = fakeStore();
    feed = make(f.store);
    const a1 = fakeSink();
    const a2 = fakeSink();
    const b = fakeSink();
    feed.open(viewer(1, "alice", [9]), "h1", 0, a1.open);
    feed.open(viewer(1, "alice", [9]), "h2", 0, a2.open);
    feed.open(viewer(2, "bob"), "h3", 0, b.open);
    expect(a1.chunks[0]).toBe('event: ready\ndata: {"cursor":0}\n\n');
    await until(() => f.reads.length === 2, "the first reads");
    expect(feed.stats).toMatchObject({ streams: 3, groups: 2 });
    f.reads.length = 0;
    f.add("alice", change(1));
    feed.wake();
    await until(() => a2.cursors().length === 1, "alice's event");
    await until(() => f.reads.length === 2, "bob's read");
    expect(f.reads.sort()).toEqual(["alice", "bob"]);
    expect(a1.cursors()).toEqual([1]);
    expect(b.cursors()).toEqual([]);
    // the same event bytes for both streams of the group
    expect(a1.chunks[1]).toBe(a2.chunks[1]);
    expect(JSON.parse(/\ndata: (.*)\n/.exec(a1.chunks[1]!)![1]!)).toEqual(change(1));
  });

  it("catches a stream up from its own cursor page by page (Last-Event-ID)", async () => {
    const f = fakeStore();
    for (let i = 1; i <= 5; i++) f.add("alice", change(i));
    feed = make(f.store, { pageLimit: 2 });
    const late = fakeSink();
    const early = fakeSink();
    feed.open(viewer(1, "alice"), "h", 3, late.open);
    feed.open(viewer(1, "alice"), "h", 0, early.open);
    await until(() => early.cursors().length === 5 && late.cursors().length === 2, "catch-up");
    expect(early.cursors()).toEqual([1, 2, 3, 4, 5]);
    expect(late.cursors()).toEqual([4, 5]);
    f.add("alice", change(6));
    feed.wake();
    await until(() => early.cursors().length === 6 && late.cursors().length === 3, "the next change");
    expect(late.cursors()).toEqual([4, 5, 6]);
  });

  it("skips a full stream without holding up the others, and catches it up after it drains", async () => {
    const f = fakeStore();
    feed = make(f.store);
    const slow = fakeSink(2); // ready + one event, then full
    const fast = fakeSink();
    feed.open(viewer(1, "alice"), "h", 0, slow.open);
    feed.open(viewer(1, "alice"), "h", 0, fast.open);
    for (let i = 1; i <= 3; i++) {
      f.add("alice", change(i));
      feed.wake();
      await until(() => fast.cursors().length === i, `change ${i} at the fast stream`);
    }
    expect(slow.cursors()).toEqual([1]);
    slow.drain();
    await until(() => slow.cursors().length === 3, "the slow stream's catch-up");
    expect(slow.cursors()).toEqual([1, 2, 3]);
    expect(fast.cursors()).toEqual([1, 2, 3]);
  });

  it("drops a stream whose client left, and ends every stream on close", async () => {
    const f = fakeStore();
    feed = make(f.store);
    const gone = fakeSink();
    const stays = fakeSink();
    feed.open(viewer(1, "alice"), "h", 0, gone.open);
    feed.open(viewer(2, "bob"), "h", 0, stays.open);
    gone.leave();
    expect(feed.stats).toMatchObject({ streams: 1, groups: 1 });
    f.add("alice", change(1));
    feed.wake();
    await new Promise((r) => setTimeout(r, 20));
    expect(gone.cursors()).toEqual([]);
    feed.close();
    expect(stays.ended()).toBe(true);
    expect(feed.stats).toMatchObject({ streams: 0, groups: 0 });
    const after = fakeSink();
    feed.open(viewer(1, "alice"), "h", 0, after.open);
    expect(after.chunks).toEqual(['event: ready\ndata: {"cursor":0}\n\n']);
    expect(after.ended()).toBe(true);
  });

  it("ends the streams of a group whose read failed, and says so in the log", async () => {
    const f = fakeStore();
    const log: string[] = [];
    feed = make(f.store, { log: (m) => log.push(m) });
    const s = fakeSink();
    feed.open(viewer(1, "alice"), "h", 0, s.open);
    await until(() => f.reads.length === 1, "the first read");
    f.fail();
    feed.wake();
    await until(() => s.ended(), "the end of the stream");
    expect(log.join("\n")).toMatch(/database down/);
    expect(feed.stats.streams).toBe(0);
  });

  it("pings at each heartbeat while the token is valid, then sends an error event and ends", async () => {
    const f = fakeStore();
    feed = new SseFeed({ store: f.store, heartbeatMs: 20, now: () => new Date() });
    const s = fakeSink();
    feed.open(viewer(1, "alice"), "h", 0, s.open);
    await until(() => s.chunks.includes(": ping\n\n"), "a ping");
    f.revokeAll();
    await until(() => s.ended(), "the end of the stream");
    expect(s.chunks.at(-1)).toBe(
      'event: error\ndata: {"error":{"code":"unauthorized","message":"token revoked or expired"}}\n\n',
    );
    expect(feed.stats.streams).toBe(0);
  });
});

describe("GET /api/v1/events on the wire", () => {
  let hub: HubApp | undefined;
  let server: Server | undefined;
  let store: HubStore | undefined;
  afterEach(async () => {
    hub?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server?.closeAllConnections();
    await store?.close();
  });

  async function start(heartbeatMs: number) {
    store = createSqliteHubStore({ path: ":memory:" });
    await store.migrate();
    const now = new Date().toISOString();
    await store.addUser("alice", now);
    const t = generateToken();
    await store.createToken({ user: "alice", id: t.id, hash: t.hash, now, expires_at: null });
    hub = createHubApp({ store, heartbeatMs });
    const s = serve({ fetch: hub.app.fetch, hostname: "127.0.0.1", port: 0 }) as Server;
    server = s;
    await new Promise<void>((r) => s.once("listening", () => r()));
    const port = (s.address() as { port: number }).port;
    return { port, token: t.token, id: t.id };
  }

  function openRaw(port: number, token: string) {
    let text = "";
    let closed = false;
    const sock: Socket = connect(port, "127.0.0.1", () =>
      sock.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`),
    );
    sock.setEncoding("latin1");
    sock.on("data", (d: string) => {
      text += d;
    });
    sock.on("close", () => {
      closed = true;
    });
    return { text: () => text, closed: () => closed, sock };
  }

  const put = (port: number, token: string, name: string) =>
    fetch(`http://127.0.0.1:${port}/api/v1/artifacts/alice/skill/${name}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "if-none-match": "*" },
      body: JSON.stringify({ files: [{ path: "SKILL.md", data: Buffer.from("# x\n").toString("base64") }] }),
    });

  it("sends the same bytes as before: headers, chunked ready/change/ping/error events, and the end", async () => {
    const { port, token, id } = await start(300);
    const c = openRaw(port, token);
    await until(() => c.text().includes("event: ready"), "ready");
    expect((await put(port, token, "pdf")).status).toBe(201);
    await until(() => c.text().includes("event: change"), "the change");
    await until(() => c.text().includes(": ping"), "a ping");
    await store!.revokeToken(id, new Date().toISOString());
    await until(() => c.text().endsWith("0\r\n\r\n"), "the end of the response");
    const text = c.text().replace(/\r\nDate: [^\r]+/, "\r\nDate: X");
    const head = text.slice(0, text.indexOf("\r\n\r\n") + 4);
    expect(head).toBe(
      "HTTP/1.1 200 OK\r\ncache-control: no-cache\r\nconnection: keep-alive\r\ncontent-type: text/event-stream\r\n" +
        "transfer-encoding: chunked\r\nx-accel-buffering: no\r\nDate: X\r\n\r\n",
    );
    // de-chunk, checking every chunk's length
    let rest = text.slice(head.length);
    const chunks: string[] = [];
    for (;;) {
      const nl = rest.indexOf("\r\n");
      const len = Number.parseInt(rest.slice(0, nl), 16);
      if (len === 0) break;
      const body = rest.slice(nl + 2, nl + 2 + len);
      expect(rest.slice(nl + 2 + len, nl + 4 + len)).toBe("\r\n");
      chunks.push(Buffer.from(body, "latin1").toString("utf8"));
      rest = rest.slice(nl + 4 + len);
    }
    expect(chunks[0]).toBe('event: ready\ndata: {"cursor":0}\n\n');
    expect(chunks[1]).toMatch(
      /^event: change\ndata: \{"cursor":1,"op":"put","owner":"alice","kind":"skill","name":"pdf",.*\}\nid: 1\n\n$/,
    );
    expect(chunks.slice(2, -1).every((x) => x === ": ping\n\n")).toBe(true);
    expect(chunks.at(-1)).toBe(
      'event: error\ndata: {"error":{"code":"unauthorized","message":"token revoked or expired"}}\n\n',
    );
  });

  it("keeps the order of a pipelined request's responses (the stream then writes through the response)", async () => {
    const { port, token } = await start(60_000);
    let text = "";
    const sock = connect(port, "127.0.0.1", () =>
      sock.write(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" +
          `GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      ),
    );
    sock.setEncoding("latin1");
    sock.on("data", (d: string) => {
      text += d;
    });
    try {
      await until(() => text.includes("event: ready"), "ready");
      expect((await put(port, token, "pipelined")).status).toBe(201);
      await until(() => text.includes("id: 1\n\n\r\n"), "the change");
      expect(text.indexOf('{"status":"ok"}')).toBeLessThan(text.indexOf("text/event-stream"));
      const events = text.slice(text.indexOf("x-accel-buffering"));
      expect(events).toMatch(
        /\r\n21\r\nevent: ready\ndata: \{"cursor":0\}\n\n\r\n[0-9a-f]+\r\nevent: change\n/,
      );
    } finally {
      sock.destroy();
    }
  });

  it("ends open streams on shutdown and forgets a stream whose client went away", async () => {
    const { port, token } = await start(60_000);
    const gone = openRaw(port, token);
    const stays = openRaw(port, token);
    await until(() => gone.text().includes("event: ready") && stays.text().includes("event: ready"), "ready");
    expect(hub!.sse).toMatchObject({ streams: 2, groups: 1 });
    gone.sock.destroy();
    await until(() => hub!.sse.streams === 1, "the stream to be dropped");
    expect((await put(port, token, "one")).status).toBe(201);
    await until(() => stays.text().includes('"name":"one"'), "the change");
    hub!.close();
    await until(() => stays.text().endsWith("0\r\n\r\n"), "the end of the response");
    expect(hub!.sse).toMatchObject({ streams: 0, groups: 0 });
  });
});

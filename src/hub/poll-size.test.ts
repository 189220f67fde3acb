import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "./auth.js";
import { type RunningHub, startHubServer } from "./server.js";
import { createSqliteHubStore } from "./store/sqlite.js";
import type { HubStore } from "./store/types.js";

/** Sends one raw HTTP/1.1 keep-alive request; resolves with every byte of the response. */
function rawRequest(port: number, request: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const s = connect(port, "127.0.0.1", () => s.write(request));
    s.on("data", (d) => {
      got = Buffer.concat([got, d]);
      const head = got.indexOf("\r\n\r\n");
      const len = /\r\ncontent-length: (\d+)\r\n/i.exec(got.toString("latin1"));
      if (head >= 0 && len && got.length >= head + 4 + Number(len[1])) {
        s.destroy();
        resolve(got);
      }
    });
    s.on("error", reject);
  });
}

describe("empty poll on the wire", () => {
  let store: HubStore;
  let hub: RunningHub;
  let token: string;
  beforeAll(async () => {
    store = createSqliteHubStore({ path: ":memory:" });
    await store.migrate();
    const now = new Date().toISOString();
    await store.addUser("alice", now);
    const t = generateToken();
    token = t.token;
    await store.createToken({ user: "alice", id: t.id, hash: t.hash, now, expires_at: null });
    hub = await startHubServer({ store, port: 0 });
  });
  afterAll(async () => {
    await hub.close();
    await store.close();
  });

  it("is at most 200 bytes, status line and headers included, for a six-digit cursor", async () => {
    const res = await rawRequest(
      hub.port,
      `GET /api/v1/changes?after=123456 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    const text = res.toString("latin1");
    expect(text.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
    const body = text.slice(text.indexOf("\r\n\r\n") + 4);
    expect(JSON.parse(body)).toEqual({ changes: [], cursor: 123456, more: false });
    expect(text).toMatch(/\r\nConnection: keep-alive\r\n/i);
    expect(res.length).toBeLessThanOrEqual(200);
  });
});

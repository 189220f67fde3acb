import * as http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { parseSse } from "../core/sse.js";
import { watchHub } from "./hub-watch.js";
import { nullLogger } from "./log.js";
import { realTimers } from "./scheduler.js";

describe("parseSse", () => {
  it("splits events, joins data lines, skips comments and keeps the incomplete rest", () => {
    const r = parseSse(
      ': ping\n\nid: 7\nevent: change\ndata: {"a":1,\ndata: "b":2}\n\nevent: ready\r\ndata: x\r\n\r\ndata: partial',
    );
    expect(r.events).toEqual([
      { event: "change", data: '{"a":1,\n"b":2}', id: "7" },
      { event: "ready", data: "x", id: undefined },
    ]);
    expect(r.rest).toBe("data: partial");
  });
});

describe("watchHub", () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server?.closeAllConnections();
    server = undefined;
  });

  it("falls back to polling the changes feed when the event stream is unavailable", async () => {
    let cursor = 5;
    const asked: string[] = [];
    server = http.createServer((req, res) => {
      asked.push(req.url ?? "");
      if (req.url?.startsWith("/api/v1/changes")) {
        const after = Number(new URL(req.url, "http://x").searchParams.get("after"));
        // A change entry as the hub sends it (the client validates every field).
        const change = {
          owner: "alice",
          kind: "skill",
          name: "pdf",
          cursor,
          op: "put",
          revision: 1,
          version: "1.0.0",
          tree_hash: "a".repeat(64),
          at: "2026-12-06T00:00:00Z",
        };
        const changes = after < cursor ? [change] : [];
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ changes, cursor: Math.max(after, cursor), more: false }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const seen: (number | undefined)[] = [];
    const w = watchHub({
      remote: "team",
      url: `http://127.0.0.1:${port}/`,
      token: "t",
      pollIntervalMs: () => 50,
      onChange: (i) => seen.push(i.cursor),
      log: nullLogger,
      timers: realTimers,
    });
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toEqual([]); // the first poll only learns the cursor
      expect(w.mode()).not.toBe("sse");
      cursor = 9;
      const until = Date.now() + 3000;
      while (seen.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual([9]);
      expect(w.cursor()).toBe(9);
      expect(asked.some((u) => u === "/api/v1/events")).toBe(true);
      expect(asked).toContain("/api/v1/changes?after=5");
    } finally {
      w.stop();
    }
  });
});

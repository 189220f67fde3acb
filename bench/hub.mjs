// Hub benchmark: `changes` polls from many simulated clients, bytes per empty poll, and the time from
// a publish to the SSE event at a subscriber — on SQLite and (when SKILLSYNC_TEST_PG is set) PostgreSQL.
//
// Setup: users and tokens are made directly in a fresh database, then `skillsync hub serve` runs as its
// own process (so the load generator does not share its event loop). Each of `clients` simulated
// clients (default 1,000, one user and token each) polls `GET /api/v1/changes?after=CURSOR` with
// nothing new `polls` times (default 5) back to back over keep-alive connections (node:http Agent,
// one socket per client, all kept open). Bounded: at most clients × polls requests and `maxSeconds`
// (default 30). All clients poll back to back, so this measures the saturated hub: with 1,000
// requests always in flight, latency ≈ 1,000 / (requests per second) by Little's law.
// Publish→SSE: one subscriber on `/api/v1/events`, `publishes` (default 20) sequential PUTs; the
// latency is from sending the PUT to reading its `change` event.
//
// Usage: `node bench/hub.mjs` (after `npm run build`), or `await benchHub()` from bench/run.mjs.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Makes `n` users with one token each in the database named by `db`. */
async function seed(db, n, defaultPath) {
  const { openHubStore } = await import(dist("hub/server.js"));
  const { generateToken } = await import(dist("hub/auth.js"));
  const store = await openHubStore(db, defaultPath);
  await store.migrate();
  const now = new Date().toISOString();
  const tokens = [];
  for (let i = 0; i < n; i++) {
    const name = `u${i}`;
    await store.addUser(name, now);
    const t = generateToken();
    await store.createToken({ user: name, id: t.id, hash: t.hash, now, expires_at: null });
    tokens.push(t.token);
  }
  await store.close();
  return tokens;
}

function startServer(db, home) {
  const bin = new URL("../dist/cli/main.js", import.meta.url).pathname;
  const proc = spawn(process.execPath, [bin, "hub", "serve", "--port", "0", "--db", db], {
    env: { ...process.env, SKILLSYNC_HOME: home, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    proc.on("exit", (code) => reject(new Error(`hub exited with ${code}: ${out}`)));
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: new URL(m[1]), proc });
    });
  });
}

function request(agent, url, { method = "GET", path, token, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          authorization: `Bearer ${token}`,
          ...headers,
          ...(body ? { "content-length": Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks);
          const headerBytes = res.rawHeaders.reduce(
            (n, h, i) => n + Buffer.byteLength(h) + (i % 2 ? 2 : 2),
            0,
          );
          resolve({ status: res.statusCode, body: text, headerBytes });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

async function pollLoad({ url, tokens, polls, maxSeconds }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: tokens.length, maxFreeSockets: tokens.length });
  const latencies = [];
  let emptyBody = 0;
  let emptyTotal = 0;
  let errors = 0;
  const deadline = performance.now() + maxSeconds * 1000;
  // warm-up: one poll per client opens its connection
  await Promise.all(tokens.map((token) => request(agent, url, { path: "/api/v1/changes?after=0", token })));
  const t0 = performance.now();
  await Promise.all(
    tokens.map(async (token) => {
      for (let i = 0; i < polls && performance.now() < deadline; i++) {
        const s = performance.now();
        const r = await request(agent, url, { path: "/api/v1/changes?after=0", token });
        latencies.push(performance.now() - s);
        if (r.status !== 200) errors++;
        else if (emptyBody === 0) {
          emptyBody = r.body.length;
          emptyTotal = r.body.length + r.headerBytes + "HTTP/1.1 200 OK\r\n\r\n".length;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    reqPerSec: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    emptyPollBodyBytes: emptyBody,
    emptyPollTotalBytes: emptyTotal,
  };
}

async function sseLatency({ url, token, publishes }) {
  const agent = new http.Agent({ keepAlive: true });
  const waiting = new Map();
  let buffer = "";
  let readyResolve;
  const ready = new Promise((r) => (readyResolve = r));
  const req = http.request(
    {
      host: url.hostname,
      port: url.port,
      path: "/api/v1/events",
      headers: { authorization: `Bearer ${token}` },
    },
    (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        buffer += chunk;
        let i = buffer.indexOf("\n\n");
        while (i >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          if (block.includes("event: ready")) readyResolve();
          const data = /^data: (.*)$/m.exec(block);
          if (block.includes("event: change") && data) {
            const name = JSON.parse(data[1]).name;
            waiting.get(name)?.(performance.now());
          }
          i = buffer.indexOf("\n\n");
        }
      });
    },
  );
  req.end();
  await ready;
  const lat = [];
  for (let i = 0; i < publishes; i++) {
    const name = `bench-${i}`;
    const seen = new Promise((r) => waiting.set(name, r));
    const body = JSON.stringify({
      files: [{ path: "SKILL.md", data: Buffer.from(`# ${name}\n`).toString("base64") }],
    });
    const s = performance.now();
    const r = await request(agent, url, {
      method: "PUT",
      path: `/api/v1/artifacts/u0/skill/${name}`,
      token,
      headers: { "if-none-match": "*", "content-type": "application/json" },
      body,
    });
    if (r.status !== 201) throw new Error(`publish failed: ${r.status} ${r.body}`);
    lat.push((await seen) - s);
  }
  req.destroy();
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { publishes, p50Ms: percentile(lat, 50), maxMs: lat[lat.length - 1] };
}

async function benchOne({ label, db, home, clients, polls, maxSeconds, publishes, cleanup }) {
  const tokens = await seed(db, clients, join(home, "hub.db"));
  const { url, proc } = await startServer(db, home);
  try {
    const poll = await pollLoad({ url, tokens, polls, maxSeconds });
    const sse = await sseLatency({ url, token: tokens[0], publishes });
    return { store: label, clients, ...poll, sseP50Ms: sse.p50Ms, sseMaxMs: sse.maxMs };
  } finally {
    proc.removeAllListeners("exit");
    const exited = new Promise((r) => proc.on("exit", r));
    proc.kill("SIGTERM");
    await exited;
    await cleanup?.();
  }
}

/**
 * Runs the hub benchmark.
 * @param {{clients?: number, polls?: number, maxSeconds?: number, publishes?: number, quiet?: boolean}} [opts]
 * @returns {Promise<Array<{store: string, clients: number, requests: number, errors: number, reqPerSec: number, p50Ms: number, p99Ms: number, emptyPollBodyBytes: number, emptyPollTotalBytes: number, sseP50Ms: number, sseMaxMs: number}>>}
 */
export async function benchHub(opts = {}) {
  const clients = opts.clients ?? 1000;
  const polls = opts.polls ?? 5;
  const maxSeconds = opts.maxSeconds ?? 30;
  const publishes = opts.publishes ?? 20;
  const results = [];
  const home = mkdtempSync(join(tmpdir(), "skillsync-bench-hub-"));
  try {
    results.push(
      await benchOne({
        label: "sqlite",
        db: `sqlite:${join(home, "hub.db")}`,
        home,
        clients,
        polls,
        maxSeconds,
        publishes,
      }),
    );
    const pgUrl = process.env.SKILLSYNC_TEST_PG;
    if (pgUrl) {
      const schema = `skillsync_bench_${randomBytes(4).toString("hex")}`;
      const u = new URL(pgUrl);
      u.searchParams.set("schema", schema);
      results.push(
        await benchOne({
          label: "postgres",
          db: u.toString(),
          home,
          clients,
          polls,
          maxSeconds,
          publishes,
          cleanup: async () => {
            const pg = (await import("pg")).default;
            const c = new pg.Client({ connectionString: pgUrl });
            await c.connect();
            await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
            await c.end();
          },
        }),
      );
    } else if (!opts.quiet) {
      console.log("hub: PostgreSQL skipped (set SKILLSYNC_TEST_PG to include it)");
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  if (!opts.quiet)
    for (const r of results)
      console.log(
        `hub/${r.store}: ${r.clients} clients, ${r.requests} empty polls${r.errors ? ` (${r.errors} errors)` : ""}: ` +
          `${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms; ` +
          `empty poll ${r.emptyPollBodyBytes} B body / ${r.emptyPollTotalBytes} B with headers; ` +
          `publish→SSE p50 ${r.sseP50Ms.toFixed(1)} ms, max ${r.sseMaxMs.toFixed(1)} ms`,
      );
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchHub();
}

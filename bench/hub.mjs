// Hub benchmark (issue 13): polling by 1,000 clients on SQLite and PostgreSQL, bytes of an empty
// poll on the wire, and publish→receipt at 10,000 SSE subscribers over two hub processes on one
// PostgreSQL.
//
// Everything runs on loopback (127.0.0.1). Users and tokens are made directly in a fresh database
// (SQLite file in a temp home; PostgreSQL: a unique schema per run, dropped at the end), then
// `skillsync hub serve` runs as its own process(es), started through
// `bash -c 'ulimit -n <hard limit>; exec node …'`. The load comes from worker processes
// (bench/hub-load.mjs, raw keep-alive sockets) so the client side neither shares the hub's event
// loop nor runs out of file descriptors. Bounded: each phase has a deadline (seconds below), every
// process started here is stopped, and the temp home and PG schema are removed.
//
// Polling row, per store: (1) saturate — every client polls back to back for `saturateSeconds`
// (default 3): the hub's throughput, and its CPU time per poll from /proc (the floor: 1 core ÷ CPU
// per poll); latency there is only Little's law (clients ÷ throughput). (2) paced — the clients
// together offer `rate` polls/s (default 5,000; each client every 200 ms) for `pacedSeconds`
// (default 4): p50/p99 latency at the target rate, counted from the scheduled send time.
// SSE row (PostgreSQL only): `subscribers` (default 10,000) streams of 1,000 users × 10 tokens, all
// members of team `fleet`, split evenly over two hubs; `publishes` (default 5) PUTs to one hub, 1 s
// apart; latency is PUT sent → `change` event read, at every subscriber; lost = expected − seen.
//
// The machine's 2 cores are shared by the hub(s), the load workers, PostgreSQL (and other work):
// read the numbers as a floor for this box, not as the hub's limit.
//
// Usage: `node bench/hub.mjs` (after `npm run build`; set SKILLSYNC_TEST_PG for the PostgreSQL
// rows), or `await benchHub()` from bench/run.mjs.
import "./node-env.mjs";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const BIN = fileURLToPath(new URL("../dist/cli/main.cjs", import.meta.url));
const WORKER = fileURLToPath(new URL("./hub-load.mjs", import.meta.url));
const ULIMIT = 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"';
/** Extra node flags for the hub processes, e.g. `HUB_BENCH_NODE_ARGS=--cpu-prof` to profile them. */
const HUB_NODE_ARGS = (process.env.HUB_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
/**
 * Niceness of the load workers (`HUB_BENCH_WORKER_NICE`, default none): on this one box every
 * event written wakes a worker that then preempts the hub; a nicer worker lets the hub finish its
 * writes first (an experiment on the bench's own overhead, not a setting of the hub).
 */
const WORKER_NICE = process.env.HUB_BENCH_WORKER_NICE ?? "";
const nowMs = () => performance.timeOrigin + performance.now();

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** CPU seconds (user + system) used so far by process `pid`, from /proc (Linux). */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** User and system CPU seconds of `pid` so far, from /proc (Linux). */
function cpuSplit(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return { user: Number(f[11]) / 100, sys: Number(f[12]) / 100 };
  } catch {
    return { user: Number.NaN, sys: Number.NaN };
  }
}

/** Times `pid` was descheduled while it could run (involuntary context switches), from /proc. */
function involuntarySwitches(pid) {
  try {
    const m = /nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of `pid` in MiB, from /proc (Linux). */
function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Seeds `users` users with `tokensPerUser` tokens each (optionally all members of team `team`) and,
 * when `publisher`, a writer `pub` of that team. Returns the tokens, user by user.
 */
async function seed(db, home, { users, tokensPerUser = 1, team, publisher = false }) {
  const { openHubStore } = await import(dist("hub/server.js"));
  const { generateToken } = await import(dist("hub/auth.js"));
  const store = await openHubStore(db, join(home, "hub.db"));
  await store.migrate();
  const now = new Date().toISOString();
  if (team) await store.addTeam(team, now);
  const tokens = [];
  const one = async (name, role) => {
    await store.addUser(name, now);
    if (team) await store.addMember({ team, user: name, role });
    const mine = [];
    for (let k = 0; k < tokensPerUser; k++) {
      const t = generateToken();
      await store.createToken({ user: name, id: t.id, hash: t.hash, now, expires_at: null });
      mine.push(t.token);
    }
    return mine;
  };
  const names = Array.from({ length: users }, (_, i) => `u${i}`);
  for (let i = 0; i < names.length; i += 20)
    for (const ts of await Promise.all(names.slice(i, i + 20).map((n) => one(n, "reader"))))
      tokens.push(...ts);
  const pub = publisher ? (await one("pub", "writer"))[0] : undefined;
  await store.close();
  return { tokens, pub };
}

function startServer(db, home) {
  const proc = spawn(
    "bash",
    ["-c", ULIMIT, process.execPath, ...HUB_NODE_ARGS, BIN, "hub", "serve", "--port", "0", "--db", db],
    { env: { ...process.env, SKILLSYNC_HOME: home, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  return new Promise((resolve, reject) => {
    proc.on("exit", (code) => reject(new Error(`hub exited with ${code}: ${out}`)));
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ port: Number(new URL(m[1]).port), proc });
    });
  });
}

async function stopServer(s) {
  if (!s || s.proc.exitCode !== null) return;
  s.proc.removeAllListeners("exit");
  const exited = new Promise((r) => s.proc.on("exit", r));
  s.proc.kill("SIGTERM");
  const t = setTimeout(() => s.proc.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(t);
}

/**
 * CPU seconds (user + system) used so far by every process whose command is `postgres` (the
 * server's backends; on a shared box this includes other clients of the same cluster).
 */
function postgresCpuSeconds() {
  let sum = 0;
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, "utf8");
      if (!st.slice(st.indexOf("(") + 1, st.lastIndexOf(")")).startsWith("postgres")) continue;
      const f = st.slice(st.lastIndexOf(") ") + 2).split(" ");
      sum += (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      // the process ended
    }
  }
  return sum;
}

/** Starts a load worker; `job` is its first message. Resolves to {next(), send(), kill(), pid}. */
function startWorker(job) {
  const nice = WORKER_NICE ? ["nice", "-n", WORKER_NICE] : [];
  const proc = spawn("bash", ["-c", ULIMIT, ...nice, process.execPath, WORKER], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const inbox = [];
  let waiting;
  proc.on("message", (m) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(m);
    } else inbox.push(m);
  });
  proc.on("exit", (code) => {
    if (code && waiting) waiting({ error: `load worker exited with ${code}` });
  });
  proc.send(job);
  return {
    next: () =>
      new Promise((resolve, reject) => {
        const take = (m) => (m.error ? reject(new Error(m.error)) : resolve(m));
        if (inbox.length) take(inbox.shift());
        else waiting = take;
      }),
    send: (m) => proc.connected && proc.send(m),
    kill: () => proc.exitCode === null && proc.kill("SIGKILL"),
    pid: proc.pid,
  };
}

function split(list, n) {
  const out = Array.from({ length: n }, () => []);
  for (let i = 0; i < list.length; i++) out[i % n].push(list[i]);
  return out;
}

/** Bytes of one empty poll on the wire (status line, headers and body), read from a raw socket. */
function emptyPollBytes(port, token) {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const s = net.connect(port, "127.0.0.1", () =>
      s.write(
        `GET /api/v1/changes?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      ),
    );
    s.on("data", (d) => {
      got = Buffer.concat([got, d]);
      const head = got.indexOf("\r\n\r\n");
      const len = /\r\ncontent-length: (\d+)/i.exec(got.toString("latin1"));
      if (head >= 0 && len && got.length >= head + 4 + Number(len[1])) {
        s.destroy();
        resolve({ total: got.length, body: Number(len[1]) });
      }
    });
    s.on("error", reject);
  });
}

async function pollPhase({ port, tokens, workers, job, pid }) {
  const ws = split(tokens, workers).map((ts) => startWorker({ mode: "poll", port, tokens: ts, ...job }));
  try {
    await Promise.all(ws.map((w) => w.next())); // all warm
    const go = Date.now() + 200;
    for (const w of ws) w.send({ go });
    await new Promise((r) => setTimeout(r, go - Date.now()));
    const cpu0 = cpuSeconds(pid);
    const rs = await Promise.all(ws.map((w) => w.next()));
    const cpu = cpuSeconds(pid) - cpu0;
    const latencies = rs.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const seconds = Math.max(...rs.map((r) => r.seconds));
    return {
      polls: latencies.length,
      errors: rs.reduce((n, r) => n + r.errors, 0),
      perSec: latencies.length / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      cpuUsPerPoll: (cpu / latencies.length) * 1e6,
    };
  } finally {
    for (const w of ws) w.kill();
  }
}

async function benchPolling({ label, db, home, clients, workers, rate, saturateSeconds, pacedSeconds }) {
  const { tokens } = await seed(db, home, { users: clients });
  const server = await startServer(db, home);
  try {
    const bytes = await emptyPollBytes(server.port, tokens[0]);
    const pid = server.proc.pid;
    const sat = await pollPhase({
      port: server.port,
      tokens,
      workers,
      pid,
      job: { phase: "saturate", seconds: saturateSeconds },
    });
    const cpuPerPollUs = sat.cpuUsPerPoll;
    const paced = await pollPhase({
      port: server.port,
      tokens,
      workers,
      pid,
      job: { phase: "paced", seconds: pacedSeconds, ratePerClient: rate / clients },
    });
    return {
      store: label,
      clients,
      saturatedPollsPerSec: sat.perSec,
      saturatedP99Ms: sat.p99Ms,
      hubCpuUsPerPoll: cpuPerPollUs,
      oneCoreFloorPollsPerSec: 1e6 / cpuPerPollUs,
      offeredPollsPerSec: rate,
      pacedPollsPerSec: paced.perSec,
      pacedP50Ms: paced.p50Ms,
      pacedP99Ms: paced.p99Ms,
      errors: sat.errors + paced.errors,
      emptyPollBytes: bytes.total,
      emptyPollBodyBytes: bytes.body,
      hubRssMiB: rssMiB(server.proc.pid),
    };
  } finally {
    await stopServer(server);
  }
}

async function publish(port, token, name) {
  const body = JSON.stringify({
    files: [{ path: "SKILL.md", data: Buffer.from(`# ${name}\n`).toString("base64") }],
  });
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/artifacts/fleet/skill/${name}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "if-none-match": "*", "content-type": "application/json" },
    body,
  });
  if (res.status !== 201) throw new Error(`publish failed: ${res.status} ${await res.text()}`);
}

async function benchSse({ db, home, subscribers, users, workers, publishes }) {
  const { tokens, pub } = await seed(db, home, {
    users,
    tokensPerUser: Math.ceil(subscribers / users),
    team: "fleet",
    publisher: true,
  });
  const subs = tokens.slice(0, subscribers);
  const hubs = [await startServer(db, home), await startServer(db, home)];
  const ports = hubs.map((h) => h.port);
  const ws = split(subs, workers).map((ts) =>
    startWorker({ mode: "sse", ports, tokens: ts, seconds: 60 + publishes * 2 }),
  );
  try {
    const t0 = performance.now();
    const ready = await Promise.all(ws.map((w) => w.next()));
    const connectSeconds = (performance.now() - t0) / 1000;
    const streams = ready.reduce((n, r) => n + r.streams, 0);
    const rssIdle = hubs.map((h) => rssMiB(h.proc.pid));
    const sent = new Map();
    // CPU of the hubs, the load workers and PostgreSQL over the publish window (idle streams cost
    // nothing between publishes: heartbeats are 15 s apart, the window is shorter)
    const cpu0 = {
      split: hubs.map((h) => cpuSplit(h.proc.pid)),
      preempted: hubs.map((h) => involuntarySwitches(h.proc.pid)),
      hubs: hubs.map((h) => cpuSeconds(h.proc.pid)),
      workers: ws.map((w) => cpuSeconds(w.pid)),
      pg: postgresCpuSeconds(),
    };
    const wall0 = performance.now();
    for (let i = 0; i < publishes; i++) {
      const name = `bench-${i}`;
      sent.set(name, nowMs());
      await publish(ports[0], pub, name);
      await new Promise((r) => setTimeout(r, 1000));
    }
    await new Promise((r) => setTimeout(r, 2000)); // stragglers
    const windowSeconds = (performance.now() - wall0) / 1000;
    const cpu = {
      split: hubs.map((h, i) => {
        const x = cpuSplit(h.proc.pid);
        return { user: x.user - cpu0.split[i].user, sys: x.sys - cpu0.split[i].sys };
      }),
      preempted: hubs.map((h, i) => involuntarySwitches(h.proc.pid) - cpu0.preempted[i]),
      hubs: hubs.map((h, i) => cpuSeconds(h.proc.pid) - cpu0.hubs[i]),
      workers: ws.reduce((n, w, i) => n + cpuSeconds(w.pid) - cpu0.workers[i], 0),
      pg: postgresCpuSeconds() - cpu0.pg,
    };
    const rss = hubs.map((h) => rssMiB(h.proc.pid));
    for (const w of ws) w.send({ stop: true });
    const done = [];
    for (const w of ws) done.push(await w.next());
    const lat = [];
    const seen = new Set();
    const perPublish = new Map([...sent.keys()].map((n) => [n, []]));
    done.forEach((d, wi) => {
      for (const [sub, name, at] of d.received) {
        const key = `${wi}:${sub}:${name}`;
        if (seen.has(key) || !sent.has(name)) continue;
        seen.add(key);
        lat.push(at - sent.get(name));
        perPublish.get(name).push(at - sent.get(name));
      }
    });
    lat.sort((a, b) => a - b);
    // per publish: when the first, the median and the last subscriber had it
    const spread = [...perPublish.values()].map((l) => {
      l.sort((a, b) => a - b);
      return { firstMs: l[0] ?? Number.NaN, p50Ms: percentile(l, 50), lastMs: l[l.length - 1] ?? Number.NaN };
    });
    const deliveredPerHub = streams / hubs.length;
    return {
      store: "postgres",
      hubs: 2,
      subscribers: streams,
      failedStreams: ready.reduce((n, r) => n + r.failed, 0),
      connectSeconds,
      publishes,
      deliveries: lat.length,
      lost: streams * publishes - lat.length,
      p50Ms: percentile(lat, 50),
      p99Ms: percentile(lat, 99),
      maxMs: lat[lat.length - 1] ?? Number.NaN,
      rssIdleMiB: rssIdle,
      rssMiB: rss,
      spread,
      windowSeconds,
      hubCpuSeconds: cpu.hubs,
      hubUserSysSeconds: cpu.split,
      hubPreemptions: cpu.preempted,
      // hub CPU per event per subscriber: the hub's CPU over the window ÷ (publishes × its streams)
      hubCpuUsPerDelivery: cpu.hubs.map((c) => (c / (publishes * deliveredPerHub)) * 1e6),
      workerCpuSeconds: cpu.workers,
      workerCpuUsPerDelivery: (cpu.workers / Math.max(1, lat.length)) * 1e6,
      pgCpuSeconds: cpu.pg,
      // the floor on this box: CPU that one publish costs hubs + load workers + PostgreSQL, spread
      // over every core with nothing else running (the machine is shared: the load average says how
      // much else ran)
      floorMsPerPublish:
        (((cpu.hubs.reduce((a, b) => a + b, 0) + cpu.workers + cpu.pg) / publishes) * 1000) /
        availableParallelism(),
      loadAverage: loadavg()[0],
    };
  } finally {
    for (const w of ws) w.kill();
    for (const h of hubs) await stopServer(h);
  }
}

async function withPgSchema(pgUrl, fn) {
  const schema = `skillsync_bench_${randomBytes(4).toString("hex")}`;
  const u = new URL(pgUrl);
  u.searchParams.set("schema", schema);
  try {
    return await fn(u.toString());
  } finally {
    const pg = (await import("pg")).default;
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
}

function printPoll(r) {
  console.log(
    `hub/${r.store}: ${r.clients} clients; saturated ${r.saturatedPollsPerSec.toFixed(0)} polls/s ` +
      `(p99 ${r.saturatedP99Ms.toFixed(1)} ms; Little's law: mean ≈ clients ÷ throughput), hub CPU ${r.hubCpuUsPerPoll.toFixed(0)} µs/poll ` +
      `→ one-core floor ${r.oneCoreFloorPollsPerSec.toFixed(0)} polls/s; offered ${r.offeredPollsPerSec}/s: ` +
      `served ${r.pacedPollsPerSec.toFixed(0)}/s, p50 ${r.pacedP50Ms.toFixed(1)} ms, p99 ${r.pacedP99Ms.toFixed(1)} ms; ` +
      `empty poll ${r.emptyPollBytes} B on the wire (${r.emptyPollBodyBytes} B body); ${r.errors} errors; RSS ${r.hubRssMiB.toFixed(0)} MiB`,
  );
}

/**
 * Runs the hub benchmark.
 * Rows: `opts.rows` or `HUB_BENCH_ROWS` (comma-separated, default `poll,sse`).
 * @param {{rows?: string[], clients?: number, workers?: number, rate?: number, saturateSeconds?: number, pacedSeconds?: number, subscribers?: number, sseUsers?: number, sseWorkers?: number, ssePool?: number, publishes?: number, quiet?: boolean}} [opts]
 * @returns {Promise<{ratios: {name: string, value: number, target?: number, note?: string}[], metrics: {name: string, value: number, unit: string}[], polling: object[], sse?: object}>}
 */
export async function benchHub(opts = {}) {
  const p = {
    clients: opts.clients ?? 1000,
    workers: opts.workers ?? 2,
    rate: opts.rate ?? 5000,
    saturateSeconds: opts.saturateSeconds ?? 3,
    pacedSeconds: opts.pacedSeconds ?? 4,
  };
  const subscribers = opts.subscribers ?? 10_000;
  const publishes = opts.publishes ?? 5;
  const sseWorkers = opts.sseWorkers ?? 4;
  const ssePool = opts.ssePool ?? Number(process.env.HUB_BENCH_SSE_POOL ?? 10);
  const sseUsers = opts.sseUsers ?? Math.max(1, Math.round(subscribers / 10));
  const polling = [];
  let sse;
  const home = mkdtempSync(join(tmpdir(), "skillsync-bench-hub-"));
  const pgUrl = process.env.SKILLSYNC_TEST_PG;
  const rows = opts.rows ?? (process.env.HUB_BENCH_ROWS ?? "poll,sse").split(",");
  try {
    if (rows.includes("poll")) {
      polling.push(await benchPolling({ label: "sqlite", db: `sqlite:${join(home, "hub.db")}`, home, ...p }));
      if (!opts.quiet) printPoll(polling.at(-1));
    }
    if (pgUrl && rows.includes("poll")) {
      polling.push(await withPgSchema(pgUrl, (db) => benchPolling({ label: "postgres", db, home, ...p })));
      if (!opts.quiet) printPoll(polling.at(-1));
    }
    if (pgUrl && rows.includes("sse")) {
      sse = await withPgSchema(pgUrl, (db) =>
        benchSse({
          db: `${db}&pool_max=${ssePool}`,
          home,
          subscribers,
          users: sseUsers,
          workers: sseWorkers,
          publishes,
        }),
      );
      if (!opts.quiet)
        console.log(
          `hub/sse: ${sse.subscribers} subscribers (${sse.failedStreams} failed to connect, ${sse.connectSeconds.toFixed(1)} s to connect) over 2 hubs on one PostgreSQL; ` +
            `${sse.publishes} publishes → ${sse.deliveries} deliveries, lost ${sse.lost}; publish→subscriber p50 ${sse.p50Ms.toFixed(0)} ms, ` +
            `p99 ${sse.p99Ms.toFixed(0)} ms, max ${sse.maxMs.toFixed(0)} ms; RSS per hub ${sse.rssMiB.map((m) => `${m.toFixed(0)} MiB`).join(", ")} ` +
            `(idle after connect ${sse.rssIdleMiB.map((m) => `${m.toFixed(0)} MiB`).join(", ")})`,
        );
      if (!opts.quiet)
        console.log(
          `hub/sse: over the ${sse.windowSeconds.toFixed(1)} s publish window: hub CPU ${sse.hubCpuSeconds.map((c, i) => `${c.toFixed(2)} s (user ${sse.hubUserSysSeconds[i].user.toFixed(2)}, sys ${sse.hubUserSysSeconds[i].sys.toFixed(2)}, preempted ${sse.hubPreemptions[i]}×)`).join(", ")} ` +
            `(${sse.hubCpuUsPerDelivery.map((u) => `${u.toFixed(0)} µs`).join(", ")} per event per subscriber), ` +
            `load workers ${sse.workerCpuSeconds.toFixed(2)} s (${sse.workerCpuUsPerDelivery.toFixed(0)} µs per event received), ` +
            `PostgreSQL ${sse.pgCpuSeconds.toFixed(2)} s → floor ${sse.floorMsPerPublish.toFixed(0)} ms per publish on ${availableParallelism()} idle cores ` +
            `(load average ${sse.loadAverage.toFixed(1)}); per publish first/p50/last subscriber ms: ` +
            sse.spread
              .map((x) => `${x.firstMs.toFixed(0)}/${x.p50Ms.toFixed(0)}/${x.lastMs.toFixed(0)}`)
              .join(" "),
        );
    }
    if (!pgUrl && !opts.quiet)
      console.log("hub: PostgreSQL rows skipped (set SKILLSYNC_TEST_PG to include them)");
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  const ratios = [];
  const metrics = [];
  for (const r of polling) {
    ratios.push(
      { name: `${r.store}: 5,000 ÷ saturated polls/s`, value: 5000 / r.saturatedPollsPerSec, target: 1 },
      { name: `${r.store}: p99 ms at 5,000 polls/s offered`, value: r.pacedP99Ms, target: 50 },
      { name: `${r.store}: bytes per empty poll`, value: r.emptyPollBytes, target: 200 },
    );
    metrics.push(
      { name: `${r.store}: hub CPU per poll`, value: r.hubCpuUsPerPoll, unit: "µs" },
      { name: `${r.store}: polls served at 5,000/s offered`, value: r.pacedPollsPerSec, unit: "polls/s" },
    );
  }
  if (sse) {
    ratios.push(
      { name: "sse 10k/2 hubs: publish→subscriber p99 ms", value: sse.p99Ms, target: 1000 },
      { name: "sse 10k/2 hubs: lost events", value: sse.lost + sse.failedStreams * publishes, target: 0 },
    );
    sse.hubCpuUsPerDelivery.forEach((u, i) => {
      metrics.push({ name: `sse: hub ${i + 1} CPU per event per subscriber`, value: u, unit: "µs" });
    });
    metrics.push({
      name: "sse: load-worker CPU per event received",
      value: sse.workerCpuUsPerDelivery,
      unit: "µs",
    });
    sse.rssMiB.forEach((m, i) => {
      metrics.push({ name: `sse: RSS of hub ${i + 1}`, value: m, unit: "MiB" });
      ratios.push({ name: `sse: RSS of hub ${i + 1} (MiB)`, value: m, note: "reported" });
    });
  }
  return { ratios, metrics, polling, ...(sse ? { sse } : {}) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchHub();
  for (const x of r.ratios)
    console.log(
      `  ${x.name}: ${x.value.toFixed(2)}${x.target === undefined ? "" : ` (target ≤ ${x.target})`}`,
    );
}

// Load-generator worker for bench/hub.mjs (not run on its own): raw keep-alive sockets on loopback,
// so the client side costs little CPU next to the hub. Started by bench/hub.mjs with an IPC channel
// (through `bash -c 'ulimit -n …; exec node …'` to open thousands of sockets); it gets one job
// message, answers with one result message and exits. Bounded: every job has a deadline.
//
// Jobs:
// - {mode: "poll", …} jobs answer {warm} after one poll per connection, then wait for {go: epoch ms}
//   so that all workers measure the same window.
// - {mode: "poll", port, tokens, phase: "saturate", seconds} — each client polls
//   `GET /api/v1/changes?after=CURSOR` back to back until the deadline.
// - {mode: "poll", port, tokens, phase: "paced", seconds, rate} — the clients together poll at
//   `rate` per second (each every tokens.length×workers/rate s, random phase); latency counts from
//   the scheduled time, so a slow hub's queueing is included (no coordinated omission).
// - {mode: "sse", port, tokens, seconds} — one `GET /api/v1/events` stream per token; replies
//   {ready} once every stream saw `event: ready`, then records [name, receipt ms] of each `change`
//   until {stop} or the deadline.
import "./node-env.mjs";
import net from "node:net";
import { performance } from "node:perf_hooks";

const nowMs = () => performance.timeOrigin + performance.now();

/** A keep-alive connection that sends one request at a time and resolves with the status. */
function pollConnection(port, token, after) {
  const request = Buffer.from(
    `GET /api/v1/changes?after=${after} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`,
  );
  const sock = net.connect(port, "127.0.0.1");
  sock.setNoDelay(true);
  let buf = Buffer.alloc(0);
  let pending;
  sock.on("data", (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    const head = buf.indexOf("\r\n\r\n");
    if (head < 0) return;
    const m = /\r\ncontent-length: *(\d+)/i.exec(buf.subarray(0, head).toString("latin1"));
    const total = head + 4 + (m ? Number(m[1]) : 0);
    if (buf.length < total) return;
    const status = Number(buf.subarray(9, 12).toString("latin1"));
    buf = buf.subarray(total);
    const p = pending;
    pending = undefined;
    p?.resolve(status);
  });
  sock.on("error", (e) => pending?.reject(e));
  sock.on("close", () => pending?.reject(new Error("connection closed")));
  return {
    poll() {
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        sock.write(request);
      });
    },
    close: () => sock.destroy(),
  };
}

async function pollJob(job) {
  const conns = job.tokens.map((t) => pollConnection(job.port, t, job.after ?? 0));
  // warm-up: one poll per connection (authenticates, fills the hub's caches); then every worker
  // starts at the same moment (`go`, epoch ms), so their windows overlap exactly
  await Promise.all(conns.map((c) => c.poll()));
  process.send({ warm: true });
  const go = await new Promise((r) => process.once("message", (m) => r(m.go)));
  const start = go - performance.timeOrigin;
  while (performance.now() < start)
    await new Promise((r) => setTimeout(r, Math.max(1, start - performance.now())));
  const latencies = [];
  let errors = 0;
  const deadline = start + job.seconds * 1000;
  if (job.phase === "saturate") {
    await Promise.all(
      conns.map(async (c) => {
        while (performance.now() < deadline) {
          const s = performance.now();
          const status = await c.poll().catch(() => 0);
          latencies.push(performance.now() - s);
          if (status !== 200) errors++;
        }
      }),
    );
  } else {
    const period = 1000 / job.ratePerClient;
    await Promise.all(
      conns.map(async (c) => {
        let next = start + Math.random() * period;
        while (next < deadline) {
          // timers may fire a little early: sleep until the scheduled time has really come
          for (let w = next - performance.now(); w > 0; w = next - performance.now())
            await new Promise((r) => setTimeout(r, Math.max(1, w)));
          const status = await c.poll().catch(() => 0);
          latencies.push(performance.now() - next);
          if (status !== 200) errors++;
          next += period;
        }
      }),
    );
  }
  const seconds = job.seconds;
  for (const c of conns) c.close();
  return { latencies, errors, seconds };
}

const BLANK = Buffer.from("\n\n");
const READY = Buffer.from("event: ready");
const CHANGE = Buffer.from("event: change");
const NAME = Buffer.from('"name":"');

/**
 * One SSE stream; `onChange(name)` per `change` event. Resolves when `ready` arrived. Parses bytes
 * (no string decoding of the whole stream) so that the load side stays cheap next to the hub.
 */
function sseStream(port, token, onChange) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1", () =>
      sock.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`),
    );
    let rest; // bytes after the last complete event
    let ready = false;
    sock.on("data", (d) => {
      let buf = rest ? Buffer.concat([rest, d]) : d;
      // chunked framing lines are skipped: only `event:` / `data:` lines matter here
      let i = buf.indexOf(BLANK);
      while (i >= 0) {
        const block = buf.subarray(0, i);
        buf = buf.subarray(i + 2);
        if (block.includes(CHANGE)) {
          const at = block.indexOf(NAME);
          if (at >= 0) {
            const from = at + NAME.length;
            onChange(block.toString("latin1", from, block.indexOf(34, from)));
          }
        } else if (!ready && block.includes(READY)) {
          ready = true;
          resolve(sock);
        }
        i = buf.indexOf(BLANK);
      }
      // what follows an event is usually just the chunk's closing CRLF: not worth a concat
      rest = buf.length > 2 ? buf : undefined;
    });
    sock.on("error", (e) => (ready ? undefined : reject(e)));
    sock.on("close", () => (ready ? undefined : reject(new Error("stream closed before ready"))));
  });
}

async function sseJob(job) {
  const received = []; // [subscriber index, name, receipt ms]
  const socks = [];
  const deadline = setTimeout(() => finish(), job.seconds * 1000);
  let failed = 0;
  // open in batches so the hubs are not hit by thousands of handshakes in one tick
  for (let i = 0; i < job.tokens.length; i += 100) {
    const batch = job.tokens.slice(i, i + 100).map((t, k) =>
      sseStream(job.ports[(i + k) % job.ports.length], t, (name) =>
        received.push([i + k, name, nowMs()]),
      ).then(
        (s) => socks.push(s),
        () => failed++,
      ),
    );
    await Promise.all(batch);
  }
  process.send({ ready: true, streams: socks.length, failed });
  function finish() {
    clearTimeout(deadline);
    for (const s of socks) s.destroy();
    process.send({ received, streams: socks.length, failed }, () => process.exit(0));
  }
  process.on("message", (m) => {
    if (m.stop) finish();
  });
}

process.once("message", async (job) => {
  try {
    if (job.mode === "poll") {
      const r = await pollJob(job);
      process.send(r, () => process.exit(0));
    } else await sseJob(job);
  } catch (e) {
    process.send({ error: String(e?.stack ?? e) }, () => process.exit(1));
  }
});

// Daemon benchmark: edit-to-synced latency (p50/p95) and the daemon's idle CPU and memory while it
// watches `artifacts` skills (default 10,000).
//
// Setup: a fresh home with `artifacts` skills (`skills/sNNNNN/SKILL.md` + one reference file each) in
// the collection, automatic sync on, `debounce_ms` (default 100). The daemon runs as its own process
// (so the load generator does not share its event loop) with a no-op sync runner that prints
// `SYNC <trigger>` when a run starts. Latency: `edits` (default 20) sequential edits of random
// skills' SKILL.md; from the write to the `SYNC` line (so it includes the debounce). Idle: CPU time
// used over `idleSeconds` (default 10) with nothing happening, and RSS / heap at the end.
//
// Usage: `node bench/daemon.mjs` (after `npm run build`), or `await benchDaemon()` from bench/run.mjs.
import "./node-env.mjs";
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const CHILD = `
import { startDaemon } from ${JSON.stringify(dist("daemon/daemon.js"))};
import { nullLogger } from ${JSON.stringify(dist("daemon/log.js"))};
const home = process.argv[2];
const t0 = performance.now();
const handle = await startDaemon({
  home, port: 0, logger: nullLogger, registerUi: () => {},
  runner: async (input) => {
    process.stdout.write("SYNC " + input.trigger + "\\n");
    return { results: [], conflicts: [], invalid: [], errors: [] };
  },
});
await handle.watching;
process.stdout.write("READY " + Math.round(performance.now() - t0) + "\\n");
process.stdin.setEncoding("utf8");
process.stdin.on("data", async (d) => {
  for (const line of d.split("\\n")) {
    if (line === "STATS") {
      const c = process.cpuUsage();
      const m = process.memoryUsage();
      process.stdout.write("STATS " + JSON.stringify({ cpu_us: c.user + c.system, rss: m.rss, heap: m.heapUsed, wall: performance.now() }) + "\\n");
    } else if (line === "STOP") {
      await handle.stop();
      process.exit(0);
    }
  }
});
`;

/**
 * Runs the benchmark.
 * @param {{artifacts?: number, edits?: number, idleSeconds?: number, debounceMs?: number}} [opts]
 * @returns {Promise<{artifacts: number, debounce_ms: number, startup_ms: number, edit_to_sync_p50_ms: number, edit_to_sync_p95_ms: number, idle_cpu_percent: number, rss_mib: number, heap_mib: number}>}
 */
export async function benchDaemon(opts = {}) {
  const artifacts = opts.artifacts ?? 10_000;
  const edits = opts.edits ?? 20;
  const idleSeconds = opts.idleSeconds ?? 10;
  const debounceMs = opts.debounceMs ?? 100;
  const home = mkdtempSync(join(tmpdir(), "skillsync-bench-daemon-"));
  let child;
  try {
    const skills = join(home, "collections", "default", "skills");
    for (let i = 0; i < artifacts; i++) {
      const name = `s${String(i).padStart(5, "0")}`;
      mkdirSync(join(skills, name, "references"), { recursive: true });
      writeFileSync(
        join(skills, name, "SKILL.md"),
        `---\nname: ${name}\ndescription: Benchmark skill ${i}.\n---\n\n# ${name}\n\nBody.\n`,
      );
      writeFileSync(join(skills, name, "references", "notes.md"), `notes ${i}\n`);
    }
    writeFileSync(
      join(home, "config.toml"),
      `version = 1\n[daemon]\nenabled = true\ndebounce_ms = ${debounceMs}\nmin_interval = 0\n`,
    );
    const script = join(home, "bench-daemon-child.mjs");
    writeFileSync(script, CHILD);
    child = spawn(process.execPath, [script, home], { stdio: ["pipe", "pipe", "inherit"] });
    let buf = "";
    const lines = [];
    const waiters = [];
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => {
      buf += d;
      let i = buf.indexOf("\n");
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push({ line, at: performance.now() });
        for (const w of waiters.splice(0)) w();
        i = buf.indexOf("\n");
      }
    });
    const next = async (prefix, from, timeoutMs = 120_000) => {
      const until = performance.now() + timeoutMs;
      for (;;) {
        const hit = lines.slice(from).find((l) => l.line.startsWith(prefix));
        if (hit) return hit;
        if (performance.now() > until) throw new Error(`daemon bench: no '${prefix}' within ${timeoutMs} ms`);
        await Promise.race([new Promise((r) => waiters.push(r)), sleep(50)]);
      }
    };
    const ready = await next("READY", 0);
    const startupMs = Number(ready.line.split(" ")[1]);
    await next("SYNC startup", 0);
    await sleep(500);

    const latencies = [];
    for (let e = 0; e < edits; e++) {
      const name = `s${String(Math.floor(Math.random() * artifacts)).padStart(5, "0")}`;
      const from = lines.length;
      const t0 = performance.now();
      appendFileSync(join(skills, name, "SKILL.md"), `\nedit ${e}\n`);
      const hit = await next("SYNC", from, 10_000);
      latencies.push(hit.at - t0);
      await sleep(debounceMs + 100);
    }
    latencies.sort((a, b) => a - b);

    await sleep(1000);
    let from = lines.length;
    child.stdin.write("STATS\n");
    const s0 = JSON.parse((await next("STATS", from)).line.slice(6));
    await sleep(idleSeconds * 1000);
    from = lines.length;
    child.stdin.write("STATS\n");
    const s1 = JSON.parse((await next("STATS", from)).line.slice(6));
    const idleCpu = ((s1.cpu_us - s0.cpu_us) / 1000 / (s1.wall - s0.wall)) * 100;
    child.stdin.write("STOP\n");
    await new Promise((r) => child.once("exit", r));
    child = undefined;
    return {
      artifacts,
      debounce_ms: debounceMs,
      startup_ms: startupMs,
      edit_to_sync_p50_ms: Math.round(percentile(latencies, 50)),
      edit_to_sync_p95_ms: Math.round(percentile(latencies, 95)),
      idle_cpu_percent: Math.round(idleCpu * 100) / 100,
      rss_mib: Math.round((s1.rss / 1048576) * 10) / 10,
      heap_mib: Math.round((s1.heap / 1048576) * 10) / 10,
    };
  } finally {
    if (child) child.kill("SIGKILL");
    rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchDaemon();
  console.log(`daemon: ${r.artifacts} watched artifacts (debounce ${r.debounce_ms} ms)`);
  console.log(`  startup (scan + watcher ready): ${r.startup_ms} ms`);
  console.log(`  edit-to-sync latency: p50 ${r.edit_to_sync_p50_ms} ms, p95 ${r.edit_to_sync_p95_ms} ms`);
  console.log(`  idle: CPU ${r.idle_cpu_percent} %, RSS ${r.rss_mib} MiB, heap ${r.heap_mib} MiB`);
}

// CLI start-up (issue 13): `skillsync --version` and `skillsync status` on an empty collection, next
// to `node -e 0` in the same run. Each is the median wall time of `runs` spawns (default 15), after
// two warm-up spawns each (page cache, compile cache). Target: each <= 2.5x `node -e 0`. Every process
// runs without NODE_EXTRA_CA_CERTS (bench/node-env.mjs); where the environment sets it, one more row
// times `node -e 0` with it, to show what it costs.
//
// Usage: `node bench/start.mjs` (after `npm run build`), or `await benchStart()` from bench/run.mjs.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { EXTRA_CA_CERTS } from "./node-env.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(resolve(process.env.SKILLSYNC_TEST_DIST || join(REPO, "dist")), "cli", "main.cjs");

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function once(args, opts) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, {
    ...opts,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return ms;
}

/**
 * Runs the start-up benchmark and prints its numbers.
 * @param {{runs?: number}} [opts]
 * @returns {Promise<{name: string, metrics: {name: string, value: number, unit: string}[],
 *   ratios: {name: string, value: number, target: number}[]}>}
 */
export async function benchStart(opts = {}) {
  const runs = opts.runs ?? Number(process.env.SKILLSYNC_BENCH_RUNS || 15);
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing; run 'npm run build' first`);
  const root = mkdtempSync(join(tmpdir(), "skillsync-bench-start-"));
  try {
    const home = join(root, "home");
    const project = join(root, "project");
    mkdirSync(project);
    const env = { ...process.env, SKILLSYNC_HOME: home, NO_COLOR: "1" };
    once([BIN, "init"], { env, cwd: project });
    const cases = [
      { name: "node -e 0", args: ["-e", "0"] },
      { name: "skillsync --version", args: [BIN, "--version"] },
      { name: "skillsync status (empty collection)", args: [BIN, "status"] },
    ];
    // What this machine's NODE_EXTRA_CA_CERTS costs every Node process (bench/node-env.mjs takes it
    // out of every other measurement), when it is set.
    const caEnv = EXTRA_CA_CERTS ? { ...env, NODE_EXTRA_CA_CERTS: EXTRA_CA_CERTS } : undefined;
    if (caEnv)
      cases.push({ name: "node -e 0 with NODE_EXTRA_CA_CERTS as set here", args: ["-e", "0"], env: caEnv });
    const times = cases.map(() => []);
    for (const c of cases) for (let i = 0; i < 2; i++) once(c.args, { env: c.env ?? env, cwd: project });
    // Interleaved, so that load on the shared machine hits every case alike.
    for (let i = 0; i < runs; i++)
      for (const [k, c] of cases.entries()) times[k].push(once(c.args, { env: c.env ?? env, cwd: project }));
    const med = times.map(median);
    const metrics = cases.map((c, k) => ({ name: c.name, value: med[k], unit: "ms" }));
    const ratios = cases.slice(1).map((c, k) =>
      c.env
        ? {
            name: `${c.name} / node -e 0`,
            value: med[k + 1] / med[0],
            note: `${EXTRA_CA_CERTS}, read at every start by Node 20`,
          }
        : { name: `${c.name} / node -e 0`, value: med[k + 1] / med[0], target: 2.5 },
    );
    // Start-up is sensitive to what else runs (the ratio rose from ~2.3x to ~3x while packages were
    // being installed): the load average says how quiet the machine was.
    const load = loadavg().map((l) => l.toFixed(2));
    console.log(`  load average at the end: ${load.join(" ")}`);
    for (const m of metrics) console.log(`  ${m.name}: ${m.value.toFixed(0)} ms (median of ${runs})`);
    for (const r of ratios)
      console.log(
        `  ratio ${r.name}: ${r.value.toFixed(2)} (${r.target ? `target <= ${r.target}` : r.note})`,
      );
    return { name: "start", metrics, ratios };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchStart();
}

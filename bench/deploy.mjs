// Deploy (issue 13): `skillsync deploy --all` of 181 real skills into an empty project, next to
// `cp -r` of the same skill folders in the same run. The 181 skills are the 12 fixture skills
// (/work/shared/fixtures, or SKILLSYNC_FIXTURES) copied round-robin under new names (`<name>-<k>`,
// SKILL.md `name:` rewritten to match), added once with `skillsync add`. Each timed run deploys into
// a fresh project folder; the median of `runs` (default 5) runs, interleaved with `cp -r`, is taken.
// Target: deploy <= 1.5x `cp -r`. Both write to the same file system; deploy fsyncs (crash safety),
// `cp` does not, so the ratio includes the price of durability. No run's folders are deleted before
// the end: on ext4 (here without a journal) creating inodes right after deleting thousands is slow,
// which made `cp -r` vary from 0.3 s to 4 s with the order of the runs. On tmpfs/ramfs it is the other
// way round (fresh memory is slow to touch), so there each run's folders are removed after it.
//
// SKILLSYNC_BENCH_BASELINE=<dist folder> also deploys with that build (e.g. an older commit built into
// a scratch folder) in each run, before or after the current one by turns, and prints its numbers.
//
// Usage: `node bench/deploy.mjs` (after `npm run build`), or `await benchDeploy()` from bench/run.mjs.
// SKILLSYNC_BENCH_KEEP=1 keeps the tree (printed) to profile a deploy by hand:
// `SKILLSYNC_HOME=<tree>/home node --cpu-prof dist/cli/main.cjs deploy --all --project <empty> --yes`.
import "./node-env.mjs";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  promises as fsp,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(resolve(process.env.SKILLSYNC_TEST_DIST || join(REPO, "dist")), "cli", "main.cjs");
const BASELINE = process.env.SKILLSYNC_BENCH_BASELINE
  ? join(resolve(process.env.SKILLSYNC_BENCH_BASELINE), "cli", "main.js") // the bin of any build, old or new
  : undefined;
const FIXTURES = resolve(process.env.SKILLSYNC_FIXTURES || join(REPO, "..", "shared", "fixtures", "skills"));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function run(cmd, args, opts) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    ...opts,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/** Every file and folder under `dir` (folders after their contents). */
function listTree(dir, files = [], dirs = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) listTree(p, files, dirs);
    else files.push(p);
  }
  dirs.push(dir);
  return { files, dirs };
}

/** fsyncs every path, 16 in flight (what a per-file durable copy must add to `cp -r`). */
async function fsyncAll(paths) {
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const fh = await fsp.open(paths[next++], "r");
      await fh.sync();
      await fh.close();
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** Every folder under `dir` holding a SKILL.md. */
function findSkills(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const p = join(dir, e.name);
    if (existsSync(join(p, "SKILL.md"))) out.push(p);
    else findSkills(p, out);
  }
  return out;
}

/**
 * Runs the deploy benchmark and prints its numbers.
 * @param {{skills?: number, runs?: number}} [opts]
 * @returns {Promise<{name: string, metrics: {name: string, value: number, unit: string}[],
 *   ratios: {name: string, value: number, target: number}[]}>}
 */
export async function benchDeploy(opts = {}) {
  const count = opts.skills ?? Number(process.env.SKILLSYNC_BENCH_SKILLS || 181);
  const runs = opts.runs ?? Number(process.env.SKILLSYNC_BENCH_RUNS || 5);
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing; run 'npm run build' first`);
  const fixtures = findSkills(FIXTURES).sort();
  if (fixtures.length === 0) throw new Error(`no fixture skills under ${FIXTURES}`);
  const root = mkdtempSync(join(tmpdir(), "skillsync-bench-deploy-"));
  try {
    const source = join(root, "source");
    for (let i = 0; i < count; i++) {
      const from = fixtures[i % fixtures.length];
      const base = from.split("/").pop();
      const name = `${base}-${Math.floor(i / fixtures.length)}`;
      const to = join(source, name);
      cpSync(from, to, { recursive: true });
      const md = join(to, "SKILL.md");
      writeFileSync(md, readFileSync(md, "utf8").replace(/^name:.*$/m, `name: ${name}`));
    }
    const home = join(root, "home");
    const env = { ...process.env, SKILLSYNC_HOME: home, NO_COLOR: "1" };
    run(process.execPath, [BIN, "init"], { env, cwd: root });
    run(process.execPath, [BIN, "add", source, "--json"], { env, cwd: root });
    const skillsDir = join(home, "collections", "default", "skills");
    const added = readdirSync(skillsDir).length;
    if (added !== count) throw new Error(`added ${added} skills, expected ${count}`);
    const files = Number(run("sh", ["-c", `find '${skillsDir}' -type f | wc -l`], {}).stdout.trim());
    const kb = Number(run("du", ["-sk", skillsDir], {}).stdout.split("\t")[0]);
    const load = () => loadavg()[0].toFixed(2);
    console.log(`  ${count} skills, ${files} files, ${(kb / 1024).toFixed(1)} MiB; load average ${load()}`);
    const deployMs = [];
    const baseMs = [];
    const cpMs = [];
    const fsyncMs = [];
    const syncfsMs = [];
    // Before each timed command, an untimed `sync`: no command pays for the writeback of the data
    // the one before it left dirty. Without it `cp -r` on ext4 here took anywhere from 96 to 522 ms
    // within one run of this benchmark and deploy 359-773 ms, by what the previous command left.
    const settle = () => run("sync", [], {});
    /** Deploys every skill with the build `bin` into the new project folder `name`; the run's time. */
    const deploy = (bin, name) => {
      const project = join(root, name);
      mkdirSync(project);
      settle();
      const r = run(process.execPath, [bin, "deploy", "--all", "--project", project, "--yes"], {
        env,
        cwd: project,
      });
      const deployed = readdirSync(join(project, ".claude", "skills")).length;
      if (deployed !== count) throw new Error(`deployed ${deployed} skills, expected ${count}`);
      return r;
    };
    const inMemory = [0x01021994, 0x858458f6].includes(statfsSync(root).type); // tmpfs, ramfs
    for (let i = -1; i < runs; i++) {
      // With a baseline, the two builds take turns going first (the later one finds the disk busier).
      const baseFirst = BASELINE && i % 2 !== 0;
      const b0 = baseFirst ? deploy(BASELINE, `b${i + 1}`) : undefined;
      const d = deploy(BIN, `p${i + 1}`);
      const b = baseFirst ? b0 : BASELINE ? deploy(BASELINE, `b${i + 1}`) : undefined;
      const target = join(root, `c${i + 1}`);
      mkdirSync(join(target, ".claude"), { recursive: true });
      settle();
      const c = run("cp", ["-r", skillsDir, join(target, ".claude", "skills")], {});
      // The durability floor: the fsyncs a per-file durable copy adds to the cp (same files, just
      // written, 16 in flight), and one `sync -f` (syncfs) of the same data instead.
      const { files: tf, dirs: td } = listTree(join(target, ".claude"));
      const t0 = performance.now();
      await fsyncAll([...tf, ...td]);
      const f = performance.now() - t0;
      const target2 = join(root, `s${i + 1}`);
      mkdirSync(join(target2, ".claude"), { recursive: true });
      settle();
      const c2 = run("cp", ["-r", skillsDir, join(target2, ".claude", "skills")], {});
      const s = run("sync", ["-f", target2], {});
      // On tmpfs/ramfs, writing into memory the VM has not touched before costs 3-5x more system time
      // than reusing freed pages (cp -r measured 60 ms or 160-340 ms here by that alone), so there
      // each run's folders go before the next run; on a disk file system they stay (see the top).
      if (inMemory)
        for (const n of [`p${i + 1}`, `b${i + 1}`, `c${i + 1}`, `s${i + 1}`])
          rmSync(join(root, n), { recursive: true, force: true });
      if (i >= 0) {
        deployMs.push(d.ms);
        if (b) baseMs.push(b.ms);
        cpMs.push(c.ms);
        fsyncMs.push(c.ms + f);
        syncfsMs.push(c2.ms + s.ms);
      }
    }
    const d = median(deployMs);
    const c = median(cpMs);
    const metrics = [
      { name: `skillsync deploy --all (${count} skills)`, value: d, unit: "ms" },
      { name: "cp -r of the same folders", value: c, unit: "ms" },
      { name: "floor: cp -r + fsync of every file and folder", value: median(fsyncMs), unit: "ms" },
      { name: "floor: cp -r + sync -f (one syncfs)", value: median(syncfsMs), unit: "ms" },
    ];
    const ratios = [
      { name: `deploy ${count} skills / cp -r`, value: d / c, target: 1.5 },
      { name: "floor (cp -r + fsync each) / cp -r", value: median(fsyncMs) / c, note: "durability floor" },
      { name: "floor (cp -r + syncfs) / cp -r", value: median(syncfsMs) / c, note: "durability floor" },
    ];
    const range = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
    const paired = deployMs.map((x, k) => x / cpMs[k]);
    console.log(`  load average at the end ${load()}`);
    for (const m of metrics) console.log(`  ${m.name}: ${m.value.toFixed(0)} ms (median of ${runs})`);
    console.log(
      `  ranges: deploy ${range(deployMs)} ms, cp -r ${range(cpMs)} ms; per-run deploy / cp -r ${Math.min(...paired).toFixed(2)}–${Math.max(...paired).toFixed(2)}`,
    );
    console.log(`  ratio deploy / cp -r: ${(d / c).toFixed(2)} (target <= 1.5)`);
    if (BASELINE) {
      const b = median(baseMs);
      console.log(
        `  baseline ${BASELINE}: ${b.toFixed(0)} ms (${range(baseMs)}), ratio to cp -r ${(b / c).toFixed(2)}; current / baseline ${(d / b).toFixed(2)}`,
      );
      const pairs = deployMs.map((x, k) => (x / baseMs[k]).toFixed(2));
      console.log(`  per run current / baseline: ${pairs.join(" ")}`);
      metrics.push({ name: "baseline build deploy --all", value: b, unit: "ms" });
    }
    for (const r of ratios.slice(1)) console.log(`  ratio ${r.name}: ${r.value.toFixed(2)}`);
    return { name: "deploy", metrics, ratios };
  } finally {
    if (process.env.SKILLSYNC_BENCH_KEEP) console.log(`  kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchDeploy();
}

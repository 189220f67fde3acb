// Merge throughput: the built engine (dist/core/merge.js, mergeBytes as the CLI and sync use it)
// next to `git merge-file -p` on the same inputs, in the same run.
//
// Inputs: a markdown document of about `sizeMB` MB (default 4) and two edited copies with scattered
// edits on both sides (about one edit per 150 lines per side, a few of them overlapping, so the
// result has some conflicts). Throughput = base size / median wall time of `reps` runs (default 5).
// git's time includes starting the process and reading the files, as a user running it would see.
//
// Usage: `node bench/merge.mjs` (after `npm run build`), or `await benchMerge()` from bench/run.mjs.
import "./node-env.mjs";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

/** mulberry32: seeded PRNG so every run merges the same inputs. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildInputs(sizeMB) {
  const rnd = prng(42);
  const words = [
    "skill",
    "agent",
    "sync",
    "merge",
    "project",
    "collection",
    "memory",
    "the",
    "a",
    "of",
    "to",
    "run",
  ];
  const sentence = () =>
    Array.from({ length: 4 + Math.floor(rnd() * 10) }, () => words[Math.floor(rnd() * words.length)]).join(
      " ",
    );
  const base = [];
  let bytes = 0;
  for (let i = 0; bytes < sizeMB * 1024 * 1024; i++) {
    const r = rnd();
    const line =
      i % 40 === 0 ? `## Section ${i / 40}` : r < 0.15 ? "" : r < 0.3 ? `- ${sentence()}` : sentence();
    base.push(line);
    bytes += line.length + 1;
  }
  const edit = (tag) => {
    const out = [...base];
    for (let i = out.length - 1; i > 0; i -= 100 + Math.floor(rnd() * 100)) {
      const r = rnd();
      if (r < 0.4) out[i] = `${tag} changed: ${sentence()}`;
      else if (r < 0.7) out.splice(i, 0, `${tag} added: ${sentence()}`);
      else out.splice(i, 1);
    }
    return out;
  };
  const enc = (lines) => Buffer.from(`${lines.join("\n")}\n`);
  return { base: enc(base), ours: enc(edit("ours")), theirs: enc(edit("theirs")) };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Runs the benchmark and prints one line.
 * @param {{ sizeMB?: number, reps?: number }} [opts]
 * @returns {Promise<{ name: string, sizeBytes: number, conflicts: number, engineMBps: number, gitMBps: number, ratio: number, identical: boolean }>}
 */
export async function benchMerge(opts = {}) {
  const sizeMB = opts.sizeMB ?? 4;
  const reps = opts.reps ?? 5;
  const { mergeBytes } = await import(new URL("../dist/core/merge.js", import.meta.url).href);
  const { base, ours, theirs } = buildInputs(sizeMB);
  const dir = mkdtempSync(join(tmpdir(), "skillsync-bench-merge-"));
  try {
    writeFileSync(join(dir, "base"), base);
    writeFileSync(join(dir, "ours"), ours);
    writeFileSync(join(dir, "theirs"), theirs);
    const labels = { ours: "ours", base: "base", theirs: "theirs" };
    const engineTimes = [];
    let mine;
    for (let k = 0; k < reps; k++) {
      const t0 = performance.now();
      mine = mergeBytes({ base, ours, theirs, labels });
      engineTimes.push(performance.now() - t0);
    }
    const gitTimes = [];
    let gitOut;
    const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
    for (let k = 0; k < reps; k++) {
      const t0 = performance.now();
      try {
        gitOut = execFileSync(
          "git",
          ["merge-file", "-p", "-L", "ours", "-L", "base", "-L", "theirs", "ours", "base", "theirs"],
          {
            cwd: dir,
            env,
            maxBuffer: 1 << 30,
          },
        );
      } catch (e) {
        if (typeof e.status !== "number" || e.status > 127) throw e;
        gitOut = e.stdout;
      }
      gitTimes.push(performance.now() - t0);
    }
    const mb = base.length / (1024 * 1024);
    const engineMBps = mb / (median(engineTimes) / 1000);
    const gitMBps = mb / (median(gitTimes) / 1000);
    const result = {
      name: "merge",
      sizeBytes: base.length,
      conflicts: mine.conflicts,
      engineMBps: Math.round(engineMBps * 10) / 10,
      gitMBps: Math.round(gitMBps * 10) / 10,
      ratio: Math.round((engineMBps / gitMBps) * 100) / 100,
      identical: Buffer.from(mine.data).equals(gitOut),
    };
    console.log(
      `merge: ${mb.toFixed(1)} MB, ${result.conflicts} conflicts: skillsync ${result.engineMBps} MB/s, ` +
        `git merge-file ${result.gitMBps} MB/s (ratio ${result.ratio}); same output: ${result.identical}`,
    );
    return {
      ...result,
      ratios: [
        {
          name: `merge ${mb.toFixed(0)} MB: skillsync MB/s / git merge-file MB/s (same output: ${result.identical})`,
          value: engineMBps / gitMBps,
          target: 1.0,
          higherIsBetter: true,
        },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMerge();
}

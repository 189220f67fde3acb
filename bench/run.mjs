/**
 * `npm run bench` (after `npm run build`): runs every benchmark module that exists and prints a
 * summary table of their ratios.
 *
 * Modules and their entry points: bench/start.mjs `benchStart`, bench/deploy.mjs `benchDeploy`,
 * bench/status.mjs `benchStatus`, bench/merge.mjs `benchMerge`,
 * bench/hub.mjs `benchHub`, bench/daemon.mjs `benchDaemon`. A missing module (or one without its
 * entry point) is reported and skipped; one that throws is reported as failed and the others still run.
 *
 * Each entry point is `async () => result`, printing its own details; for the summary it may return
 * `{ ratios: [{ name, value, target?, note? }], metrics?: [{ name, value, unit }] }`, where a ratio
 * with a `target` passes when `value <= target` (`value >= target` with `higherIsBetter: true`). Without `ratios`, the summary lists the numeric
 * fields of the returned object (or of each object of a returned array).
 *
 * Only some benchmarks: `node bench/run.mjs status merge`. Exit status 1 when a benchmark failed.
 */
import "./node-env.mjs";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

const BENCHES = [
  { name: "start", file: "start.mjs", entry: "benchStart" },
  { name: "deploy", file: "deploy.mjs", entry: "benchDeploy" },
  { name: "status", file: "status.mjs", entry: "benchStatus" },
  { name: "merge", file: "merge.mjs", entry: "benchMerge" },
  { name: "hub", file: "hub.mjs", entry: "benchHub" },
  { name: "daemon", file: "daemon.mjs", entry: "benchDaemon" },
];

function pad(s, n) {
  const t = String(s);
  return t.length >= n ? t : t + " ".repeat(n - t.length);
}

/** Prints rows as a plain, aligned table. */
function printTable(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) =>
    r
      .map((c, i) => pad(c, widths[i]))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(head)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

/** [label, formatted value] for every numeric field of `result` (objects, or arrays of objects). */
function flatten(result) {
  const out = [];
  const items = Array.isArray(result) ? result : [result];
  items.forEach((item, i) => {
    if (item === null || typeof item !== "object") return;
    const tag = item.name ?? item.store ?? item.label ?? (items.length > 1 ? `#${i + 1}` : "");
    for (const [k, v] of Object.entries(item))
      if (typeof v === "number" && Number.isFinite(v))
        out.push([tag ? `${tag}: ${k}` : k, Number.isInteger(v) ? String(v) : v.toFixed(2)]);
  });
  return out;
}

async function main() {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark(s): ${unknown.join(", ")}; known: ${BENCHES.map((b) => b.name).join(", ")}\n`,
    );
    return 2;
  }
  const summary = [];
  let failed = 0;
  for (const b of BENCHES) {
    if (only.length > 0 && !only.includes(b.name)) continue;
    const path = join(HERE, b.file);
    if (!existsSync(path)) {
      process.stdout.write(`\n== ${b.name}: skipped (bench/${b.file} does not exist yet)\n`);
      summary.push([b.name, "(skipped: no module)", "", "", ""]);
      continue;
    }
    process.stdout.write(`\n== ${b.name} (bench/${b.file})\n`);
    const t0 = performance.now();
    try {
      const mod = await import(pathToFileURL(path).href);
      const fn = mod[b.entry];
      if (typeof fn !== "function") {
        process.stdout.write(`  skipped: bench/${b.file} does not export ${b.entry}()\n`);
        summary.push([b.name, `(skipped: no ${b.entry})`, "", "", ""]);
        continue;
      }
      const result = await fn();
      const secs = ((performance.now() - t0) / 1000).toFixed(0);
      const ratios = Array.isArray(result?.ratios) ? result.ratios : [];
      for (const r of ratios) {
        const value = typeof r.value === "number" ? r.value.toFixed(2) : String(r.value);
        const verdict =
          typeof r.target === "number"
            ? (r.higherIsBetter ? r.value >= r.target : r.value <= r.target)
              ? `ok (${r.higherIsBetter ? ">=" : "<="} ${r.target})`
              : `MISSED (${r.higherIsBetter ? ">=" : "<="} ${r.target})`
            : (r.note ?? "");
        summary.push([b.name, r.name, value, verdict, `${secs} s`]);
      }
      if (ratios.length === 0) {
        // No `ratios`: list the numeric fields of the result (or of each element of an array).
        const rows = flatten(result);
        if (rows.length === 0) summary.push([b.name, "(nothing numeric reported)", "", "", `${secs} s`]);
        for (const [label, value] of rows) summary.push([b.name, label, value, "", `${secs} s`]);
      }
    } catch (e) {
      failed++;
      process.stdout.write(`  FAILED: ${e?.stack ?? e}\n`);
      summary.push([
        b.name,
        "(failed)",
        "",
        String(e?.message ?? e)
          .split("\n")[0]
          .slice(0, 80),
        "",
      ]);
    }
  }
  process.stdout.write("\n== summary\n");
  printTable(["benchmark", "measure", "value", "target", "time"], summary);
  return failed > 0 ? 1 : 0;
}

// Exit once the summary is out: a benchmark that leaves a handle open (a pooled connection, a child's
// pipe) must not keep `npm run bench` waiting after it has printed everything (seen once with hub).
process.exit(await main());

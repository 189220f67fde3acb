/**
 * `skillsync status` with a stat cache large enough for the early worker (src/cli/main.ts,
 * store/verify-worker.ts): the worker started before the command's modules load checks rows under
 * the project (`--project` or the current folder) and the collections, and those answers are used
 * (`SKILLSYNC_TRACE_VERIFY` says how many); the report is the same as a check on one thread, and an
 * edit made before the command is reported.
 */
import { appendFileSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";

const SKILLS = 400;
let root: string;
let home: string;
let project: string;

const cli = (cwd: string, ...args: string[]) =>
  runCli(args, { home, cwd, env: { SKILLSYNC_TRACE_VERIFY: "1" } });

/** The numbers of the `verify:` trace line (rows, by this thread, by the worker, early). */
function verifyTrace(r: CliResult): { rows: number; caller: number; worker: number; early: number } {
  const line = r.stderr.split("\n").find((l) => l.startsWith("verify: "));
  const m =
    /^verify: (\d+) rows, (\d+) by this thread, (\d+) by the worker \((\d+) checked before its job\)$/.exec(
      line ?? "",
    );
  if (!m) throw new Error(`no verify trace in: ${r.stderr}`);
  return { rows: Number(m[1]), caller: Number(m[2]), worker: Number(m[3]), early: Number(m[4]) };
}

/** Sets every file and folder under `dir` 10 s into the past, so the stat-cache rows are settled. */
function age(dir: string): void {
  const t = Math.floor(Date.now() / 1000) - 10;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    utimesSync(join(e.parentPath, e.name), t, t);
  utimesSync(dir, t, t);
}

beforeAll(() => {
  root = tempDir("skillsync-early-").path;
  home = join(root, "home");
  project = join(root, "project");
  const source = join(root, "source");
  mkdirSync(project);
  for (let i = 0; i < SKILLS; i++) {
    const dir = join(source, `early-${i}`);
    mkdirSync(join(dir, "references"), { recursive: true });
    writeFileSync(
      join(dir, "SKILL.md"),
      `---\nname: early-${i}\ndescription: skill ${i}\n---\n\nBody ${i}.\n`,
    );
    writeFileSync(join(dir, "references", "notes.md"), `notes ${i}\n`.repeat(20));
  }
  expect(cli(root, "init").code).toBe(0);
  expect(cli(root, "add", source).code).toBe(0);
  expect(cli(root, "deploy", "--all", "--project", project, "--yes").code).toBe(0);
  age(join(home, "collections"));
  age(join(project, ".claude"));
  // The first status hashes both trees and writes their settled stat-cache rows.
  expect(cli(project, "status").code).toBe(0);
}, 120_000);

afterAll(() => cleanupTempDirs());

describe("status with an early verify worker", () => {
  it("uses the rows the worker checked before its job, from the current folder or --project", () => {
    expect(statSync(join(home, "state.db")).size).toBeGreaterThanOrEqual(512 * 1024);
    const oneThread = cli(project, "status", "--json");
    for (const cwd of [project, root]) {
      const args = cwd === project ? ["status", "--json"] : ["status", "--json", "--project", project];
      // How many rows the worker gets to before its job depends on the machine's load: a few tries.
      let best = { rows: 0, caller: 0, worker: 0, early: 0 };
      for (let k = 0; k < 5 && best.early === 0; k++) {
        const r = cli(cwd, ...args);
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual(JSON.parse(oneThread.stdout));
        const t = verifyTrace(r);
        expect(t.rows).toBe(2 * SKILLS);
        expect(t.caller + t.worker).toBe(t.rows);
        if (t.early > best.early) best = t;
      }
      if (availableParallelism() >= 2) expect(best.early, `from ${cwd}`).toBeGreaterThan(0);
    }
  }, 120_000);

  it("reports an edit made before the command, whichever thread checked it", () => {
    const file = join(project, ".claude", "skills", `early-${SKILLS - 1}`, "references", "notes.md");
    appendFileSync(file, "edited\n");
    const r = cli(project, "status", "--json");
    expect(r.code).toBe(1);
    const drifted = (JSON.parse(r.stdout) as { artifacts: { name: string; drift_type: string }[] }).artifacts
      .filter((a) => a.drift_type !== "in-sync")
      .map((a) => a.name);
    expect(drifted).toEqual([`early-${SKILLS - 1}`]);
    expect(verifyTrace(r).rows).toBe(2 * SKILLS);
  }, 60_000);
});

import { appendFileSync, chmodSync, mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type * as ParallelVerify from "../src/store/parallel-verify.js";
import type * as StatCacheModule from "../src/store/stat-cache.js";
import type * as StateDb from "../src/store/state-db.js";
import type * as TreeRead from "../src/store/tree-read.js";
import type * as VerifyThread from "../src/store/verify-thread.js";
import { importDist, requireBuild } from "./helpers/paths.js";
import { cleanupTempDirs, tempDir } from "./helpers/temp.js";

afterEach(() => cleanupTempDirs());

/** `n` small skill folders under `root/skills`, aged 10 s so their stat-cache rows are settled. */
function skills(root: string, n: number): string[] {
  const t = Math.floor(Date.now() / 1000) - 10;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const dir = join(root, "skills", `s${i}`);
    mkdirSync(join(dir, "references"), { recursive: true });
    writeFileSync(join(dir, "SKILL.md"), `---\nname: s${i}\ndescription: d\n---\n`);
    writeFileSync(join(dir, "references", "a.md"), `ref ${i}\n`);
    for (const p of [join(dir, "references", "a.md"), join(dir, "SKILL.md"), join(dir, "references"), dir])
      utimesSync(p, t, t);
    out.push(dir);
  }
  return out;
}

describe("lstat-only check shared with a worker thread (the built worker)", () => {
  it("finds exactly the unchanged folders whichever thread checks them, as a fresh read would", async () => {
    requireBuild();
    // The built modules: the worker file exists only in dist/.
    const pv = await importDist<typeof ParallelVerify>("store/parallel-verify.js");
    const { StatCache } = await importDist<typeof StatCacheModule>("store/stat-cache.js");
    const { openStateDb, closeStateDbs } = await importDist<typeof StateDb>("store/state-db.js");
    const { readTree } = await importDist<typeof TreeRead>("store/tree-read.js");
    const root = tempDir("skillsync-pverify-").path;
    const db = openStateDb(join(root, "state.db"));
    const cache = new StatCache(db);
    const n = pv.PARALLEL_MIN_ROWS;
    const jobs = ["collection", "project"].map((side) => {
      const locations = skills(join(root, side), n);
      for (const l of locations) readTree({ path: l, form: "folder", cache });
      return { root: join(root, side), locations };
    });
    cache.flush();
    // Edits on each side (content, a new file, a removed file, a mode), and a location without a row.
    appendFileSync(join(jobs[0]!.locations[3]!, "SKILL.md"), "edited\n");
    writeFileSync(join(jobs[1]!.locations[7]!, "references", "new.md"), "new\n");
    rmSync(join(jobs[0]!.locations[n - 1]!, "references", "a.md"));
    chmodSync(join(jobs[1]!.locations[0]!, "SKILL.md"), 0o755);
    jobs[1]!.locations.push(join(root, "project", "skills", "never-read"));
    const changed = [
      jobs[0]!.locations[3]!,
      jobs[1]!.locations[7]!,
      jobs[0]!.locations[n - 1]!,
      jobs[1]!.locations[0]!,
    ];
    const runs: Record<string, Map<string, string>> = {};
    const reports: Record<string, ParallelVerify.VerifyReport> = {};
    for (const threads of ["caller", "worker", "auto"] as const)
      runs[threads] = await pv.verifyUnchangedFolders(db, jobs, {
        threads,
        onReport: (r) => {
          reports[threads] = r;
        },
      });
    // No thread is left reading the database once each call's worker has stopped.
    await Promise.all(Object.values(reports).map((r) => r.workerStopped));
    expect(reports.caller).toMatchObject({ rows: 2 * n, byWorker: 0, early: 0 });
    // With the caller standing aside, the worker checked every row.
    expect(reports.worker).toMatchObject({ rows: 2 * n, byWorker: 2 * n });
    expect(reports.auto!.rows).toBe(2 * n);
    for (const r of Object.values(runs)) {
      expect(r.size).toBe(2 * n - changed.length);
      for (const c of changed) expect(r.has(c)).toBe(false);
      expect(r).toEqual(runs.caller);
    }
    for (const loc of [jobs[0]!.locations[0]!, jobs[1]!.locations[n - 1]!])
      expect(runs.worker!.get(loc)).toBe(readTree({ path: loc, form: "folder" })?.sha);
    closeStateDbs();
  }, 120_000);
});

describe("lstat-only check when the worker fails", () => {
  it("answers every row on the calling thread when the worker cannot read the database", async () => {
    requireBuild();
    const pv = await importDist<typeof ParallelVerify>("store/parallel-verify.js");
    const { StatCache } = await importDist<typeof StatCacheModule>("store/stat-cache.js");
    const { readTree } = await importDist<typeof TreeRead>("store/tree-read.js");
    // An in-memory database: the worker's own connection to the same name is a new, empty database,
    // so reading its first row fails there and the worker dies with every row it took unanswered.
    const { openStateDb, closeStateDbs } = await importDist<typeof StateDb>("store/state-db.js");
    const db = openStateDb(":memory:");
    const cache = new StatCache(db);
    const root = tempDir("skillsync-pverify-fail-").path;
    const locations = skills(root, 20);
    for (const l of locations) readTree({ path: l, form: "folder", cache });
    cache.flush();
    appendFileSync(join(locations[5]!, "SKILL.md"), "edited\n");
    let report: ParallelVerify.VerifyReport | undefined;
    const verified = await pv.verifyUnchangedFolders(db, [{ root, locations }], {
      threads: "worker",
      onReport: (r) => {
        report = r;
      },
    });
    await report!.workerStopped;
    expect(report).toMatchObject({ rows: 20, byWorker: 0 });
    expect(verified.size).toBe(19);
    expect(verified.has(locations[5]!)).toBe(false);
    closeStateDbs();
  }, 60_000);
});

describe("lstat-only check with a worker started early (status)", () => {
  it("answers the rows it checked before the job arrived, except one whose tree hash changed since", async () => {
    requireBuild();
    const pv = await importDist<typeof ParallelVerify>("store/parallel-verify.js");
    const vt = await importDist<typeof VerifyThread>("store/verify-thread.js");
    const { StatCache } = await importDist<typeof StatCacheModule>("store/stat-cache.js");
    const { openStateDb, closeStateDbs } = await importDist<typeof StateDb>("store/state-db.js");
    const { readTree } = await importDist<typeof TreeRead>("store/tree-read.js");
    const root = tempDir("skillsync-pverify-early-").path;
    const dbPath = join(root, "state.db");
    const db = openStateDb(dbPath);
    const cache = new StatCache(db);
    const n = 30;
    const jobs = ["collection", "project"].map((side) => {
      const locations = skills(join(root, side), n);
      for (const l of locations) readTree({ path: l, form: "folder", cache });
      return { root: join(root, side), locations };
    });
    // A row under the guessed roots that nobody asks about: checked early in vain, never answered.
    readTree({ path: skills(join(root, "project", "other"), 1)[0]!, form: "folder", cache });
    // One changed folder the early check must also call changed.
    appendFileSync(join(jobs[0]!.locations[2]!, "SKILL.md"), "edited before\n");
    cache.flush();
    const edited = jobs[1]!.locations[4]!;
    // The worker must have booted and checked every row before its job comes: wait, longer on a slow
    // machine (only the counts depend on it).
    let report: ParallelVerify.VerifyReport | undefined;
    let verified: Map<string, string> | undefined;
    let newTree: string | undefined;
    for (const wait of [300, 1000, 3000, 8000]) {
      vt.startVerifyWorker({ dbPath, roots: [join(root, "project"), join(root, "collection")] });
      await new Promise((r) => setTimeout(r, wait));
      // After the early check, an artifact is edited and read again: its row has a new tree hash.
      appendFileSync(join(edited, "SKILL.md"), `edited after ${wait} ms\n`);
      const past = Math.floor(Date.now() / 1000) - 5; // settled, so the new row can say unchanged
      utimesSync(join(edited, "SKILL.md"), past, past);
      newTree = readTree({ path: edited, form: "folder", cache })!.sha;
      cache.flush();
      verified = await pv.verifyUnchangedFolders(db, jobs, {
        threads: "worker",
        onReport: (r) => {
          report = r;
        },
      });
      await report!.workerStopped;
      if (report!.early === 2 * n - 1) break;
    }
    expect(report).toMatchObject({ rows: 2 * n, byWorker: 2 * n, early: 2 * n - 1 });
    // The edited artifact was checked against its new row, not taken from the early answer.
    expect(verified!.get(edited)).toBe(newTree);
    const caller = await pv.verifyUnchangedFolders(db, jobs, { threads: "caller" });
    expect(caller.has(jobs[0]!.locations[2]!)).toBe(false);
    expect(verified).toEqual(caller);
    closeStateDbs();
  }, 120_000);
});

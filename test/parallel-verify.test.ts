import { appendFileSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type * as ParallelVerify from "../src/store/parallel-verify.js";
import type * as StatCacheModule from "../src/store/stat-cache.js";
import type * as StateDb from "../src/store/state-db.js";
import type * as TreeRead from "../src/store/tree-read.js";
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

describe("parallel lstat-only check (the built worker)", () => {
  it("finds exactly the unchanged folders, on worker threads, as the same check on one thread does", async () => {
    requireBuild();
    // The built modules: the worker file exists only in dist/.
    const pv = await importDist<typeof ParallelVerify>("store/parallel-verify.js");
    const { StatCache } = await importDist<typeof StatCacheModule>("store/stat-cache.js");
    const { openStateDb, closeStateDbs } = await importDist<typeof StateDb>("store/state-db.js");
    const { readTree } = await importDist<typeof TreeRead>("store/tree-read.js");
    const root = tempDir("skillsync-pverify-").path;
    const dbPath = join(root, "state.db");
    const db = openStateDb(dbPath);
    const cache = new StatCache(db);
    const n = Math.ceil(pv.PARALLEL_MIN_LOCATIONS / 2);
    const jobs = ["collection", "project"].map((side) => {
      const locations = skills(join(root, side), n);
      for (const l of locations) readTree({ path: l, form: "folder", cache });
      return { root: join(root, side), locations };
    });
    cache.flush();
    // One edit on each side, and a location without a row.
    appendFileSync(join(jobs[0]!.locations[3]!, "SKILL.md"), "edited\n");
    writeFileSync(join(jobs[1]!.locations[7]!, "references", "new.md"), "new\n");
    jobs[1]!.locations.push(join(root, "project", "skills", "never-read"));
    const how: string[] = [];
    const verified = await pv.verifyUnchangedFolders(db, dbPath, jobs, (_r, h) => how.push(h));
    expect(how).toEqual(["worker", "worker"]);
    expect(verified.size).toBe(2 * n - 2);
    expect(verified.has(jobs[0]!.locations[3]!)).toBe(false);
    expect(verified.has(jobs[1]!.locations[7]!)).toBe(false);
    // The same answer on this thread, and each verified hash is the one a fresh read computes.
    const inline = new Map(jobs.flatMap((j) => pv.verifyJob(db, j)));
    expect(inline).toEqual(verified);
    for (const loc of [jobs[0]!.locations[0]!, jobs[1]!.locations[n - 1]!])
      expect(verified.get(loc)).toBe(readTree({ path: loc, form: "folder" })?.sha);
    closeStateDbs();
  }, 120_000);
});

/**
 * Issue 14 point 5: a target folder that is itself a symlink pointing outside the project (e.g.
 * `.claude/skills` → elsewhere, or `.claude` → elsewhere) is refused by deploy, pull, push, sync
 * and undeploy: exit 2, one line naming the link, nothing written inside or outside.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCli } from "../helpers/cli.js";
import { copyFixtures } from "../helpers/fixtures.js";
import { requireBuild } from "../helpers/paths.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";
import { diffSnapshots, snapshotTree } from "../helpers/tree.js";

function explain(r: CliResult): string {
  return `exit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr}`;
}

describe("symlinked target folders", () => {
  let root: string;
  let home: string;
  const run = (args: string[]): CliResult => runCli(args, { home, cwd: root });

  beforeAll(() => {
    requireBuild();
    root = tempDir("skillsync-symlink-").path;
    home = join(root, "home");
    const fixtures = copyFixtures(join(root, "fixtures"), { only: ["brand-guidelines", "internal-comms"] });
    expect(run(["init"]).code).toBe(0);
    const added = run(["add", fixtures]);
    expect(added.code, explain(added)).toBe(0);
  });
  afterAll(cleanupTempDirs);

  it.each([
    [".claude/skills", ["deploy", "--all"]],
    [".claude", ["deploy", "--all"]],
    [".claude/skills", ["pull", "--all"]],
    [".claude/skills", ["sync", "--all"]],
    [".claude/commands", ["deploy", "--all"]],
  ])("refuses %s linked outside the project for %j", (linked, args) => {
    const project = join(root, `p-${Math.random().toString(36).slice(2)}`);
    const outside = join(root, `outside-${Math.random().toString(36).slice(2)}`);
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, "keep.txt"), "keep\n");
    const parent = join(project, ...linked.split("/").slice(0, -1));
    mkdirSync(parent, { recursive: true });
    symlinkSync(outside, join(project, ...linked.split("/")));
    const beforeOut = snapshotTree(outside);
    const beforeProject = snapshotTree(project);
    const r = run([...args, "--project", project]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toContain("symlink");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(diffSnapshots(beforeOut, snapshotTree(outside))).toEqual([]);
    expect(diffSnapshots(beforeProject, snapshotTree(project))).toEqual([]);
  });

  it("accepts a link that stays inside the project", () => {
    const project = join(root, "p-inside");
    mkdirSync(join(project, "real-skills"), { recursive: true });
    mkdirSync(join(project, ".claude"), { recursive: true });
    symlinkSync("../real-skills", join(project, ".claude", "skills"));
    const r = run(["deploy", "--all", "--project", project]);
    expect(r.code, explain(r)).toBe(0);
    expect(snapshotTree(join(project, "real-skills")).size).toBeGreaterThan(0);
  });
});

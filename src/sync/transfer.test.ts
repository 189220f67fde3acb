import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { closeStateDbs } from "../store/state-db.js";
import { addArtifacts, initCollection, removeArtifacts } from "./collection-ops.js";
import { mirror } from "./mirror.js";
import { listSnapshots, rollback, takeSnapshot } from "./snapshot.js";
import { projectStatus } from "./status.js";
import { transfer } from "./transfer.js";
import { openWorkspace, type Workspace } from "./workspace.js";

const roots: string[] = [];
afterEach(() => {
  closeStateDbs();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

const skillText = (name: string, body: string) =>
  `---\nname: ${name}\ndescription: Test skill ${name}.\n---\n${body}`;
const body10 = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";

async function setup(names = ["alpha", "beta"]): Promise<{ ws: Workspace; project: string; src: string }> {
  const root = mkdtempSync(join(tmpdir(), "skillsync-transfer-"));
  roots.push(root);
  const src = join(root, "src");
  for (const n of names) {
    mkdirSync(join(src, n), { recursive: true });
    writeFileSync(join(src, n, "SKILL.md"), skillText(n, body10));
  }
  const project = join(root, "project");
  mkdirSync(project);
  const ws = await openWorkspace({ home: join(root, "home"), collection: "default" });
  await initCollection(ws);
  await addArtifacts(ws, { paths: [src] });
  await transfer(ws, { op: "deploy", project, all: true });
  return { ws, project, src };
}

const pFile = (project: string, n: string) => join(project, ".claude", "skills", n, "SKILL.md");
const cFile = (ws: Workspace, n: string) => join(ws.collectionDir, "skills", n, "SKILL.md");
const edit = (file: string, from: string, to: string) =>
  writeFileSync(file, readFileSync(file, "utf8").replace(from, to));
const driftOf = (ws: Workspace, project: string, n: string) => {
  const a = projectStatus(ws, project).artifacts.find((x) => x.name === n)!;
  return [a.drift_type, a.drift_side];
};

describe("pull, push, sync", () => {
  it("pull brings a project edit into the collection and moves the base", async () => {
    const { ws, project } = await setup();
    edit(pFile(project, "alpha"), "line 3", "line three");
    expect(driftOf(ws, project, "alpha")).toEqual(["modified", "project"]);
    const r = await transfer(ws, { op: "pull", project, names: ["alpha"] });
    expect(r.results[0]).toMatchObject({ success: true, direction: "pull", strategy_used: "fast-forward" });
    expect(readFileSync(cFile(ws, "alpha"), "utf8")).toContain("line three");
    expect(driftOf(ws, project, "alpha")).toEqual(["in-sync", null]);
  });

  it("sync merges non-overlapping edits on both sides into both", async () => {
    const { ws, project } = await setup();
    edit(pFile(project, "alpha"), "line 2", "line 2 (project)");
    edit(cFile(ws, "alpha"), "line 8", "line 8 (collection)");
    expect(driftOf(ws, project, "alpha")).toEqual(["modified", "both"]);
    const r = await transfer(ws, { op: "sync", project });
    expect(r.results.find((x) => x.artifact_name === "skill/alpha")).toMatchObject({
      success: true,
      direction: "merge",
    });
    for (const f of [pFile(project, "alpha"), cFile(ws, "alpha")]) {
      const t = readFileSync(f, "utf8");
      expect(t).toContain("line 2 (project)");
      expect(t).toContain("line 8 (collection)");
    }
    expect(projectStatus(ws, project).drift_detected).toBe(false);
  });

  it("overlapping edits conflict: nothing written with abort; --auto-resolve theirs takes the incoming side", async () => {
    const { ws, project } = await setup();
    edit(pFile(project, "alpha"), "line 5", "line 5 P");
    edit(cFile(ws, "alpha"), "line 5", "line 5 C");
    const before = [readFileSync(pFile(project, "alpha")), readFileSync(cFile(ws, "alpha"))];
    const r = await transfer(ws, { op: "push", project, names: ["alpha"] });
    expect(r.results[0]).toMatchObject({ success: false, conflicts_remaining: 1 });
    expect([readFileSync(pFile(project, "alpha")), readFileSync(cFile(ws, "alpha"))]).toEqual(before);
    const r2 = await transfer(ws, { op: "push", project, names: ["alpha"], autoResolve: "theirs" });
    expect(r2.results[0]).toMatchObject({ success: true, conflicts_resolved: 1 });
    expect(readFileSync(pFile(project, "alpha"), "utf8")).toContain("line 5 C");
  });

  it("--preview writes nothing and shows a unified diff", async () => {
    const { ws, project } = await setup();
    edit(cFile(ws, "beta"), "line 1", "line one");
    const before = readFileSync(pFile(project, "beta"));
    const r = await transfer(ws, { op: "push", project, all: true, preview: true });
    expect(readFileSync(pFile(project, "beta"))).toEqual(before);
    const p = r.preview.find((x) => x.artifact === "skill/beta")!;
    expect(p.diff).toContain("-line 1\n+line one");
    expect(listSnapshots(ws).filter((s) => s.message.startsWith("before push"))).toEqual([]);
  });

  it("fork keeps both: the incoming version becomes NAME-<project>", async () => {
    const { ws, project } = await setup();
    edit(pFile(project, "alpha"), "line 5", "line 5 P");
    edit(cFile(ws, "alpha"), "line 5", "line 5 C");
    const r = await transfer(ws, { op: "pull", project, names: ["alpha"], strategy: "fork" });
    expect(r.results[0]).toMatchObject({ success: true, strategy_used: "fork" });
    const forked = join(ws.collectionDir, "skills", "alpha-project", "SKILL.md");
    expect(readFileSync(forked, "utf8")).toContain("name: alpha-project");
    expect(readFileSync(forked, "utf8")).toContain("line 5 P");
    expect(readFileSync(cFile(ws, "alpha"), "utf8")).toContain("line 5 C");
  });

  it("overwrite snapshots first, and rollback restores byte for byte", async () => {
    const { ws, project } = await setup();
    edit(pFile(project, "alpha"), "line 5", "line 5 P");
    edit(cFile(ws, "alpha"), "line 5", "line 5 C");
    const projectBefore = readFileSync(pFile(project, "alpha"));
    const r = await transfer(ws, { op: "push", project, names: ["alpha"], strategy: "overwrite" });
    expect(r.results[0]?.snapshot_id).toMatch(/^[0-9a-f]{12}$/);
    expect(readFileSync(pFile(project, "alpha"), "utf8")).toContain("line 5 C");
    await rollback(ws, { id: r.results[0]!.snapshot_id! });
    expect(readFileSync(pFile(project, "alpha"))).toEqual(projectBefore);
  });

  it("deploy refuses an edited project copy (nothing written) unless --force", async () => {
    const { ws, project } = await setup();
    edit(pFile(project, "alpha"), "line 5", "line 5 P");
    edit(cFile(ws, "beta"), "line 5", "line 5 C");
    const r = await transfer(ws, { op: "deploy", project, all: true });
    expect(r.blocked).toEqual(["skill/alpha"]);
    expect(readFileSync(pFile(project, "beta"), "utf8")).not.toContain("line 5 C");
    const r2 = await transfer(ws, { op: "deploy", project, all: true, force: true });
    expect(r2.blocked).toEqual([]);
    expect(r2.snapshots.length).toBeGreaterThan(0);
    expect(readFileSync(pFile(project, "alpha"), "utf8")).not.toContain("line 5 P");
  });

  it("preserved sections of the project survive a push", async () => {
    const { ws, project } = await setup();
    writeFileSync(
      pFile(project, "alpha"),
      readFileSync(pFile(project, "alpha"), "utf8") + "\n## Memory\nproject notes\n",
    );
    // The project's Memory section is its own: not drift.
    expect(driftOf(ws, project, "alpha")).toEqual(["in-sync", null]);
    edit(cFile(ws, "alpha"), "line 1", "line one");
    await transfer(ws, { op: "push", project, names: ["alpha"] });
    const t = readFileSync(pFile(project, "alpha"), "utf8");
    expect(t).toContain("line one");
    expect(t).toContain("## Memory\nproject notes\n");
  });

  it("deletions above the threshold need --yes; an empty collection never deletes", async () => {
    const names = Array.from({ length: 7 }, (_, i) => `s${i}`);
    const { ws, project } = await setup(names);
    await removeArtifacts(ws, names.slice(0, 6));
    await expect(transfer(ws, { op: "push", project, all: true })).rejects.toThrow(/--yes/);
    expect(existsSync(join(project, ".claude", "skills", "s0"))).toBe(true);
    await transfer(ws, { op: "push", project, all: true, yes: true });
    expect(existsSync(join(project, ".claude", "skills", "s0"))).toBe(false);
    await removeArtifacts(ws, ["s6"]);
    await transfer(ws, { op: "push", project, all: true, yes: true });
    expect(existsSync(join(project, ".claude", "skills", "s6"))).toBe(true);
  });
});

describe("prompt strategy, locks and re-checks", () => {
  it("prompt asks per conflicting file; without a terminal it acts as merge + abort and says so", async () => {
    const { ws, project } = await setup();
    edit(pFile(project, "alpha"), "line 5", "line 5 P");
    edit(cFile(ws, "alpha"), "line 5", "line 5 C");
    const noTty = await transfer(ws, { op: "push", project, names: ["alpha"], strategy: "prompt" });
    expect(noTty.notes[0]).toContain("needs a terminal");
    expect(noTty.results[0]).toMatchObject({ success: false, conflicts_remaining: 1 });
    const asked: string[] = [];
    const r = await transfer(ws, {
      op: "push",
      project,
      names: ["alpha"],
      strategy: "prompt",
      prompter: async (q) => {
        asked.push(`${q.artifact}:${q.path}`);
        expect(q.diff).toContain("line 5 P");
        return "collection";
      },
    });
    expect(asked).toEqual(["skill/alpha:SKILL.md"]);
    expect(r.results[0]).toMatchObject({ success: true });
    expect(readFileSync(pFile(project, "alpha"), "utf8")).toContain("line 5 C");
  });

  it("prompt 'markers' writes git-style conflict markers into the project for editing", async () => {
    const { ws, project } = await setup();
    edit(pFile(project, "alpha"), "line 5", "line 5 P");
    edit(cFile(ws, "alpha"), "line 5", "line 5 C");
    await transfer(ws, {
      op: "push",
      project,
      names: ["alpha"],
      strategy: "prompt",
      prompter: async () => "markers",
    });
    const t = readFileSync(pFile(project, "alpha"), "utf8");
    expect(t).toContain("<<<<<<< project\nline 5 P\n=======\nline 5 C\n>>>>>>> collection\n");
    // The base moved to the collection's version: once the markers are resolved, a pull brings the result back.
    writeFileSync(
      pFile(project, "alpha"),
      t.replace(/<<<<<<< project\n[\s\S]*?>>>>>>> collection\n/, "line 5 resolved\n"),
    );
    expect(driftOf(ws, project, "alpha")).toEqual(["modified", "project"]);
    await transfer(ws, { op: "pull", project, names: ["alpha"] });
    expect(readFileSync(cFile(ws, "alpha"), "utf8")).toContain("line 5 resolved");
  });

  it("a file changed while the operation runs stops it before anything is written", async () => {
    const { ws, project } = await setup();
    edit(pFile(project, "alpha"), "line 5", "line 5 P");
    edit(cFile(ws, "alpha"), "line 5", "line 5 C");
    edit(cFile(ws, "beta"), "line 1", "line one");
    const betaBefore = readFileSync(pFile(project, "beta"));
    await expect(
      transfer(ws, {
        op: "push",
        project,
        all: true,
        strategy: "prompt",
        prompter: async () => {
          // Someone edits beta's project copy after it was planned.
          edit(pFile(project, "beta"), "line 9", "line 9 (concurrent)");
          return "collection";
        },
      }),
    ).rejects.toThrow(/changed while skillsync was working/);
    expect(readFileSync(pFile(project, "beta"), "utf8")).toContain("line 9 (concurrent)");
    expect(readFileSync(pFile(project, "beta"), "utf8")).not.toContain("line one");
    expect(betaBefore.length).toBeGreaterThan(0);
    expect(readFileSync(pFile(project, "alpha"), "utf8")).toContain("line 5 P");
  });

  it("a second writer waits for the lock, then gives up with a clear message", async () => {
    const { ws, project } = await setup();
    const { acquireLock } = await import("../store/lock.js");
    const { projectLock } = await import("./workspace.js");
    const release = await acquireLock(projectLock(ws, project), 0);
    try {
      ws.config.lock_timeout_ms = 300;
      await expect(transfer(ws, { op: "push", project, all: true })).rejects.toThrow(
        /locked by another skillsync process/,
      );
    } finally {
      await release();
    }
    await expect(transfer(ws, { op: "push", project, all: true })).resolves.toBeDefined();
  });
});

describe("snapshots and mirror", () => {
  it("retention keeps the newest automatic snapshots and every manual one", async () => {
    const { ws } = await setup();
    ws.config.snapshot_retention = 2;
    const manual = await takeSnapshot(ws, { scope: { type: "collection" }, message: "keep me", auto: false });
    for (let i = 0; i < 4; i++)
      await takeSnapshot(ws, { scope: { type: "collection" }, message: `auto ${i}`, auto: true });
    const all = listSnapshots(ws);
    expect(all.filter((s) => s.auto)).toHaveLength(2);
    expect(all.some((s) => s.id === manual)).toBe(true);
  });

  it("mirror writes everything once, keeps the mirror's Memory, replaces references/ wholesale", async () => {
    const { ws } = await setup();
    const target = join(roots[0]!, "volume");
    const r1 = await mirror(ws, { to: target });
    expect(r1).toMatchObject({ status: "synced", count: 2 });
    expect((await mirror(ws, { to: target })).status).toBe("skipped");
    const m = join(target, "skills", "alpha");
    writeFileSync(
      join(m, "SKILL.md"),
      readFileSync(join(m, "SKILL.md"), "utf8") + "\n## Memory\nvolume notes\n",
    );
    mkdirSync(join(m, "references"));
    writeFileSync(join(m, "references", "stale.md"), "stale");
    writeFileSync(join(m, "notes.txt"), "mirror-only file");
    edit(cFile(ws, "alpha"), "line 1", "line one");
    const r3 = await mirror(ws, { to: target });
    expect(r3.skills).toEqual(["alpha"]);
    const t = readFileSync(join(m, "SKILL.md"), "utf8");
    expect(t).toContain("line one");
    expect(t).toContain("volume notes");
    expect(existsSync(join(m, "references", "stale.md"))).toBe(false);
    expect(existsSync(join(m, "notes.txt"))).toBe(true);
  });
});

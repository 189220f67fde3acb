import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { conflictView } from "../core/conflict-view.js";
import { closeStateDbs } from "../store/state-db.js";
import { createArtifact, findInCollection, resolveConflict, saveArtifact } from "./artifact-edit.js";
import { readArtifactTree } from "./artifact-info.js";
import { addArtifacts, initCollection } from "./collection-ops.js";
import { conflictSides } from "./conflicts.js";
import { listSnapshots } from "./snapshot.js";
import { projectStatus } from "./status.js";
import { transfer } from "./transfer.js";
import { openWorkspace, type Workspace } from "./workspace.js";

const roots: string[] = [];
afterEach(() => {
  closeStateDbs();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

const skill = (body: string) => `---\nname: alpha\ndescription: Test skill alpha.\n---\n${body}`;
const lines = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";

async function setup(): Promise<{ ws: Workspace; project: string }> {
  const root = mkdtempSync(join(tmpdir(), "skillsync-edit-"));
  roots.push(root);
  mkdirSync(join(root, "src", "alpha"), { recursive: true });
  writeFileSync(join(root, "src", "alpha", "SKILL.md"), skill(lines));
  writeFileSync(join(root, "src", "alpha", "notes.md"), "notes v1\n");
  const project = join(root, "project");
  mkdirSync(project);
  const ws = await openWorkspace({ home: join(root, "home"), collection: "default" });
  await initCollection(ws);
  await addArtifacts(ws, { paths: [join(root, "src")] });
  await transfer(ws, { op: "deploy", project, all: true });
  return { ws, project };
}

const cFile = (ws: Workspace, f: string) => join(ws.collectionDir, "skills", "alpha", f);
const pFile = (project: string, f: string) => join(project, ".claude", "skills", "alpha", f);
const ref = { kind: "skill" as const, name: "alpha" };

describe("saveArtifact", () => {
  it("refuses a save whose base is stale and writes nothing", async () => {
    const { ws } = await setup();
    const before = readFileSync(cFile(ws, "SKILL.md"), "utf8");
    const snaps = listSnapshots(ws).length;
    await expect(
      saveArtifact(ws, {
        ...ref,
        files: [{ path: "SKILL.md", text: skill("mine\n") }],
        baseSha: "0".repeat(64),
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect(readFileSync(cFile(ws, "SKILL.md"), "utf8")).toBe(before);
    expect(listSnapshots(ws)).toHaveLength(snaps);
  });

  it("takes a snapshot of the old content before overwriting, with the current base accepted", async () => {
    const { ws } = await setup();
    const old = readArtifactTree(ws, findInCollection(ws, ref))!.sha;
    const { snapshotId } = await saveArtifact(ws, {
      ...ref,
      files: [{ path: "SKILL.md", text: skill("edited\n") }],
      baseSha: old,
    });
    expect(readFileSync(cFile(ws, "SKILL.md"), "utf8")).toBe(skill("edited\n"));
    const snap = listSnapshots(ws).find((s) => s.id === snapshotId);
    expect(snap?.artifacts.find((a) => a.name === "alpha")?.tree).toBe(old);
    expect(readFileSync(cFile(ws, "notes.md"), "utf8")).toBe("notes v1\n");
  });

  it("refuses a file the artifact does not have and an invalid main file", async () => {
    const { ws } = await setup();
    await expect(saveArtifact(ws, { ...ref, files: [{ path: "new.md", text: "x" }] })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(
      saveArtifact(ws, { ...ref, files: [{ path: "SKILL.md", text: "---\nname: Wrong_Name\n---\n" }] }),
    ).rejects.toMatchObject({ code: "INVALID_ARTIFACT" });
    expect(readFileSync(cFile(ws, "SKILL.md"), "utf8")).toBe(skill(lines));
  });
});

describe("createArtifact", () => {
  it("creates a valid artifact and refuses an existing name", async () => {
    const { ws } = await setup();
    const text = "---\nname: beta\ndescription: Made here.\n---\nbody\n";
    const loc = await createArtifact(ws, { kind: "skill", name: "beta", text });
    expect(readFileSync(join(loc.path, "SKILL.md"), "utf8")).toBe(text);
    await expect(createArtifact(ws, { kind: "skill", name: "beta", text })).rejects.toMatchObject({
      code: "ALREADY_EXISTS",
    });
  });
});

describe("resolveConflict", () => {
  it("writes the chosen side into both, keeps the other side's clean changes, and records the new base", async () => {
    const { ws, project } = await setup();
    const mine = skill(lines.replace("line 5", "collection wording"));
    writeFileSync(cFile(ws, "SKILL.md"), mine);
    writeFileSync(pFile(project, "SKILL.md"), skill(lines.replace("line 5", "project wording")));
    writeFileSync(pFile(project, "notes.md"), "notes v2 from the project\n");
    const sides = await conflictSides(ws, { where: project, ...ref });
    const view = conflictView({
      artifact: "skill/alpha",
      name: "alpha",
      form: "folder",
      ...sides,
      labels: { local: "collection", remote: sides.remoteLabel },
    });
    expect(view.files.map((f) => [f.path, f.conflicts])).toEqual([["SKILL.md", 1]]);
    expect(view.files[0]!.merged).toContain("<<<<<<< collection");
    const conflict = { where: project, ...ref };
    await expect(
      resolveConflict(ws, {
        conflict,
        files: [{ path: "SKILL.md", content: view.files[0]!.merged }],
        view,
        others: [],
      }),
    ).rejects.toMatchObject({ code: "USAGE" });
    const snaps = listSnapshots(ws).length;
    const r = await resolveConflict(ws, {
      conflict,
      files: [{ path: "SKILL.md", content: mine }],
      view,
      others: [],
    });
    expect(r).toMatchObject({ success: true, conflicts_resolved: 1 });
    expect(listSnapshots(ws).length).toBeGreaterThan(snaps);
    for (const f of [cFile(ws, "SKILL.md"), pFile(project, "SKILL.md")])
      expect(readFileSync(f, "utf8")).toBe(mine);
    for (const f of [cFile(ws, "notes.md"), pFile(project, "notes.md")])
      expect(readFileSync(f, "utf8")).toBe("notes v2 from the project\n");
    const st = projectStatus(ws, project).artifacts.find((a) => a.name === "alpha")!;
    expect(st.drift_type).toBe("in-sync");
    expect(st.base_sha).toBe(readArtifactTree(ws, findInCollection(ws, ref))!.sha);
  });

  it("refuses a file that is not part of the conflict", async () => {
    const { ws, project } = await setup();
    writeFileSync(cFile(ws, "SKILL.md"), skill(lines.replace("line 5", "a")));
    writeFileSync(pFile(project, "SKILL.md"), skill(lines.replace("line 5", "b")));
    const sides = await conflictSides(ws, { where: project, ...ref });
    const view = conflictView({
      artifact: "skill/alpha",
      name: "alpha",
      form: "folder",
      ...sides,
      labels: { local: "collection", remote: "project" },
    });
    await expect(
      resolveConflict(ws, {
        conflict: { where: project, ...ref },
        files: [{ path: "notes.md", content: "x" }],
        view,
        others: [],
      }),
    ).rejects.toMatchObject({ code: "USAGE" });
    expect(readFileSync(cFile(ws, "notes.md"), "utf8")).toBe("notes v1\n");
  });
});

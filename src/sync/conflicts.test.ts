/**
 * Conflicts in a project deployed to several agents (issue 11): the conflict in the shared
 * `.agents/skills` copy is found with its target path, its sides are that copy and that target's
 * base, and resolving it settles every target.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { conflictView } from "../core/conflict-view.js";
import { closeStateDbs } from "../store/state-db.js";
import { resolveConflict } from "./artifact-edit.js";
import { addArtifacts, initCollection } from "./collection-ops.js";
import { conflictSides, findConflicts } from "./conflicts.js";
import { deploymentStatus } from "./targets.js";
import { transfer } from "./transfer.js";
import { openWorkspace } from "./workspace.js";

const roots: string[] = [];
afterEach(() => {
  closeStateDbs();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

const skill = (body: string) => `---\nname: alpha\ndescription: Test skill alpha.\n---\n${body}`;
const lines = `${Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n")}\n`;

async function setup() {
  const root = mkdtempSync(join(tmpdir(), "skillsync-conflicts-"));
  roots.push(root);
  mkdirSync(join(root, "src", "alpha"), { recursive: true });
  writeFileSync(join(root, "src", "alpha", "SKILL.md"), skill(lines));
  const project = join(root, "project");
  mkdirSync(project);
  const ws = await openWorkspace({ home: join(root, "home"), collection: "default" });
  await initCollection(ws);
  await addArtifacts(ws, { paths: [join(root, "src")] });
  await transfer(ws, { op: "deploy", project, all: true, agents: ["claude-code", "cursor"] });
  return { ws, project };
}

describe("conflicts in a target other than Claude Code's", () => {
  it("are found with the target's path, read from that copy, and resolving settles every target", async () => {
    const { ws, project } = await setup();
    const cFile = join(ws.collectionDir, "skills", "alpha", "SKILL.md");
    const agentsFile = join(project, ".agents", "skills", "alpha", "SKILL.md");
    const claudeFile = join(project, ".claude", "skills", "alpha", "SKILL.md");
    writeFileSync(cFile, skill(lines.replace("line 5", "collection wording")));
    writeFileSync(agentsFile, skill(lines.replace("line 5", "cursor wording")));

    const found = await findConflicts(ws, { projects: [project], remotes: [], exists: () => true });
    expect(found).toEqual([{ where: project, kind: "skill", name: "alpha", target: ".agents/skills/alpha" }]);

    const sides = await conflictSides(ws, found[0]!);
    const text = (files: { path: string; data: Uint8Array }[] | undefined) =>
      new TextDecoder().decode(files?.find((f) => f.path === "SKILL.md")?.data);
    expect(text(sides.remote)).toContain("cursor wording");
    expect(text(sides.local)).toContain("collection wording");
    expect(text(sides.base)).toContain("line 5");

    const view = conflictView({
      artifact: "skill/alpha",
      name: "alpha",
      form: "folder",
      base: sides.base,
      local: sides.local,
      remote: sides.remote,
      labels: { local: "collection", remote: sides.remoteLabel },
    });
    expect(view.files.map((f) => f.path)).toEqual(["SKILL.md"]);
    const chosen = skill(lines.replace("line 5", "cursor wording"));
    const result = await resolveConflict(ws, {
      conflict: found[0]!,
      files: [{ path: "SKILL.md", content: chosen }],
      view,
      others: [],
    });
    expect(result?.success).toBe(true);
    for (const f of [cFile, agentsFile, claudeFile]) expect(readFileSync(f, "utf8")).toBe(chosen);
    expect(deploymentStatus(ws, project).artifacts.map((a) => a.drift_type)).toEqual(["in-sync", "in-sync"]);
    expect(await findConflicts(ws, { projects: [project], remotes: [], exists: () => true })).toEqual([]);
  });
});

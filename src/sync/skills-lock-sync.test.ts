import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SkillsyncError } from "../core/errors.js";
import { computeSkillFolderHash, type SkillsLockEntry, serializeSkillsLock } from "../core/skills-lock.js";
import { emptyLock, upsertLockEntry } from "../store/lock-file.js";
import { closeStateDbs } from "../store/state-db.js";
import { adoptSkillsInstall, sourceFromSkillsLock } from "./skills-lock-adopt.js";
import { originOf, updatedSkillsLock } from "./skills-lock-sync.js";
import { openWorkspace, type Workspace } from "./workspace.js";

const roots: string[] = [];
afterEach(() => {
  closeStateDbs();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

async function ws(): Promise<{ ws: Workspace; root: string }> {
  const root = mkdtempSync(join(tmpdir(), "skillsync-skills-lock-sync-"));
  roots.push(root);
  return { ws: await openWorkspace({ home: join(root, "home"), collection: "default" }), root };
}

const h = "f".repeat(64);

describe("skills-lock.json sources", () => {
  it("adopted sources map to skillsync sources and back to the same skills-lock entry", async () => {
    const { ws: w } = await ws();
    const entries: SkillsLockEntry[] = [
      {
        source: "owner/repo",
        ref: "main",
        sourceType: "github",
        skillPath: "plugins/p/skills/x/SKILL.md",
        computedHash: h,
      },
      { source: "owner/repo", sourceType: "github", skillPath: "SKILL.md", computedHash: h },
      {
        source: "https://git.example/team/skills.git",
        sourceUrl: "https://git.example/team/skills.git",
        ref: "v1",
        sourceType: "git",
        skillPath: "skills/x/SKILL.md",
        computedHash: h,
      },
    ];
    const spec = entries.map((e) => sourceFromSkillsLock(e, "/p", "/p/.claude/skills/x"));
    expect(spec).toEqual([
      "github:owner/repo/plugins/p/skills/x@main",
      "github:owner/repo",
      "git+https://git.example/team/skills.git#skills/x@v1",
    ]);
    for (const [i, s] of spec.entries()) {
      const o = originOf(w, "x", s);
      expect(o.type).toBe(entries[i]!.sourceType);
    }
    expect(
      sourceFromSkillsLock({ source: "../src", sourceType: "local", computedHash: h }, "/a/p", "/x"),
    ).toBe("local:/a/src");
    expect(
      sourceFromSkillsLock({ source: "x.dev", sourceType: "well-known", computedHash: h }, "/p", "/p/c"),
    ).toBe("local:/p/c");
    // A hub source (or none) names the collection's copy.
    expect(originOf(w, "x", "hub:main/skill/x")).toEqual({
      type: "local",
      absPath: join(w.collectionDir, "skills", "x"),
    });
  });

  it("updates only the named skills, keeps others byte for byte, and needs an existing skills-lock.json", async () => {
    const { ws: w, root } = await ws();
    const project = join(root, "project");
    mkdirSync(project);
    const files = [{ path: "SKILL.md", mode: "644" as const, data: new TextEncoder().encode("x") }];
    const lock = upsertLockEntry(emptyLock(), {
      name: "mine",
      type: "skill",
      source: `local:${join(root, "src", "mine")}`,
      version: "0.0.0",
      sha: "0".repeat(64),
      "added-at": "2026-01-01T00:00:00Z",
      "updated-at": "2026-01-01T00:00:00Z",
    });
    expect(updatedSkillsLock(w, { root: project, lock, changes: [{ name: "mine", files }] })).toBeUndefined();
    const other = { source: "o/r", sourceType: "github", skillPath: "SKILL.md", computedHash: h, via: "pkg" };
    const gone = { source: "./x", sourceType: "local", computedHash: h };
    writeFileSync(
      join(project, "skills-lock.json"),
      serializeSkillsLock({ version: 1, skills: { other, gone } }),
    );
    const next = updatedSkillsLock(w, {
      root: project,
      lock,
      changes: [
        { name: "mine", files },
        { name: "gone", files: null },
      ],
    });
    expect(next).toEqual({
      version: 1,
      skills: {
        other,
        mine: { source: "../src/mine", sourceType: "local", computedHash: computeSkillFolderHash(files) },
      },
    });
  });
});

describe("adopting a skills-lock.json", () => {
  it("refuses names that would escape before building a path, and writes nothing", async () => {
    const { ws: w, root } = await ws();
    const project = join(root, "project");
    mkdirSync(join(project, ".claude", "skills", "ok"), { recursive: true });
    writeFileSync(
      join(project, ".claude", "skills", "ok", "SKILL.md"),
      "---\nname: ok\ndescription: d\n---\n",
    );
    // The escaping target exists, so a path built from the name would find something.
    mkdirSync(join(project, ".claude", "evil"), { recursive: true });
    writeFileSync(join(project, ".claude", "evil", "SKILL.md"), "---\nname: evil\ndescription: d\n---\n");
    for (const bad of ["../evil", "..", "/etc", "a\\b", "x\u0000"]) {
      const text = JSON.stringify({
        version: 1,
        skills: {
          ok: { source: ".", sourceType: "local", computedHash: h },
          [bad]: { source: ".", sourceType: "local", computedHash: h },
        },
      });
      writeFileSync(join(project, "skills-lock.json"), text);
      const e = await adoptSkillsInstall(w, { root: project, partial: true }).catch((x: unknown) => x);
      expect(e, bad).toBeInstanceOf(SkillsyncError);
      expect((e as SkillsyncError).code).toBe("INVALID_LOCK");
      expect((e as SkillsyncError).file).toBe(join(project, "skills-lock.json"));
      expect(existsSync(w.collectionDir)).toBe(false);
      expect(readdirSync(join(project, ".claude")).sort()).toEqual(["evil", "skills"]);
    }
  });
});

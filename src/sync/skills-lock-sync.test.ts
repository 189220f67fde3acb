import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SkillsyncError } from "../core/errors.js";
import {
  computeSkillFolderHash,
  gitTreeSha1,
  type SkillsLockEntry,
  serializeGlobalSkillLock,
  serializeSkillsLock,
} from "../core/skills-lock.js";
import { emptyLock, upsertLockEntry } from "../store/lock-file.js";
import { closeStateDbs } from "../store/state-db.js";
import { adoptSkillsInstall, sourceFromSkillsLock } from "./skills-lock-adopt.js";
import { originOf, updatedGlobalSkillLock, updatedSkillsLock } from "./skills-lock-sync.js";
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

describe("global .skill-lock.json", () => {
  it("gitTreeSha1 is git's own tree id (GitHub's skillFolderHash)", async () => {
    const { root } = await ws();
    const repo = join(root, "repo");
    const files = [
      { path: "SKILL.md", mode: "644" as const, text: "---\nname: x\n---\n" },
      { path: "a-b.md", mode: "644" as const, text: "dash\n" },
      { path: "a/inner.md", mode: "644" as const, text: "inner\n" },
      { path: "a/deep/z.txt", mode: "644" as const, text: "z\n" },
      { path: "scripts/run.sh", mode: "755" as const, text: "#!/bin/sh\n" },
    ];
    for (const f of files) {
      mkdirSync(join(repo, f.path, ".."), { recursive: true });
      writeFileSync(join(repo, f.path), f.text, { mode: f.mode === "755" ? 0o755 : 0o644 });
    }
    const run = (args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
    run(["init", "-q"]);
    run(["add", "-A"]);
    const expected = run(["write-tree"]);
    const enc = new TextEncoder();
    expect(gitTreeSha1(files.map((f) => ({ path: f.path, mode: f.mode, data: enc.encode(f.text) })))).toBe(
      expected,
    );
  });

  it("a global deploy entry is written as 'skills add -g' writes it, installedAt kept", async () => {
    const { ws: w, root } = await ws();
    const src = join(root, "src", "mine");
    const lockFile = join(root, "home", ".agents", ".skill-lock.json");
    mkdirSync(join(lockFile, ".."), { recursive: true });
    const installed = "2026-01-01T00:00:00.000Z";
    const before = {
      version: 3,
      skills: {
        mine: {
          source: src,
          sourceType: "local",
          sourceUrl: src,
          skillFolderHash: "0".repeat(64),
          installedAt: installed,
          updatedAt: installed,
        },
      },
      dismissed: {},
    };
    writeFileSync(lockFile, serializeGlobalSkillLock(before));
    const lock = upsertLockEntry(emptyLock(), {
      name: "mine",
      type: "skill",
      source: `local:${src}`,
      version: "0.0.0",
      sha: "0".repeat(64),
      "added-at": "2026-01-01T00:00:00Z",
      "updated-at": "2026-01-01T00:00:00Z",
    });
    const files = [{ path: "SKILL.md", mode: "644" as const, data: new TextEncoder().encode("new") }];
    const next = updatedGlobalSkillLock(w, { lockFile, lock, changes: [{ name: "mine", files }] });
    expect(next).toBeDefined();
    const text = serializeGlobalSkillLock(next!);
    expect(text.endsWith("}")).toBe(true);
    expect(Object.keys(next!.skills.mine!)).toEqual([
      "source",
      "sourceType",
      "sourceUrl",
      "skillFolderHash",
      "installedAt",
      "updatedAt",
    ]);
    expect(next!.skills.mine!.skillFolderHash).toBe(computeSkillFolderHash(files));
    expect(next!.skills.mine!.installedAt).toBe(installed);
    expect(next!.dismissed).toEqual({});
    expect(
      updatedGlobalSkillLock(w, { lockFile, lock, changes: [{ name: "mine", files: null }] })?.skills,
    ).toEqual({});
  });
});

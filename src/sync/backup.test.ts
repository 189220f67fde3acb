import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { SkillsyncError } from "../core/errors.js";
import { type Config, defaultConfig } from "../store/config.js";
import { backupMessage, describeChanges, runBackup } from "./backup.js";

Object.assign(process.env, {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
});

const FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/skills/anthropics", import.meta.url));
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-backup-"));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

let tmp: string;
let home: string;
let coll: string;
let n = 0;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
}

function commits(repo: string): number {
  return Number(git(repo, "rev-list", "--count", "HEAD").trim());
}

function backup(extra: Partial<Parameters<typeof runBackup>[0]> = {}, config: Config = defaultConfig()) {
  return runBackup({ home, config, collection: "default", env: { ...process.env, HOME: tmp }, ...extra });
}

beforeEach(() => {
  tmp = path.join(tmpRoot, `t${++n}`);
  home = path.join(tmp, "home");
  coll = path.join(home, "collections", "default");
  for (const s of ["theme-factory", "brand-guidelines"])
    fs.cpSync(path.join(FIXTURES, s), path.join(coll, "skills", s), { recursive: true });
  write(coll, { "commands/review.md": "Review the diff.\n", "skillsync.lock": "version = 1\n" });
});

describe("describeChanges", () => {
  it("groups files into artifacts and keeps other paths", () => {
    const c = describeChanges("default", [
      { status: "A", path: "collections/default/skills/a/SKILL.md" },
      { status: "A", path: "collections/default/skills/a/x.py" },
      { status: "A", path: "collections/default/skills/b/SKILL.md" },
      { status: "D", path: "collections/default/skills/b/old.md" },
      { status: "D", path: "collections/default/commands/c.md" },
      { status: "M", path: "collections/default/skillsync.lock" },
      { status: "A", path: "paths/.claude/settings.json" },
    ]);
    expect(c).toEqual({
      added: ["paths/.claude/settings.json", "skill/a"],
      modified: ["collections/default/skillsync.lock", "skill/b"],
      deleted: ["command/c"],
    });
    expect(backupMessage(undefined, "default", c)).toMatch(
      /^skillsync backup of collection 'default': 5 changes\n\nadded paths\/\.claude\/settings\.json\nadded skill\/a\n/,
    );
  });
});

describe("runBackup", () => {
  it("commits the collection with a message listing the changes; a second run does nothing", async () => {
    const r = await backup();
    const repo = path.join(home, "backup", "repo");
    expect(r).toMatchObject({
      committed: true,
      repo_path: repo,
      pushed: false,
      stashed_foreign_changes: false,
    });
    expect(r.changes.added).toEqual([
      "collections/default/skillsync.lock",
      "command/review",
      "skill/brand-guidelines",
      "skill/theme-factory",
    ]);
    expect(git(repo, "log", "-1", "--format=%B")).toMatch(/added skill\/theme-factory/);
    expect(git(repo, "show", "HEAD:collections/default/commands/review.md")).toBe("Review the diff.\n");
    const again = await backup();
    expect(again.committed).toBe(false);
    expect(again.commit).toBeNull();
    expect(commits(repo)).toBe(1);

    fs.appendFileSync(path.join(coll, "skills/theme-factory/SKILL.md"), "\nMore.\n");
    fs.rmSync(path.join(coll, "commands/review.md"));
    write(coll, { "agents/helper.md": "---\ndescription: helps\n---\nHelp.\n" });
    const third = await backup({ message: "nightly" });
    expect(third.changes).toEqual({
      added: ["agent/helper"],
      modified: ["skill/theme-factory"],
      deleted: ["command/review"],
    });
    expect(git(repo, "log", "-1", "--format=%s")).toBe("nightly\n");
    expect(fs.existsSync(path.join(repo, "collections/default/commands"))).toBe(false);
  });

  it("stops on an invalid artifact and changes nothing; --force backs it up", async () => {
    write(coll, { "skills/broken/SKILL.md": "---\nname: not-broken\ndescription: x\n---\n" });
    const err = await backup().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkillsyncError);
    expect((err as SkillsyncError).code).toBe("INVALID_ARTIFACT");
    expect((err as SkillsyncError).exitCode).toBe(2);
    expect((err as SkillsyncError).message).toMatch(/skill\/broken .*must equal the folder name.*--force/);
    expect(fs.existsSync(path.join(home, "backup"))).toBe(false);
    const forced = await backup({ force: true });
    expect(forced.committed).toBe(true);
    expect(forced.invalid.map((i) => i.artifact)).toEqual(["skill/broken"]);
    expect(forced.warnings.join("\n")).toMatch(/invalid artifacts anyway/);
  });

  it("stashes foreign changes and restores them untouched", async () => {
    const repo = path.join(tmp, "my-backup");
    fs.mkdirSync(repo);
    git(repo, "init", "-q", "-b", "main");
    write(repo, { "NOTES.md": "mine\n" });
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "user notes");
    write(repo, { "NOTES.md": "mine, edited\n", "scratch.txt": "untracked\n" });
    const r = await backup({ repo });
    expect(r).toMatchObject({ committed: true, stashed_foreign_changes: true, stash_restored: true });
    expect(fs.readFileSync(path.join(repo, "NOTES.md"), "utf8")).toBe("mine, edited\n");
    expect(fs.readFileSync(path.join(repo, "scratch.txt"), "utf8")).toBe("untracked\n");
    expect(git(repo, "show", "HEAD:NOTES.md")).toBe("mine\n");
    expect(git(repo, "show", "--name-only", "--format=", "HEAD")).not.toMatch(/NOTES|scratch/);
    expect(git(repo, "stash", "list")).toBe("");
  });

  it("keeps conflicting foreign changes in the stash instead of losing them", async () => {
    const repo = path.join(tmp, "conflict-backup");
    await backup({ repo });
    const inRepo = path.join(repo, "collections/default/commands/review.md");
    fs.writeFileSync(inRepo, "edited inside the backup repo\n");
    fs.writeFileSync(path.join(coll, "commands/review.md"), "edited in the collection\n");
    const warnings: string[] = [];
    const r = await backup({ repo, warn: (m) => warnings.push(m) });
    expect(r).toMatchObject({ committed: true, stashed_foreign_changes: true, stash_restored: false });
    expect(git(repo, "show", "HEAD:collections/default/commands/review.md")).toBe(
      "edited in the collection\n",
    );
    expect(warnings.join("\n")).toMatch(/kept in the stash.*stash pop/);
    expect(git(repo, "stash", "list")).toMatch(/skillsync-backup: foreign changes/);
    expect(git(repo, "show", "stash@{0}:collections/default/commands/review.md")).toBe(
      "edited inside the backup repo\n",
    );
    expect(git(repo, "status", "--porcelain")).toBe("");
  });

  it("backs up extra paths without caches, logs and node_modules", async () => {
    const claude = path.join(tmp, ".claude");
    write(claude, {
      "settings.json": "{}\n",
      "agents/a.md": "a\n",
      "cache/big.bin": "x",
      "projects/session.jsonl": "x",
      "node_modules/m/index.js": "x",
      "debug.log": "x",
    });
    const config = defaultConfig();
    config.backup.paths = ["~/.claude"];
    const r = await backup({}, config);
    const repo = r.repo_path;
    const files = git(repo, "ls-files", "paths").trim().split("\n");
    expect(files).toEqual(["paths/.claude/agents/a.md", "paths/.claude/settings.json"]);
  });

  it("pushes to a remote and reports a rejected push without forcing it", async () => {
    const bare = path.join(tmp, "remote.git");
    git(tmp, "init", "-q", "--bare", "-b", "main", bare);
    const url = `file://${bare}`;
    const r = await backup({ repo: url, push: true });
    expect(r).toMatchObject({ committed: true, pushed: true });
    expect(git(bare, "rev-parse", "main").trim()).toBe(r.commit);

    fs.writeFileSync(
      path.join(bare, "hooks", "pre-receive"),
      "#!/bin/sh\necho 'backups frozen' >&2\nexit 1\n",
      {
        mode: 0o755,
      },
    );
    fs.appendFileSync(path.join(coll, "commands/review.md"), "More.\n");
    const err = await backup({ repo: url, push: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkillsyncError);
    expect((err as SkillsyncError).exitCode).toBe(3);
    expect((err as SkillsyncError).message).toMatch(/rejected the push.*kept in.*never force-pushes/);
    expect(git(bare, "rev-parse", "main").trim()).toBe(r.commit);
    expect(commits(r.repo_path)).toBe(2);
  });

  it("fast-forwards a managed clone to commits pushed elsewhere, after stashing foreign changes", async () => {
    const bare = path.join(tmp, "shared.git");
    git(tmp, "init", "-q", "--bare", "-b", "main", bare);
    const url = `file://${bare}`;
    const first = await backup({ repo: url, push: true });
    const other = path.join(tmp, "other-clone");
    git(tmp, "clone", "-q", url, other);
    write(other, { "README.md": "backups of my skills\n" });
    git(other, "add", "-A");
    git(other, "commit", "-q", "-m", "readme");
    git(other, "push", "-q", "origin", "main");
    write(first.repo_path, { "local-note.txt": "keep me\n" });
    fs.appendFileSync(path.join(coll, "commands/review.md"), "Again.\n");
    const r = await backup({ repo: url, push: true });
    expect(r).toMatchObject({ committed: true, pushed: true, stash_restored: true, warnings: [] });
    expect(git(bare, "show", "main:README.md")).toBe("backups of my skills\n");
    expect(git(bare, "log", "--format=%s", "main").trim().split("\n")).toHaveLength(3);
    expect(fs.readFileSync(path.join(r.repo_path, "local-note.txt"), "utf8")).toBe("keep me\n");
  });

  it("refuses a non-empty folder that is not a git repository", async () => {
    const notRepo = path.join(tmp, "stuff");
    write(notRepo, { "a.txt": "a" });
    await expect(backup({ repo: notRepo })).rejects.toMatchObject({ code: "USAGE" });
    expect(fs.readdirSync(notRepo)).toEqual(["a.txt"]);
  });
});

/**
 * End to end: `skillsync backup` through the built binary with a local bare repository as the
 * remote (build first: `npm run build`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANTHROPIC_SKILLS } from "../helpers/paths.js";

const BIN = path.resolve("dist/cli/main.cjs");
const GIT_ENV = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
};
let tmp: string;
let home: string;
let bare: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...GIT_ENV } });
}

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: tmp,
    encoding: "utf8",
    env: { ...process.env, ...GIT_ENV, SKILLSYNC_HOME: home, HOME: tmp, NO_COLOR: "1" },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing; run 'npm run build' first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-backup-e2e-"));
  home = path.join(tmp, "home");
  bare = path.join(tmp, "backup.git");
  fs.cpSync(
    path.join(ANTHROPIC_SKILLS, "internal-comms"),
    path.join(home, "collections/default/skills/internal-comms"),
    { recursive: true },
  );
  git(tmp, "init", "-q", "--bare", "-b", "main", bare);
  fs.writeFileSync(path.join(home, "config.toml"), `version = 1\n[backup]\nrepo = "file://${bare}"\n`);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("skillsync backup (binary)", () => {
  it("commits, pushes with --push, and does nothing when nothing changed", () => {
    const r = cli("backup", "--push", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ committed: true, pushed: true, changes: { added: ["skill/internal-comms"] } });
    expect(git(bare, "log", "-1", "--format=%B", "main")).toMatch(/added skill\/internal-comms/);
    const again = cli("backup");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nothing to back up/);
  });

  it("exits 2 on an invalid artifact and 3 on a rejected push", () => {
    const skill = path.join(home, "collections/default/skills/internal-comms/SKILL.md");
    const good = fs.readFileSync(skill, "utf8");
    fs.writeFileSync(skill, "no frontmatter\n");
    const bad = cli("backup");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/backup stopped: 1 invalid artifact: skill\/internal-comms/);
    fs.writeFileSync(skill, `${good}\nEdited.\n`);
    fs.writeFileSync(path.join(bare, "hooks/pre-receive"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const rejected = cli("backup", "--push");
    expect(rejected.code).toBe(3);
    expect(rejected.stderr).toMatch(/rejected the push/);
  });
});

/**
 * Issue 11, agents as data: `skillsync agents` lists the table, and `project add DIR --agent`
 * stores a project's agents in config (`project_agents`), refusing unknown ids with exit 2.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENTS } from "../../src/core/agents.js";
import { type CliResult, parseJsonOutput, runCli } from "../helpers/cli.js";
import { copyFixtures } from "../helpers/fixtures.js";
import { requireBuild } from "../helpers/paths.js";
import { runSkills, type SkillsResult, skillsNodeMissing } from "../helpers/skills-cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";
import { diffSnapshots, snapshotTree, type TreeSnapshot } from "../helpers/tree.js";

const missing = skillsNodeMissing();
if (missing && process.env.CI) throw new Error(`agents e2e cannot run in CI: ${missing}`);
if (missing) console.warn(`skipping the skills CLI comparison: ${missing}`);

function explain(r: CliResult | SkillsResult): string {
  return `exit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr}`;
}

describe("agents", () => {
  let root: string;
  let home: string;
  const run = (args: string[]): CliResult => runCli(args, { home, cwd: root });

  beforeAll(() => {
    requireBuild();
    root = tempDir("skillsync-agents-").path;
    home = join(root, "home");
  });
  afterAll(cleanupTempDirs);

  it("lists every agent id with its folders and the shared folders", () => {
    const r = run(["agents", "--json"]);
    expect(r.code, explain(r)).toBe(0);
    const out = parseJsonOutput<{
      source: string;
      agents: { id: string; project_dir: string; global_dir: string | null; shared_with: string[] }[];
    }>(r);
    expect(out.source).toMatch(/^skills@\d/);
    expect(out.agents.map((a) => a.id)).toEqual(AGENTS.map((a) => a.id));
    const cursor = out.agents.find((a) => a.id === "cursor")!;
    expect(cursor.project_dir).toBe(".agents/skills");
    expect(cursor.global_dir).toBe("~/.cursor/skills");
    expect(cursor.shared_with).toContain("codex");
    const text = run(["agents"]);
    expect(text.stdout).toContain("claude-code");
    expect(text.stdout).toMatch(/\.agents\/skills: .*cursor/);
  });

  it("project add --agent stores the agents; unknown ids exit 2 and change nothing", () => {
    const p = join(root, "proj");
    mkdirSync(p, { recursive: true });
    const bad = run(["project", "add", p, "--agent", "cursor,nope"]);
    expect(bad.code, explain(bad)).toBe(2);
    expect(bad.stderr).toContain("'nope'");
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    const cfg = join(home, "config.toml");
    expect(existsSync(cfg) ? readFileSync(cfg, "utf8") : "").not.toContain(p);
    const ok = run(["project", "add", p, "--agent", "cursor,codex", "--json"]);
    expect(ok.code, explain(ok)).toBe(0);
    expect(parseJsonOutput<{ agents: string[] }>(ok).agents).toEqual(["cursor", "codex"]);
    expect(readFileSync(join(home, "config.toml"), "utf8")).toContain("project_agents");
    const list = run(["project", "list", "--json"]);
    expect(parseJsonOutput<{ projects: { path: string; agents: string[] }[] }>(list).projects).toEqual([
      { path: p, exists: true, agents: ["cursor", "codex"] },
    ]);
    expect(run(["project", "remove", p]).code).toBe(0);
    expect(readFileSync(join(home, "config.toml"), "utf8")).not.toContain(p);
  });
});

function without(snap: TreeSnapshot, ...paths: string[]): TreeSnapshot {
  const out: TreeSnapshot = new Map(snap);
  for (const p of paths) out.delete(p);
  return out;
}

/**
 * Issue 11's "done when": `skillsync deploy --all --agent A,B,…` creates exactly what
 * `skills add SRC --skill '*' --agent A B … -y --copy` creates from the same source, for Claude Code
 * alone and for six agents (two folders: `.claude/skills` and the shared `.agents/skills`).
 */
describe.skipIf(missing !== undefined)("deploy --all creates what skills add creates", () => {
  it.each([
    [["claude-code"]],
    [["claude-code", "cursor", "codex", "opencode", "gemini-cli", "github-copilot"]],
  ])(
    "--agent %j: same folders, files, bytes and modes; equal skills-lock.json computedHash values",
    (agents: string[]) => {
      const root = tempDir("skillsync-agents-cmp-").path;
      const home = join(root, "home");
      const ssHome = join(root, "skillsync");
      const src = copyFixtures(join(root, "src"));
      const viaSkills = join(root, "via-skills");
      const viaSkillsync = join(root, "via-skillsync");
      for (const d of [home, viaSkills, viaSkillsync]) mkdirSync(d, { recursive: true });
      const add = runSkills(["add", src, "--skill", "*", "--agent", ...agents, "-y", "--copy"], {
        cwd: viaSkills,
        home,
      });
      expect(add.code, explain(add)).toBe(0);
      const ss = (args: string[]) => runCli(args, { home: ssHome, cwd: root, env: { HOME: home } });
      expect(ss(["init"]).code).toBe(0);
      const added = ss(["add", src]);
      expect(added.code, explain(added)).toBe(0);
      // A skills-lock.json without entries: deploy must add each one, hashing as the skills CLI does.
      const emptyLock = {
        ...(JSON.parse(readFileSync(join(viaSkills, "skills-lock.json"), "utf8")) as object),
        skills: {},
      };
      writeFileSync(join(viaSkillsync, "skills-lock.json"), `${JSON.stringify(emptyLock, null, 2)}\n`);
      const dep = ss(["deploy", "--all", "--project", viaSkillsync, "--agent", agents.join(",")]);
      expect(dep.code, explain(dep)).toBe(0);
      const folders = agents.length > 1 ? [".claude/skills", ".agents/skills"] : [".claude/skills"];
      for (const f of folders)
        expect(existsSync(join(viaSkillsync, f, "skill-creator", "SKILL.md")), f).toBe(true);
      if (agents.length === 1) expect(existsSync(join(viaSkillsync, ".agents"))).toBe(false);
      const a = without(snapshotTree(viaSkills), "skills-lock.json");
      const b = without(snapshotTree(viaSkillsync), "skills-lock.json", ".claude/.skillsync-deployed.toml");
      expect(a.size).toBeGreaterThan(12);
      expect(diffSnapshots(a, b, { execBitsOnly: false })).toEqual([]);
      type Lock = { skills: Record<string, { computedHash: string }> };
      const hashes = (p: string) =>
        Object.fromEntries(
          Object.entries((JSON.parse(readFileSync(join(p, "skills-lock.json"), "utf8")) as Lock).skills).map(
            ([k, v]) => [k, v.computedHash],
          ),
        );
      expect(hashes(viaSkillsync)).toEqual(hashes(viaSkills));
    },
  );
});

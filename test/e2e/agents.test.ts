/**
 * Issue 11, agents as data: `skillsync agents` lists the table, and `project add DIR --agent`
 * stores a project's agents in config (`project_agents`), refusing unknown ids with exit 2.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENTS } from "../../src/core/agents.js";
import { type CliResult, parseJsonOutput, runCli } from "../helpers/cli.js";
import { requireBuild } from "../helpers/paths.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";

function explain(r: CliResult): string {
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

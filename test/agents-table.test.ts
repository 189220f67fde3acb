import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AGENTS,
  AGENTS_SOURCE,
  type AgentDef,
  agentProjectLayout,
  groupByProjectSkillsDir,
  parseAgentList,
  resolveGlobalSkillsDir,
} from "../src/core/agents.js";

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve("skills/package.json"));

interface Parsed {
  id: string;
  skillsDir: string;
  global: string;
}

/**
 * Reads the `skills` package's agent table from its bundled `dist/cli.mjs` text: the object
 * literal after `const agents = {`, one top-level key per agent (tab- or space-indented), each with
 * `skillsDir: "…"` and `globalSkillsDir: <expr>`. Braces are balanced to find each entry's end.
 */
function parsePackageTable(): Parsed[] {
  const text = readFileSync(join(pkgDir, "dist/cli.mjs"), "utf8");
  const start = text.indexOf("const agents = {");
  expect(start, "the skills CLI no longer has `const agents = {`").toBeGreaterThan(0);
  let i = start + "const agents = ".length;
  let depth = 0;
  let end = i;
  for (; end < text.length; end++) {
    const c = text[end];
    if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) break;
    }
  }
  const body = text.slice(i + 1, end);
  const out: Parsed[] = [];
  depth = 0;
  let entryStart = -1;
  let key = "";
  for (i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "{") {
      if (depth === 0) {
        const m = /["']?([\w.-]+)["']?\s*:\s*$/.exec(body.slice(Math.max(0, i - 80), i));
        key = m?.[1] ?? "";
        entryStart = i;
      }
      depth++;
    } else if (c === "}") {
      depth--;
      if (depth === 0) {
        const entry = body.slice(entryStart, i);
        const sd = /\bskillsDir\s*:\s*["']([^"']+)["']/.exec(entry);
        const gd = /\bglobalSkillsDir\s*:\s*([^\n]+?),?\s*\n/.exec(entry);
        out.push({ id: key, skillsDir: sd?.[1] ?? "?", global: normaliseGlobal(gd?.[1] ?? "?") });
      }
    }
  }
  return out;
}

/** `join(home, ".agents", "skills")` → `home:.agents/skills`; `void 0` → `none`. */
function normaliseGlobal(expr: string): string {
  const e = expr.trim();
  if (e === "void 0" || e === "undefined") return "none";
  if (e === "getOpenClawGlobalSkillsDir()") return "home:.openclaw/skills";
  const m = /^join\(\s*(\w+)\s*,\s*(.*)\)$/.exec(e);
  if (!m) return `unparsed:${e}`;
  const parts = (m[2] ?? "").split(/\s*,\s*/).map((s) => s.replace(/^["']|["']$/g, ""));
  return `${m[1]}:${parts.join("/")}`;
}

function ours(a: AgentDef): Parsed {
  const g = a.globalSkillsDir;
  return { id: a.id, skillsDir: a.skillsDir, global: g ? `${g.base}:${g.rel}` : "none" };
}

describe("agent table (from the skills npm package)", () => {
  it("cites the installed package version", () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string };
    expect(pkg.version).toBe(AGENTS_SOURCE.version);
  });

  it("has exactly the package's agents, ids, project and global folders", () => {
    const theirs = parsePackageTable();
    expect(theirs.length).toBeGreaterThan(50);
    expect(AGENTS.map(ours)).toEqual(theirs);
  });

  it("resolves global folders against HOME and the env the skills CLI reads", () => {
    const byId = new Map(AGENTS.map((a) => [a.id, a]));
    const g = { home: "/h", env: {} };
    expect(resolveGlobalSkillsDir(byId.get("claude-code")!, g)).toBe("/h/.claude/skills");
    expect(resolveGlobalSkillsDir(byId.get("opencode")!, g)).toBe("/h/.config/opencode/skills");
    expect(resolveGlobalSkillsDir(byId.get("codex")!, g)).toBe("/h/.agents/skills");
    const env = { CLAUDE_CONFIG_DIR: " /c ", XDG_CONFIG_HOME: "/x" };
    expect(resolveGlobalSkillsDir(byId.get("claude-code")!, { home: "/h", env })).toBe("/c/skills");
    expect(resolveGlobalSkillsDir(byId.get("opencode")!, { home: "/h", env })).toBe("/x/opencode/skills");
    expect(resolveGlobalSkillsDir(byId.get("eve")!, g)).toBeNull();
  });

  it("groups agents sharing a folder into one target", () => {
    const groups = groupByProjectSkillsDir(["claude-code", "cursor", "codex", "windsurf", "opencode"]);
    expect(groups).toEqual([
      { dir: ".claude/skills", agents: ["claude-code"] },
      { dir: ".agents/skills", agents: ["cursor", "codex", "opencode"] },
      { dir: ".windsurf/skills", agents: ["windsurf"] },
    ]);
  });

  it("parses --agent lists and names unknown ids", () => {
    expect(parseAgentList(" cursor,codex,,cursor ")).toEqual({ ok: true, ids: ["cursor", "codex"] });
    expect(parseAgentList("cursor,nope")).toEqual({ ok: false, unknown: ["nope"] });
    expect(parseAgentList(",")).toEqual({ ok: false, unknown: [] });
  });

  it("places commands/agents/prompts only where an agent has a known place", () => {
    expect(agentProjectLayout("claude-code").command?.dir).toBe(".claude/commands");
    expect(agentProjectLayout("cursor").command).toBeUndefined();
    expect(agentProjectLayout("cursor").skill?.dir).toBe(".agents/skills");
  });
});

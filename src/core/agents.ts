/**
 * The agents skillsync deploys to, as data: every agent of the `skills` npm package's table with
 * its project and global skills folders, plus where agents keep kinds other than skills. Pure: the
 * environment and home are handed in.
 */
import { SkillsyncError } from "./errors.js";
import type { Layout } from "./layout.js";

/**
 * A named base folder a global skills folder is expressed against, as the `skills` CLI derives it
 * (`skills@1.7.4`, `dist/cli.mjs`): `home` is the user's home (`$HOME`), `configHome` is
 * `$XDG_CONFIG_HOME` else `<home>/.config`, `claudeHome` is `$CLAUDE_CONFIG_DIR` else
 * `<home>/.claude`, `vibeHome` `$VIBE_HOME` else `<home>/.vibe`, `hermesHome` `$HERMES_HOME` else
 * `<home>/.hermes`, `autohandHome` `$AUTOHAND_HOME` else `<home>/.autohand`, `grokHome`
 * `$GROK_HOME` else `<home>/.grok`. (Environment values are trimmed; empty counts as unset.)
 */
export type GlobalBase =
  | "home"
  | "configHome"
  | "claudeHome"
  | "vibeHome"
  | "hermesHome"
  | "autohandHome"
  | "grokHome";

/** A folder relative to a {@link GlobalBase}; `rel` is `/`-separated. */
export interface BasedDir {
  base: GlobalBase;
  rel: string;
}

/**
 * One agent that loads artifacts: its id (as in the `skills` CLI), its project skills folder
 * (relative to the project root, `/`-separated) and its global (user) skills folder, `null` where
 * the agent has none.
 */
export interface AgentDef {
  id: string;
  displayName: string;
  skillsDir: string;
  globalSkillsDir: BasedDir | null;
}

/**
 * Every agent of the `skills` npm package's agent table, in its order, with the same ids and
 * folders. Source: `skills@1.7.4`, `node_modules/skills/dist/cli.mjs` (`const agents = {…}`); the
 * test `test/agents-table.test.ts` compares this table with the installed package's so that a new release
 * shows up as a failing test. One deviation: `openclaw`'s global folder is `~/.openclaw/skills`
 * here; the `skills` CLI falls back to `~/.clawdbot/skills` or `~/.moltbot/skills` when only those
 * exist (an existence check core cannot make).
 */
export const AGENTS: readonly AgentDef[] = [
  {
    id: "aider-desk",
    displayName: "AiderDesk",
    skillsDir: ".aider-desk/skills",
    globalSkillsDir: { base: "home", rel: ".aider-desk/skills" },
  },
  {
    id: "amp",
    displayName: "Amp",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "configHome", rel: "agents/skills" },
  },
  {
    id: "antigravity",
    displayName: "Antigravity",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".gemini/antigravity/skills" },
  },
  {
    id: "antigravity-cli",
    displayName: "Antigravity CLI",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".gemini/antigravity-cli/skills" },
  },
  {
    id: "astrbot",
    displayName: "AstrBot",
    skillsDir: "data/skills",
    globalSkillsDir: { base: "home", rel: ".astrbot/data/skills" },
  },
  {
    id: "autohand-code",
    displayName: "Autohand Code CLI",
    skillsDir: ".autohand/skills",
    globalSkillsDir: { base: "autohandHome", rel: "skills" },
  },
  {
    id: "augment",
    displayName: "Augment",
    skillsDir: ".augment/skills",
    globalSkillsDir: { base: "home", rel: ".augment/skills" },
  },
  {
    id: "bob",
    displayName: "IBM Bob",
    skillsDir: ".bob/skills",
    globalSkillsDir: { base: "home", rel: ".bob/skills" },
  },
  {
    id: "claude-code",
    displayName: "Claude Code",
    skillsDir: ".claude/skills",
    globalSkillsDir: { base: "claudeHome", rel: "skills" },
  },
  {
    id: "openclaw",
    displayName: "OpenClaw",
    skillsDir: "skills",
    globalSkillsDir: { base: "home", rel: ".openclaw/skills" },
  },
  {
    id: "cline",
    displayName: "Cline",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".agents/skills" },
  },
  {
    id: "codearts-agent",
    displayName: "CodeArts Agent",
    skillsDir: ".codeartsdoer/skills",
    globalSkillsDir: { base: "home", rel: ".codeartsdoer/skills" },
  },
  {
    id: "codebuddy",
    displayName: "CodeBuddy",
    skillsDir: ".codebuddy/skills",
    globalSkillsDir: { base: "home", rel: ".codebuddy/skills" },
  },
  {
    id: "codemaker",
    displayName: "Codemaker",
    skillsDir: ".codemaker/skills",
    globalSkillsDir: { base: "home", rel: ".codemaker/skills" },
  },
  {
    id: "codestudio",
    displayName: "Code Studio",
    skillsDir: ".codestudio/skills",
    globalSkillsDir: { base: "home", rel: ".codestudio/skills" },
  },
  {
    id: "codex",
    displayName: "Codex",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".agents/skills" },
  },
  {
    id: "command-code",
    displayName: "Command Code",
    skillsDir: ".commandcode/skills",
    globalSkillsDir: { base: "home", rel: ".commandcode/skills" },
  },
  {
    id: "continue",
    displayName: "Continue",
    skillsDir: ".continue/skills",
    globalSkillsDir: { base: "home", rel: ".continue/skills" },
  },
  {
    id: "cortex",
    displayName: "Cortex Code",
    skillsDir: ".cortex/skills",
    globalSkillsDir: { base: "home", rel: ".snowflake/cortex/skills" },
  },
  {
    id: "crush",
    displayName: "Crush",
    skillsDir: ".crush/skills",
    globalSkillsDir: { base: "home", rel: ".config/crush/skills" },
  },
  {
    id: "cursor",
    displayName: "Cursor",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".cursor/skills" },
  },
  {
    id: "deepagents",
    displayName: "Deep Agents",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".deepagents/agent/skills" },
  },
  {
    id: "devin",
    displayName: "Devin for Terminal",
    skillsDir: ".devin/skills",
    globalSkillsDir: { base: "configHome", rel: "devin/skills" },
  },
  {
    id: "dexto",
    displayName: "Dexto",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".agents/skills" },
  },
  {
    id: "droid",
    displayName: "Droid",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".factory/skills" },
  },
  { id: "eve", displayName: "Eve", skillsDir: "agent/skills", globalSkillsDir: null },
  {
    id: "firebender",
    displayName: "Firebender",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".firebender/skills" },
  },
  {
    id: "forgecode",
    displayName: "ForgeCode",
    skillsDir: ".forge/skills",
    globalSkillsDir: { base: "home", rel: ".forge/skills" },
  },
  {
    id: "fx",
    displayName: "fx",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".agents/skills" },
  },
  {
    id: "gemini-cli",
    displayName: "Gemini CLI",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".gemini/skills" },
  },
  {
    id: "github-copilot",
    displayName: "GitHub Copilot",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".copilot/skills" },
  },
  {
    id: "goose",
    displayName: "Goose",
    skillsDir: ".goose/skills",
    globalSkillsDir: { base: "configHome", rel: "goose/skills" },
  },
  {
    id: "grok",
    displayName: "Grok Build",
    skillsDir: ".grok/skills",
    globalSkillsDir: { base: "grokHome", rel: "skills" },
  },
  {
    id: "hermes-agent",
    displayName: "Hermes Agent",
    skillsDir: ".hermes/skills",
    globalSkillsDir: { base: "hermesHome", rel: "skills" },
  },
  {
    id: "inference-sh",
    displayName: "inference.sh",
    skillsDir: ".inferencesh/skills",
    globalSkillsDir: { base: "home", rel: ".inferencesh/skills" },
  },
  {
    id: "jazz",
    displayName: "Jazz",
    skillsDir: ".jazz/skills",
    globalSkillsDir: { base: "home", rel: ".jazz/skills" },
  },
  {
    id: "junie",
    displayName: "Junie",
    skillsDir: ".junie/skills",
    globalSkillsDir: { base: "home", rel: ".junie/skills" },
  },
  {
    id: "iflow-cli",
    displayName: "iFlow CLI",
    skillsDir: ".iflow/skills",
    globalSkillsDir: { base: "home", rel: ".iflow/skills" },
  },
  {
    id: "kilo",
    displayName: "Kilo Code",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".kilo/skills" },
  },
  {
    id: "kimchi",
    displayName: "Kimchi",
    skillsDir: ".kimchi/skills",
    globalSkillsDir: { base: "home", rel: ".config/kimchi/harness/skills" },
  },
  {
    id: "kimi-code-cli",
    displayName: "Kimi Code CLI",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".agents/skills" },
  },
  {
    id: "kiro-cli",
    displayName: "Kiro CLI",
    skillsDir: ".kiro/skills",
    globalSkillsDir: { base: "home", rel: ".kiro/skills" },
  },
  {
    id: "kode",
    displayName: "Kode",
    skillsDir: ".kode/skills",
    globalSkillsDir: { base: "home", rel: ".kode/skills" },
  },
  {
    id: "lingma",
    displayName: "Lingma",
    skillsDir: ".lingma/skills",
    globalSkillsDir: { base: "home", rel: ".lingma/skills" },
  },
  {
    id: "loaf",
    displayName: "Loaf",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".agents/skills" },
  },
  {
    id: "mcpjam",
    displayName: "MCPJam",
    skillsDir: ".mcpjam/skills",
    globalSkillsDir: { base: "home", rel: ".mcpjam/skills" },
  },
  {
    id: "minimax-code",
    displayName: "MiniMax Code",
    skillsDir: ".minimax/skills",
    globalSkillsDir: { base: "home", rel: ".minimax/skills" },
  },
  {
    id: "mistral-vibe",
    displayName: "Mistral Vibe",
    skillsDir: ".vibe/skills",
    globalSkillsDir: { base: "vibeHome", rel: "skills" },
  },
  {
    id: "moxby",
    displayName: "Moxby",
    skillsDir: ".moxby/skills",
    globalSkillsDir: { base: "home", rel: ".moxby/skills" },
  },
  {
    id: "mux",
    displayName: "Mux",
    skillsDir: ".mux/skills",
    globalSkillsDir: { base: "home", rel: ".mux/skills" },
  },
  {
    id: "opencode",
    displayName: "OpenCode",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "configHome", rel: "opencode/skills" },
  },
  {
    id: "openhands",
    displayName: "OpenHands",
    skillsDir: ".openhands/skills",
    globalSkillsDir: { base: "home", rel: ".openhands/skills" },
  },
  {
    id: "ona",
    displayName: "Ona",
    skillsDir: ".ona/skills",
    globalSkillsDir: { base: "home", rel: ".ona/skills" },
  },
  {
    id: "pi",
    displayName: "Pi",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".agents/skills" },
  },
  {
    id: "posit-assistant",
    displayName: "Posit Assistant",
    skillsDir: ".posit/assistant/skills",
    globalSkillsDir: { base: "home", rel: ".posit/assistant/skills" },
  },
  {
    id: "qoder",
    displayName: "Qoder",
    skillsDir: ".qoder/skills",
    globalSkillsDir: { base: "home", rel: ".qoder/skills" },
  },
  {
    id: "qoder-cn",
    displayName: "Qoder CN",
    skillsDir: ".qoder/skills",
    globalSkillsDir: { base: "home", rel: ".qoder-cn/skills" },
  },
  {
    id: "qwen-code",
    displayName: "Qwen Code",
    skillsDir: ".qwen/skills",
    globalSkillsDir: { base: "home", rel: ".qwen/skills" },
  },
  {
    id: "replit",
    displayName: "Replit",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "configHome", rel: "agents/skills" },
  },
  {
    id: "reasonix",
    displayName: "Reasonix",
    skillsDir: ".reasonix/skills",
    globalSkillsDir: { base: "home", rel: ".reasonix/skills" },
  },
  {
    id: "rovodev",
    displayName: "Rovo Dev",
    skillsDir: ".rovodev/skills",
    globalSkillsDir: { base: "home", rel: ".rovodev/skills" },
  },
  {
    id: "roo",
    displayName: "Roo Code",
    skillsDir: ".roo/skills",
    globalSkillsDir: { base: "home", rel: ".roo/skills" },
  },
  {
    id: "sarvam-code",
    displayName: "Sarvam Code",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".agents/skills" },
  },
  {
    id: "tabnine-cli",
    displayName: "Tabnine CLI",
    skillsDir: ".tabnine/agent/skills",
    globalSkillsDir: { base: "home", rel: ".tabnine/agent/skills" },
  },
  {
    id: "terramind",
    displayName: "Terramind",
    skillsDir: ".terramind/skills",
    globalSkillsDir: { base: "home", rel: ".terramind/skills" },
  },
  {
    id: "tinycloud",
    displayName: "Tinycloud",
    skillsDir: ".tinycloud/skills",
    globalSkillsDir: { base: "home", rel: ".tinycloud/skills" },
  },
  {
    id: "trae",
    displayName: "Trae",
    skillsDir: ".trae/skills",
    globalSkillsDir: { base: "home", rel: ".trae/skills" },
  },
  {
    id: "trae-cn",
    displayName: "Trae CN",
    skillsDir: ".trae/skills",
    globalSkillsDir: { base: "home", rel: ".trae-cn/skills" },
  },
  {
    id: "warp",
    displayName: "Warp",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".agents/skills" },
  },
  {
    id: "windsurf",
    displayName: "Windsurf",
    skillsDir: ".windsurf/skills",
    globalSkillsDir: { base: "home", rel: ".codeium/windsurf/skills" },
  },
  {
    id: "zed",
    displayName: "Zed",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "home", rel: ".agents/skills" },
  },
  {
    id: "zcode",
    displayName: "ZCode",
    skillsDir: ".zcode/skills",
    globalSkillsDir: { base: "home", rel: ".zcode/skills" },
  },
  {
    id: "zencoder",
    displayName: "Zencoder",
    skillsDir: ".zencoder/skills",
    globalSkillsDir: { base: "home", rel: ".zencoder/skills" },
  },
  {
    id: "zenflow",
    displayName: "Zenflow",
    skillsDir: ".zencoder/skills",
    globalSkillsDir: { base: "home", rel: ".zencoder/skills" },
  },
  {
    id: "neovate",
    displayName: "Neovate",
    skillsDir: ".neovate/skills",
    globalSkillsDir: { base: "home", rel: ".neovate/skills" },
  },
  {
    id: "pochi",
    displayName: "Pochi",
    skillsDir: ".pochi/skills",
    globalSkillsDir: { base: "home", rel: ".pochi/skills" },
  },
  { id: "promptscript", displayName: "PromptScript", skillsDir: ".agents/skills", globalSkillsDir: null },
  {
    id: "adal",
    displayName: "AdaL",
    skillsDir: ".adal/skills",
    globalSkillsDir: { base: "home", rel: ".adal/skills" },
  },
  {
    id: "universal",
    displayName: "Universal",
    skillsDir: ".agents/skills",
    globalSkillsDir: { base: "configHome", rel: "agents/skills" },
  },
];

/** The package and version {@link AGENTS} was taken from. */
export const AGENTS_SOURCE = { package: "skills", version: "1.7.4" } as const;

/** Agents by id. */
export const AGENTS_BY_ID: ReadonlyMap<string, AgentDef> = new Map(AGENTS.map((a) => [a.id, a]));

/** The agent used when neither `--agent` nor the project's config names one. */
export const DEFAULT_AGENT = "claude-code";

/**
 * Where each kind other than `skill` goes for an agent in a project, for the agents that have a
 * known place for it. Agents not listed here (and kinds not listed for an agent) get skills only;
 * the others are skipped with one notice per operation.
 */
export const AGENT_EXTRA_KINDS: Readonly<Record<string, Partial<Layout>>> = {
  "claude-code": {
    command: { dir: ".claude/commands", form: "file", ext: ".md" },
    agent: { dir: ".claude/agents", form: "file", ext: ".md" },
    prompt: { dir: "prompts", form: "file", ext: ".md" },
  },
};

/**
 * An agent's project placements: `skill` from {@link AGENTS}, other kinds from
 * {@link AGENT_EXTRA_KINDS}; a kind missing from the result has no place for this agent.
 * @throws SkillsyncError USAGE when `id` is not a known agent id.
 */
export function agentProjectLayout(id: string): Partial<Layout> {
  const agent = AGENTS_BY_ID.get(id);
  if (agent === undefined)
    throw new SkillsyncError("USAGE", `unknown agent '${id}'; 'skillsync agents' lists the ids`);
  return { skill: { dir: agent.skillsDir, form: "folder" }, ...(AGENT_EXTRA_KINDS[id] ?? {}) };
}

/**
 * Parses an `--agent ID[,ID…]` value: trims, drops empty items and duplicates, keeps order.
 * @returns `{ ok: true, ids }`, or `{ ok: false, unknown }` naming the ids not in {@link AGENTS}.
 */
export function parseAgentList(
  value: string,
): { ok: true; ids: string[] } | { ok: false; unknown: string[] } {
  const ids = [
    ...new Set(
      value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    ),
  ];
  const unknown = ids.filter((id) => !AGENTS_BY_ID.has(id));
  return unknown.length > 0 || ids.length === 0 ? { ok: false, unknown } : { ok: true, ids };
}

/** One folder and the agents that read it (in the order they were asked for). */
export interface SharedFolder {
  dir: string;
  agents: string[];
}

/**
 * Groups agents by the project skills folder they read, so that agents sharing a folder (many read
 * `.agents/skills`) get one copy, recorded once. Order: first appearance.
 * @throws SkillsyncError USAGE on an unknown id.
 */
export function groupByProjectSkillsDir(ids: readonly string[]): SharedFolder[] {
  const byDir = new Map<string, string[]>();
  for (const id of ids) {
    const agent = AGENTS_BY_ID.get(id);
    if (agent === undefined)
      throw new SkillsyncError("USAGE", `unknown agent '${id}'; 'skillsync agents' lists the ids`);
    const list = byDir.get(agent.skillsDir) ?? [];
    list.push(id);
    byDir.set(agent.skillsDir, list);
  }
  return [...byDir].map(([dir, agents]) => ({ dir, agents }));
}

/** What {@link resolveGlobalBase} needs: the environment and the user's home, handed in. */
export interface GlobalEnv {
  env: Readonly<Record<string, string | undefined>>;
  /** Absolute path of the user's home (`$HOME`). */
  home: string;
}

function envDir(env: GlobalEnv["env"], key: string): string | undefined {
  const v = env[key]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

function joinPosix(a: string, b: string): string {
  return `${a.replace(/\/+$/, "")}/${b}`;
}

/** The absolute folder a {@link GlobalBase} stands for, derived as the `skills` CLI derives it. */
export function resolveGlobalBase(base: GlobalBase, g: GlobalEnv): string {
  const fallback: Record<GlobalBase, [string | null, string]> = {
    home: [null, ""],
    configHome: ["XDG_CONFIG_HOME", ".config"],
    claudeHome: ["CLAUDE_CONFIG_DIR", ".claude"],
    vibeHome: ["VIBE_HOME", ".vibe"],
    hermesHome: ["HERMES_HOME", ".hermes"],
    autohandHome: ["AUTOHAND_HOME", ".autohand"],
    grokHome: ["GROK_HOME", ".grok"],
  };
  const [key, rel] = fallback[base];
  if (key === null) return g.home;
  // xdg-basedir does not trim XDG_CONFIG_HOME; the `*_HOME` variables are trimmed.
  const fromEnv = key === "XDG_CONFIG_HOME" ? g.env[key] || undefined : envDir(g.env, key);
  return fromEnv ?? joinPosix(g.home, rel);
}

/** An agent's absolute global skills folder, or `null` when it has none. */
export function resolveGlobalSkillsDir(agent: AgentDef, g: GlobalEnv): string | null {
  if (agent.globalSkillsDir === null) return null;
  return joinPosix(resolveGlobalBase(agent.globalSkillsDir.base, g), agent.globalSkillsDir.rel);
}

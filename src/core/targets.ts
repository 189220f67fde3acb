/**
 * Deployment targets: the folders a deployment writes to, one per distinct folder of the chosen
 * agents (issue 11). Agents that read the same folder (two dozen read `.agents/skills`) share one
 * target, so one copy serves them all and is recorded once. Pure: the home and environment are handed
 * in. Placement rules follow the `skills` CLI (`skills@1.7.4`, `dist/cli.mjs`, `getAgentBaseDir`):
 * in a project every agent uses its `skillsDir`; globally a "universal" agent (one whose project
 * folder is `.agents/skills`) uses the canonical `~/.agents/skills`, any other its global folder.
 */
import {
  AGENT_EXTRA_KINDS,
  AGENTS_BY_ID,
  type AgentDef,
  type GlobalEnv,
  resolveGlobalBase,
  resolveGlobalSkillsDir,
} from "./agents.js";
import { SkillsyncError } from "./errors.js";
import { artifactRelPath, type KindPlacement, type Layout, type PartialLayout } from "./layout.js";
import { KINDS, type Kind } from "./names.js";

/** One target: a set of folders under the deployment root and the agents that read them. */
export interface Target {
  /** Agent ids served by this target, in the order they were asked for. */
  agents: string[];
  /** Where each kind goes, relative to the deployment root (`/`-separated); missing kinds are not placed. */
  layout: PartialLayout;
  /**
   * With `--link`: the canonical skills folder (relative to the root, `.agents/skills`) that this
   * target's skills are symbolic links into; the skills there are the real copies. Other kinds are
   * copies all the same.
   */
  link?: string;
}

/** The targets for a list of agents, and the kinds none of them has a place for. */
export interface TargetSet {
  targets: Target[];
  /** Kinds that no chosen agent has a place for (skipped, with one notice per operation). */
  unplaced: Kind[];
}

/** The canonical skills folder of the `skills` CLI (project and global): `.agents/skills`. */
export const CANONICAL_SKILLS_DIR = ".agents/skills";

function agentOf(id: string): AgentDef {
  const a = AGENTS_BY_ID.get(id);
  if (!a) throw new SkillsyncError("USAGE", `unknown agent '${id}'; 'skillsync agents' lists the ids`);
  return a;
}

function group(
  ids: readonly string[],
  placeOf: (a: AgentDef) => { skill: KindPlacement; extra: Partial<Layout> },
): TargetSet {
  const bySkillDir = new Map<string, { agents: string[]; layout: Partial<Record<Kind, KindPlacement>> }>();
  for (const id of new Set(ids)) {
    const { skill, extra } = placeOf(agentOf(id));
    let t = bySkillDir.get(skill.dir);
    if (!t) bySkillDir.set(skill.dir, (t = { agents: [], layout: { skill } }));
    t.agents.push(id);
    for (const k of KINDS) {
      const p = extra[k];
      if (k !== "skill" && p && !t.layout[k]) t.layout[k] = p;
    }
  }
  const targets = [...bySkillDir.values()];
  const unplaced = KINDS.filter((k) => !targets.some((t) => t.layout[k]));
  return { targets, unplaced };
}

/**
 * The project targets of `agents` (ids of the `skills` table). `claude` is the configured Claude Code
 * project layout (`.claude/skills`, `.claude/commands`, `.claude/agents`, `prompts`): Claude Code's
 * target is exactly that layout, so a Claude-only deployment is what it always was.
 * @throws SkillsyncError USAGE on an unknown agent id
 */
export function projectTargets(agents: readonly string[], claude: Layout): TargetSet {
  return group(agents, (a) =>
    a.id === "claude-code"
      ? { skill: claude.skill, extra: claude }
      : { skill: { dir: a.skillsDir, form: "folder" }, extra: AGENT_EXTRA_KINDS[a.id] ?? {} },
  );
}

function relToHome(abs: string, home: string, what: string): string {
  const h = home.replace(/\/+$/, "");
  if (abs === h || !abs.startsWith(`${h}/`))
    throw new SkillsyncError(
      "USAGE",
      `${what} ${abs} is outside the home folder ${h}; skillsync deploys globally only under $HOME (unset the variable that moves it, or deploy to a project)`,
    );
  return abs.slice(h.length + 1);
}

/**
 * The global (user) targets of `agents`, relative to `g.home`: a universal agent's skills go to
 * `~/.agents/skills` (as `skills add -g` installs them), any other agent's to its global folder;
 * Claude Code's commands and subagents to `<claude home>/commands` and `<claude home>/agents`.
 * Prompts have no global place.
 * @throws SkillsyncError USAGE for an unknown agent, an agent without a global folder, or a global
 *   folder outside the home folder
 */
export function globalTargets(agents: readonly string[], g: GlobalEnv): TargetSet {
  return group(agents, (a) => {
    // As the skills CLI: an agent without a global folder is refused first, universal or not.
    const own = resolveGlobalSkillsDir(a, g);
    const abs =
      own !== null && a.skillsDir === CANONICAL_SKILLS_DIR
        ? `${g.home.replace(/\/+$/, "")}/${CANONICAL_SKILLS_DIR}`
        : own;
    if (abs === null)
      throw new SkillsyncError(
        "USAGE",
        `${a.displayName} (${a.id}) has no global skills folder; deploy it to a project instead`,
      );
    const skill: KindPlacement = {
      dir: relToHome(abs, g.home, `${a.id}'s global skills folder`),
      form: "folder",
    };
    if (a.id !== "claude-code") return { skill, extra: {} };
    const claudeHome = relToHome(resolveGlobalBase("claudeHome", g), g.home, "Claude Code's home");
    return {
      skill,
      extra: {
        command: { dir: `${claudeHome}/commands`, form: "file", ext: ".md" },
        agent: { dir: `${claudeHome}/agents`, form: "file", ext: ".md" },
      },
    };
  });
}

/** The path of `kind/name` in `target`, relative to the deployment root, or undefined when not placed there. */
export function targetPath(target: Target, kind: Kind, name: string): string | undefined {
  return target.layout[kind] ? artifactRelPath(target.layout, kind, name) : undefined;
}

/** The agent ids of a target as one label (`cursor,codex`). */
export function targetLabel(target: Target): string {
  return target.agents.join(",");
}

/**
 * The targets of `set` for `--link` (as `skills add` without `--copy` lays them out): the canonical
 * `.agents/skills` target first — added, serving the `universal` agent id, when no chosen agent reads it
 * — holding the real copies; every other target's skills become links into it.
 */
export function linkTargets(set: TargetSet): TargetSet {
  const isCanonical = (t: Target) => t.layout.skill?.dir === CANONICAL_SKILLS_DIR;
  const canonical: Target = set.targets.find(isCanonical) ?? {
    agents: ["universal"],
    layout: { skill: { dir: CANONICAL_SKILLS_DIR, form: "folder" } },
  };
  const others = set.targets
    .filter((t) => !isCanonical(t))
    .map((t) => ({ ...t, link: CANONICAL_SKILLS_DIR }));
  return { targets: [canonical, ...others], unplaced: set.unplaced };
}

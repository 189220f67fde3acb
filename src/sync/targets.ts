/**
 * Which targets an operation runs on (issue 11): `--agent` when given, else the project's configured
 * agents (config `project_agents`, default `claude-code`) together with every agent the deployment
 * record already serves, so that a copy deployed once keeps being seen and updated. `--global`
 * targets the user's folders under `$HOME`, with the record `$SKILLSYNC_HOME/global/deployed.toml`.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { DEFAULT_AGENT } from "../core/agents.js";
import { SkillsyncError } from "../core/errors.js";
import { artifactRelPath, DEPLOYMENT_RECORD_PATH, type Layout } from "../core/layout.js";
import type { Kind } from "../core/names.js";
import { globalTargets, linkTargets, projectTargets, type Target, type TargetSet } from "../core/targets.js";
import type { Config } from "../store/config.js";
import { type DeployRecord, entryTargets, readDeployRecord } from "../store/deploy-record.js";
import { globalSkillLockPath, skillsLockPath } from "../store/skills-lock.js";
import { projectStatus, type SideWhere, type StatusReport } from "./status.js";
import type { TargetRun } from "./transfer-step.js";
import { assertTargetsContained, projectLayout, resolveProject, type Workspace } from "./workspace.js";

/** Where an operation writes: a root (project or home), its record and its targets. */
export interface Deployment {
  scope: "project" | "global";
  /** Absolute project folder, or the user's home for `global`. */
  root: string;
  /** Absolute path of the deployment record. */
  recordPath: string;
  targets: Target[];
  /** Kinds none of the targets has a place for (skipped with one notice). */
  unplaced: Kind[];
}

/** The user's home as the `skills` CLI takes it: `$HOME`, else the OS's idea of it. */
export function userHome(env: NodeJS.ProcessEnv = process.env): string {
  const h = env.HOME?.trim();
  return h && h.length > 0 ? h : homedir();
}

/** The global deployment record: `$SKILLSYNC_HOME/global/deployed.toml`. */
export function globalRecordPath(ws: Workspace): string {
  return join(ws.paths.root, "global", "deployed.toml");
}

/** The agents a record serves, and whether any of its targets is a link (`--link` was used). */
function recorded(record: DeployRecord | undefined, legacy: Layout): { agents: string[]; link: boolean } {
  const agents = new Set<string>();
  let link = false;
  for (const e of record?.artifacts ?? [])
    for (const t of entryTargets(e, () => artifactRelPath(legacy, e.type, e.name))) {
      for (const a of t.agents) agents.add(a);
      if (t.link) link = true;
    }
  return { agents: [...agents], link };
}

/** How copies are made: `--link` (true), `--copy` (false), else as recorded. */
function withMode(set: TargetSet, link: boolean | undefined, rec: { link: boolean }): TargetSet {
  return (link ?? rec.link) ? linkTargets(set) : set;
}

/**
 * The targets of `project`: those of `agents` when given, else of its configured agents (config
 * `project_agents`, default `claude-code`) together with every agent `record` serves; `--link` or
 * `--copy` from `link`, else as recorded. The one rule for the CLI, the engine and the daemon's
 * watcher.
 * @param layout the configured Claude Code project layout (also where version 1 entries live)
 * @throws SkillsyncError USAGE for an unknown agent id
 */
export function projectTargetSet(opts: {
  config: Config;
  layout: Layout;
  project: string;
  record: DeployRecord | undefined;
  agents?: readonly string[] | undefined;
  link?: boolean | undefined;
}): TargetSet {
  const rec = recorded(opts.record, opts.layout);
  const ids =
    opts.agents && opts.agents.length > 0
      ? [...opts.agents]
      : [...new Set([...(opts.config.project_agents[opts.project] ?? [DEFAULT_AGENT]), ...rec.agents])];
  return withMode(projectTargets(ids, opts.layout), opts.link, rec);
}

/**
 * The deployment of `project` for `agents` (default: configured ∪ recorded, see {@link projectTargetSet}).
 * @throws SkillsyncError USAGE for an unknown agent id; INVALID_RECORD for a corrupt record
 */
export function projectDeployment(
  ws: Workspace,
  project: string,
  agents?: readonly string[],
  link?: boolean,
): Deployment {
  const recordPath = join(project, ...DEPLOYMENT_RECORD_PATH.split("/"));
  const record = readDeployRecord(recordPath, ws.parsedCache);
  const { targets, unplaced } = projectTargetSet({
    config: ws.config,
    layout: projectLayout(ws),
    project,
    record,
    agents,
    link,
  });
  return { scope: "project", root: project, recordPath, targets, unplaced };
}

/**
 * The global deployment (the user's folders under `$HOME`) for `agents` (default: `claude-code` ∪
 * recorded).
 * @throws SkillsyncError USAGE for an unknown agent, one without a global folder, or a folder outside `$HOME`
 */
export function globalDeployment(
  ws: Workspace,
  agents?: readonly string[],
  link?: boolean,
  env: NodeJS.ProcessEnv = process.env,
): Deployment {
  const recordPath = globalRecordPath(ws);
  const home = userHome(env);
  const rec = recorded(readDeployRecord(recordPath, ws.parsedCache), projectLayout(ws));
  const ids = agents && agents.length > 0 ? [...agents] : [...new Set([DEFAULT_AGENT, ...rec.agents])];
  const { targets, unplaced } = withMode(globalTargets(ids, { env, home }), link, rec);
  return { scope: "global", root: home, recordPath, targets, unplaced };
}

/** The read position of one target of a deployment. */
export function whereOf(d: Deployment, target: Target): SideWhere {
  return { target, recordPath: d.recordPath };
}

/** True when `d` is the plain Claude Code project deployment (the one the fsmonitor knows). */
export function isClaudeOnly(d: Deployment): boolean {
  return d.scope === "project" && d.targets.length === 1 && d.targets[0]!.agents.join() === "claude-code";
}

/** The deployment record's folder, relative to the project. */
const RECORD_DIR = DEPLOYMENT_RECORD_PATH.split("/").slice(0, -1).join("/");

/**
 * The deployment an operation runs on: `--global` (the user's folders) or the project, with the
 * targets of `agents` (or the defaults); every target folder checked for symlinks leaving the root.
 * @throws SkillsyncError PROJECT_MISSING, USAGE (unknown agent), UNSAFE_PATH, INVALID_RECORD
 */
export async function resolveDeployment(
  ws: Workspace,
  opts: { project?: string; agents?: string[]; global?: boolean; link?: boolean },
): Promise<Deployment> {
  if (opts.global && opts.project)
    throw new SkillsyncError("USAGE", "--global and --project exclude each other; pass one");
  const dep = opts.global
    ? globalDeployment(ws, opts.agents, opts.link)
    : projectDeployment(ws, await resolveProject(ws, opts.project), opts.agents, opts.link);
  if (dep.scope === "global" && !existsSync(dep.root))
    throw new SkillsyncError("PROJECT_MISSING", `home folder ${dep.root} does not exist; set HOME`);
  for (const t of dep.targets)
    assertTargetsContained(dep.root, t.layout, dep.scope === "project" ? [RECORD_DIR] : []);
  return dep;
}

/**
 * What a snapshot of `dep` covers: every target's folders, its record and the skills CLI's lock file
 * it keeps current (`skills-lock.json` in a project, `.skill-lock.json` for `--global`).
 */
export function deploymentScope(dep: Deployment): TargetRun["scope"] {
  return {
    type: "project",
    project: dep.root,
    ...(dep.scope === "global" ? { record: dep.recordPath } : {}),
    layouts: dep.targets.map((t) => t.layout),
    lock_files: [dep.scope === "global" ? globalSkillLockPath(dep.root) : skillsLockPath(dep.root)],
  };
}

/** The engine's view of one target of `dep`. */
export function targetRun(dep: Deployment, target: Target): TargetRun {
  return {
    root: dep.root,
    target,
    recordPath: dep.recordPath,
    scope: deploymentScope(dep),
    skillsLock: dep.scope === "project",
    ...(dep.scope === "global" ? { globalLockFile: globalSkillLockPath(dep.root) } : {}),
  };
}

/**
 * The drift status of every target of `project` (its configured agents and those its record serves):
 * what `skillsync status` prints, for the web UI and MCP.
 * @throws SkillsyncError NOT_FOUND (no collection), INVALID_RECORD, USAGE (an unknown configured agent)
 */
export function deploymentStatus(ws: Workspace, project: string): StatusReport {
  const dep = projectDeployment(ws, project);
  return projectStatus(ws, project, { wheres: dep.targets.map((t) => whereOf(dep, t)) });
}

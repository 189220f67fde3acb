/**
 * The settings every codex operation needs, resolved from the config (`codex.*`, `git_token_env`),
 * the home and the project folder.
 */
import { SkillsyncError } from "../core/errors.js";
import type { Config } from "../store/config.js";
import { type GitAuth, gitAuthFor } from "./git.js";
import { segmentProblem } from "./plan.js";

/** Resolved codex settings. */
export interface CodexSettings {
  /** Git URL of the codex repository; `undefined` when `codex.repo` is not set. */
  repo: string | undefined;
  org: string;
  project: string;
  include: string[];
  exclude: string[];
  deletionThreshold: number;
  deletionThresholdPercent: number;
  /** Seconds a cached file stays fresh. */
  ttlSeconds: number;
  sparse: boolean;
  /** The project folder (absolute). */
  projectDir: string;
  /** `$SKILLSYNC_HOME/cache/git`. */
  gitCacheDir: string;
  auth: GitAuth;
}

/**
 * Builds the settings. `codex.project` defaults to the project folder's name.
 * @throws SkillsyncError INVALID_CONFIG when `codex.org` or the project name is not one path segment
 */
export function codexSettings(opts: {
  config: Config;
  projectDir: string;
  gitCacheDir: string;
  env?: NodeJS.ProcessEnv;
}): CodexSettings {
  const c = opts.config.codex;
  const base = opts.projectDir.split(/[\\/]/).filter(Boolean).pop() ?? "project";
  const project = c.project ?? base;
  const problem = segmentProblem("org", c.org) ?? segmentProblem("project", project);
  if (problem)
    throw new SkillsyncError(
      "INVALID_CONFIG",
      `${problem}; set it with 'skillsync config set codex.${problem.startsWith("org") ? "org" : "project"} NAME'`,
    );
  return {
    repo: c.repo,
    org: c.org,
    project,
    include: c.include,
    exclude: c.exclude,
    deletionThreshold: c.deletion_threshold,
    deletionThresholdPercent: c.deletion_threshold_percent,
    ttlSeconds: c.ttl,
    sparse: c.sparse,
    projectDir: opts.projectDir,
    gitCacheDir: opts.gitCacheDir,
    auth: c.repo ? gitAuthFor(c.repo, opts.config.git_token_env, opts.env) : { env: {}, secrets: [] },
  };
}

/**
 * The codex repository URL.
 * @throws SkillsyncError USAGE when `codex.repo` is not set, saying how to set it
 */
export function requireRepo(s: CodexSettings): string {
  if (!s.repo)
    throw new SkillsyncError(
      "USAGE",
      "no codex repository configured; set one with 'skillsync config set codex.repo <git URL>'",
    );
  return s.repo;
}

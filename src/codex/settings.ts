/**
 * The settings every codex operation needs, resolved from the config (`codex.*`, `git_token_env`),
 * the home and the project folder.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import type { Config } from "../store/config.js";
import { type GitAuth, gitAuthFor } from "../store/git.js";
import { type LockSpec, withLocks } from "../store/lock.js";
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
  /** `$SKILLSYNC_HOME/locks`. */
  locksDir: string;
  /** How long to wait for another process's lock, in ms (`lock_timeout_ms`). */
  lockTimeoutMs: number;
}

/**
 * Builds the settings. `codex.project` defaults to the project folder's name.
 * @throws SkillsyncError INVALID_CONFIG when `codex.org` or the project name is not one path segment
 */
export function codexSettings(opts: {
  config: Config;
  projectDir: string;
  gitCacheDir: string;
  /** Default: `locks` beside `cache/` (i.e. `$SKILLSYNC_HOME/locks`). */
  locksDir?: string;
  env?: NodeJS.ProcessEnv;
}): CodexSettings {
  const c = opts.config.codex;
  const base = opts.projectDir.split(/[\\/]/).filter(Boolean).pop() ?? "project";
  // A name derived from the folder is made safe; a configured one must already be.
  const derived =
    base
      .replace(/[^A-Za-z0-9_.-]+/g, "-")
      .replace(/^[.-]+/, "")
      .replace(/\.\.+/g, ".") || "project";
  const project = c.project ?? derived;
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
    locksDir: opts.locksDir ?? join(opts.gitCacheDir, "..", "..", "locks"),
    lockTimeoutMs: opts.config.lock_timeout_ms,
  };
}

/** Which codex locks an operation needs: the project's cache, and (for git work) the clone. */
export interface CodexLockNeeds {
  cache?: boolean;
  /** The clone folder (see `cloneDirFor`). */
  cloneDir?: string;
}

/**
 * Runs `fn` holding the requested locks (under `locksDir`, waiting up to `lockTimeoutMs`), so a CLI
 * sync, the daemon and an MCP server never update the same clone or cache index at once.
 * @throws SkillsyncError LOCKED when another process holds a lock past the timeout
 */
export function withCodexLocks<T>(s: CodexSettings, needs: CodexLockNeeds, fn: () => Promise<T>): Promise<T> {
  const locks: LockSpec[] = [];
  if (needs.cache)
    locks.push({
      lockDir: s.locksDir,
      key: `codex-cache:${s.projectDir}`,
      what: `the codex cache of ${s.projectDir}`,
    });
  if (needs.cloneDir)
    locks.push({ lockDir: s.locksDir, key: `codex-clone:${needs.cloneDir}`, what: "the codex clone" });
  return withLocks(locks, s.lockTimeoutMs, fn);
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

/**
 * Checks that the project folder exists, so a typo in `--project-dir` never creates a stray tree.
 * @throws SkillsyncError PROJECT_MISSING
 */
export function assertProjectDir(dir: string): string {
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok)
    throw new SkillsyncError(
      "PROJECT_MISSING",
      `project folder ${dir} does not exist; run in the project or pass --project-dir DIR`,
    );
  return dir;
}

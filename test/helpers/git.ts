/**
 * Real git repositories for tests, isolated from the developer's git configuration: a fixed identity,
 * no global or system config, `main` as the first branch.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Environment that makes git ignore the user's config and commit with a fixed identity and time. */
export const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "skillsync test",
  GIT_AUTHOR_EMAIL: "test@skillsync.invalid",
  GIT_COMMITTER_NAME: "skillsync test",
  GIT_COMMITTER_EMAIL: "test@skillsync.invalid",
  GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
};

/**
 * Runs `git ARGS…` in `cwd` and returns its stdout (trimmed).
 * @throws Error with git's stderr when it exits non-zero
 */
export function git(cwd: string, args: readonly string[]): string {
  return execFileSync("git", args, {
    cwd,
    env: { ...process.env, ...GIT_ENV },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
  }).trim();
}

/** `git init` of `dir` (created when missing) on branch `main`; returns `dir`. */
export function initRepo(dir: string): string {
  mkdirSync(dir, { recursive: true });
  git(dir, ["init", "-q", "-b", "main"]);
  return dir;
}

/** Stages everything and commits with `message`; returns the new commit id (40 hex). */
export function commitAll(dir: string, message: string): string {
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "--allow-empty", "-m", message]);
  return git(dir, ["rev-parse", "HEAD"]);
}

/** A bare repository at `<parent>/<name>.git` (a local "remote"); returns its path. */
export function bareRepo(parent: string, name = "remote"): string {
  const dir = join(parent, `${name}.git`);
  mkdirSync(dir, { recursive: true });
  git(dir, ["init", "-q", "--bare", "-b", "main"]);
  return dir;
}

/**
 * A bare repository seeded with `files` (relative path → content) in one commit on `main`, built
 * through a scratch clone under `parent`. Returns the bare repo's path and the commit id.
 */
export function seededBareRepo(
  parent: string,
  opts: { name?: string; files: Record<string, string | Uint8Array> },
): { url: string; commit: string } {
  const name = opts.name ?? "remote";
  const url = bareRepo(parent, name);
  const work = join(parent, `${name}-seed`);
  git(parent, ["clone", "-q", url, work]);
  for (const [rel, data] of Object.entries(opts.files)) {
    const p = join(work, ...rel.split("/"));
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, data);
  }
  const commit = commitAll(work, "seed");
  git(work, ["push", "-q", "origin", "main"]);
  return { url, commit };
}

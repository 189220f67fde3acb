/**
 * Git backup of the collection (and any extra folders in `backup.paths`) into a backup repository.
 *
 * Layout in the backup repository: `collections/<collection>/…` mirrors the collection folder and
 * `paths/<folder name>/…` mirrors each extra folder (a second folder with the same name gets `-2`).
 * Mirroring skips `.git`, `node_modules`, `.DS_Store`, skillsync temp files, symlinks, and in extra
 * folders also cache-like folders ({@link CACHE_LIKE_DIRS}) and `*.log` files.
 *
 * Guarantees:
 * - Validation-gated: an invalid artifact in the collection stops the backup before anything is
 *   touched, unless `force`.
 * - Nothing to commit → no commit, no push of new work (says so).
 * - Uncommitted changes already in the backup repository ("foreign changes") are stashed before the
 *   mirror and restored after; when they conflict with the backup they stay in the stash (named in
 *   the warning) and are never dropped.
 * - A push is never forced; a rejected push is reported (`GIT`, exit 3) and the commit stays local.
 * - One backup at a time per backup repository (a lock under `$SKILLSYNC_HOME/locks`).
 */

import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import { homedir } from "node:os";
import { basename, isAbsolute, join, resolve } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { COLLECTION_LAYOUT } from "../core/layout.js";
import type { Problem } from "../core/validate.js";
import { discoverArtifacts } from "../store/collection.js";
import type { Config } from "../store/config.js";
import { ensureDir, exists, removePath, TEMP_MARKER, writeFileAtomic } from "../store/fs.js";
import { firstErrorLine, scrubSecrets, tryGit } from "../store/git.js";
import { collectionDir, homePaths } from "../store/home.js";
import { withLocks } from "../store/lock.js";
import { validateLocated } from "./artifact-info.js";

/** Folder names skipped inside extra backup paths (caches, temp, logs, session state). */
export const CACHE_LIKE_DIRS: ReadonlySet<string> = new Set([
  "cache",
  "caches",
  ".cache",
  "Cache",
  "tmp",
  ".tmp",
  "temp",
  "logs",
  "__pycache__",
  ".venv",
  "shell-snapshots",
  "statsig",
  "todos",
  "projects",
  "ide",
]);

const ALWAYS_SKIPPED: ReadonlySet<string> = new Set([".git", "node_modules", ".DS_Store"]);

/** Options for {@link runBackup}. */
export interface BackupOptions {
  /** `$SKILLSYNC_HOME` (absolute). */
  home: string;
  config: Config;
  /** Collection name. */
  collection: string;
  /** Backup repository: a local path or a git URL; default `backup.repo`, else `$SKILLSYNC_HOME/backup/repo`. */
  repo?: string;
  /** Push after committing; default `backup.push` (off). */
  push?: boolean;
  /** Commit subject; default `skillsync backup: N changes`. */
  message?: string;
  /** Back up even when artifacts are invalid. */
  force?: boolean;
  /** Environment (for `~` and the token variable named by `git_token_env`); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Warnings (invalid artifacts under `force`, kept stash, unreachable remote). */
  warn?: (message: string) => void;
}

/** What changed, per artifact (`skill/name`) or per file for anything else. */
export interface BackupChanges {
  added: string[];
  modified: string[];
  deleted: string[];
}

/** The outcome of a backup (the `--json` output). */
export interface BackupResult {
  committed: boolean;
  /** 40-hex commit made, or `null`. */
  commit: string | null;
  /** Absolute path of the backup repository's work tree. */
  repo_path: string;
  changes: BackupChanges;
  files_changed: number;
  pushed: boolean;
  /** True when uncommitted foreign changes were stashed during the backup. */
  stashed_foreign_changes: boolean;
  /** False when stashed changes conflicted and were left in the stash (see warnings). */
  stash_restored: boolean;
  /** The full commit message, or `null`. */
  message: string | null;
  /** Invalid artifacts backed up anyway (`force`). */
  invalid: { artifact: string; problems: Problem[] }[];
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------------
// git

interface Git {
  (args: readonly string[]): Promise<string>;
  /** Runs git; returns `{code, stdout, stderr}` without throwing on a non-zero exit. */
  try(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

function gitIn(cwd: string, extraEnv: Record<string, string>, secrets: string[]): Git {
  const runRaw = async (args: readonly string[]) => {
    const r = await tryGit(args, { cwd, env: extraEnv, timeoutMs: 0 });
    return "exitCode" in r
      ? { code: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr }
      : { code: 0, stdout: r.stdout, stderr: r.stderr };
  };
  const git = (async (args: readonly string[]) => {
    const r = await runRaw(args);
    if (r.code !== 0) {
      const line = firstErrorLine(r.stderr) || `exit status ${r.code}`;
      throw new SkillsyncError(
        "GIT",
        scrubSecrets(`git ${args.join(" ")} failed in ${cwd}: ${line}`, secrets),
        {
          details: { stderr: scrubSecrets(r.stderr, secrets) },
        },
      );
    }
    return r.stdout;
  }) as Git;
  git.try = runRaw;
  return git;
}

function isUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[^/\s]+@[^/\s]+:/.test(s);
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  const h = env.HOME ?? homedir();
  if (p === "~") return h;
  if (p.startsWith("~/")) return join(h, p.slice(2));
  return isAbsolute(p) ? p : resolve(p);
}

async function identityArgs(git: Git): Promise<string[]> {
  const r = await git.try(["var", "GIT_COMMITTER_IDENT"]);
  return r.code === 0 ? [] : ["-c", "user.name=skillsync", "-c", "user.email=skillsync@localhost"];
}

// ---------------------------------------------------------------------------------------------------
// pure helpers

/**
 * Groups `git diff --name-status` entries into artifact-level changes: files under
 * `collections/<c>/skills/<name>/` are `skill/<name>`, `collections/<c>/commands/<n>.md` is
 * `command/<n>` (agents, prompts likewise); any other path stays a path. A unit is added when all
 * its files were added, deleted when all were deleted, else modified. Pure.
 */
export function describeChanges(
  collection: string,
  entries: readonly { status: "A" | "M" | "D"; path: string }[],
): BackupChanges {
  const units = new Map<string, Set<string>>();
  const prefix = `collections/${collection}/`;
  for (const e of entries) {
    let unit = e.path;
    if (e.path.startsWith(prefix)) {
      const rel = e.path.slice(prefix.length);
      const parts = rel.split("/");
      for (const [kind, p] of Object.entries(COLLECTION_LAYOUT)) {
        if (parts[0] !== p.dir) continue;
        if (p.form === "folder" && parts.length >= 3) unit = `${kind}/${parts[1]}`;
        else if (p.form === "file" && parts.length === 2 && parts[1]!.endsWith(p.ext ?? ""))
          unit = `${kind}/${parts[1]!.slice(0, parts[1]!.length - (p.ext ?? "").length)}`;
      }
    }
    const set = units.get(unit) ?? new Set<string>();
    set.add(e.status);
    units.set(unit, set);
  }
  const out: BackupChanges = { added: [], modified: [], deleted: [] };
  for (const [unit, st] of [...units].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (st.size === 1 && st.has("A")) out.added.push(unit);
    else if (st.size === 1 && st.has("D")) out.deleted.push(unit);
    else out.modified.push(unit);
  }
  return out;
}

/** The commit message: subject (given or counted) and one line per change (at most 200 lines). */
export function backupMessage(subject: string | undefined, collection: string, c: BackupChanges): string {
  const lines = [
    ...c.added.map((u) => `added ${u}`),
    ...c.modified.map((u) => `modified ${u}`),
    ...c.deleted.map((u) => `deleted ${u}`),
  ];
  const n = lines.length;
  const head = subject ?? `skillsync backup of collection '${collection}': ${n} change${n === 1 ? "" : "s"}`;
  const body = lines.length > 200 ? [...lines.slice(0, 200), `… and ${lines.length - 200} more`] : lines;
  return `${head}\n\n${body.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------------
// mirroring

async function listTree(
  root: string,
  skipDir: (name: string) => boolean,
  skipFile: (name: string) => boolean,
) {
  const out = new Map<string, string>();
  async function visit(dir: string, rel: string): Promise<void> {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    for (const e of entries) {
      if (e.name.includes(TEMP_MARKER) || ALWAYS_SKIPPED.has(e.name)) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!skipDir(e.name)) await visit(join(dir, e.name), r);
      } else if (e.isFile() && !skipFile(e.name)) {
        out.set(r, join(dir, e.name));
      }
    }
  }
  await visit(root, "");
  return out;
}

async function sameFile(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([fsp.stat(a), fsp.stat(b)]);
  if (sa.size !== sb.size || (sa.mode & 0o111 ? 1 : 0) !== (sb.mode & 0o111 ? 1 : 0)) return false;
  const [ba, bb] = await Promise.all([fsp.readFile(a), fsp.readFile(b)]);
  return ba.equals(bb);
}

/** Makes `dest` hold exactly the files of `src` (after the skip rules). */
async function mirror(src: string, dest: string, extra: boolean): Promise<void> {
  const skipDir = extra ? (n: string) => CACHE_LIKE_DIRS.has(n) : () => false;
  const skipFile = extra ? (n: string) => n.endsWith(".log") : () => false;
  const from = await listTree(src, skipDir, skipFile);
  const to = await listTree(
    dest,
    () => false,
    () => false,
  );
  for (const [rel, abs] of from) {
    const target = join(dest, ...rel.split("/"));
    if (to.has(rel) && (await sameFile(abs, target))) continue;
    const st = await fsp.stat(abs);
    await writeFileAtomic(target, await fsp.readFile(abs), { mode: st.mode & 0o111 ? 0o755 : 0o644 });
  }
  for (const rel of to.keys()) if (!from.has(rel)) await removePath(join(dest, ...rel.split("/")));
  await pruneEmptyDirs(dest);
}

async function pruneEmptyDirs(dir: string): Promise<boolean> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let empty = true;
  for (const e of entries) {
    if (e.isDirectory() && !ALWAYS_SKIPPED.has(e.name)) {
      if (!(await pruneEmptyDirs(join(dir, e.name)))) empty = false;
    } else empty = false;
  }
  if (empty) await removePath(dir);
  return empty;
}

// ---------------------------------------------------------------------------------------------------
// the backup

/** Where the backup repository's work tree is for `repo` (see {@link BackupOptions.repo}). */
export function backupRepoPath(
  home: string,
  repo: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (!repo) return join(home, "backup", "repo");
  if (isUrl(repo)) return join(home, "backup", createHash("sha256").update(repo).digest("hex").slice(0, 16));
  return expandHome(repo, env);
}

/**
 * Prepares the work tree: clones a URL (first time) or fetches it (the fast-forward comes after
 * foreign changes are stashed); initialises a missing or empty local folder; refuses a non-empty
 * folder that is not a git repository.
 */
async function prepareRepo(opts: {
  repo: string | undefined;
  path: string;
  auth: { env: Record<string, string>; secrets: string[] };
  warn: (m: string) => void;
}): Promise<{ git: Git; fetched: boolean }> {
  const { path, auth } = opts;
  const git = gitIn(path, auth.env, auth.secrets);
  if (opts.repo && isUrl(opts.repo)) {
    if (!(await exists(join(path, ".git")))) {
      await ensureDir(join(path, ".."));
      await removePath(path);
      await gitIn(join(path, ".."), auth.env, auth.secrets)(["clone", "--quiet", "--", opts.repo, path]);
      return { git, fetched: false };
    }
    const fetched = await git.try(["fetch", "--quiet", "origin"]);
    if (fetched.code !== 0) {
      opts.warn(
        `could not fetch the backup remote (${scrubSecrets(fetched.stderr.trim().split("\n")[0] ?? "", auth.secrets)}); committing locally`,
      );
      return { git, fetched: false };
    }
    return { git, fetched: true };
  }
  if (await exists(path)) {
    const st = await fsp.stat(path);
    if (!st.isDirectory())
      throw new SkillsyncError("USAGE", `backup repository ${path} is a file; pass a folder with --repo`);
    const top = await git.try(["rev-parse", "--show-toplevel"]);
    if (top.code === 0) {
      const [a, b] = await Promise.all([fsp.realpath(top.stdout.trim()), fsp.realpath(path)]);
      if (a === b) return { git, fetched: false };
    }
    if ((await fsp.readdir(path)).length > 0)
      throw new SkillsyncError(
        "USAGE",
        `${path} is not the root of a git repository; run 'git init' there or pass another --repo`,
      );
  }
  await ensureDir(path);
  await git(["init", "--quiet"]);
  return { git, fetched: false };
}

/** Fast-forwards a managed clone to what was just fetched; warns when it has diverged. */
async function fastForward(git: Git, warn: (m: string) => void): Promise<void> {
  const branch = (await git.try(["symbolic-ref", "--short", "HEAD"])).stdout.trim();
  const remoteRef = `refs/remotes/origin/${branch}`;
  if (!branch || (await git.try(["rev-parse", "--verify", "--quiet", remoteRef])).code !== 0) return;
  const ff = await git.try(["merge", "--ff-only", "--quiet", remoteRef]);
  if (ff.code !== 0)
    warn(`the backup clone has diverged from origin/${branch}; a push will be rejected until it is merged`);
}

/**
 * Runs one backup (see the module comment for the guarantees). The daemon calls this after syncs
 * when `backup.auto` is set.
 * @throws SkillsyncError INVALID_ARTIFACT (exit 2) when artifacts are invalid and not `force`;
 *   NOT_FOUND when there is nothing to back up; USAGE for a bad repository path; GIT (exit 3) for git
 *   failures, including a rejected push (the commit stays local)
 */
export async function runBackup(opts: BackupOptions): Promise<BackupResult> {
  const env = opts.env ?? process.env;
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    opts.warn?.(m);
  };
  const collDir = collectionDir(opts.home, opts.collection);
  const extras = opts.config.backup.paths.map((p) => expandHome(p, env));
  const hasCollection = await exists(collDir);
  if (!hasCollection && extras.length === 0)
    throw new SkillsyncError(
      "NOT_FOUND",
      `collection '${opts.collection}' does not exist at ${collDir} and backup.paths is empty; nothing to back up`,
    );
  if (!hasCollection)
    warn(`collection '${opts.collection}' does not exist at ${collDir}; backing up backup.paths only`);
  for (const p of extras) if (!(await exists(p))) warn(`backup path ${p} does not exist; skipped`);

  // Validation gate: before anything is touched.
  const invalid: BackupResult["invalid"] = [];
  if (hasCollection)
    for (const loc of discoverArtifacts(collDir, COLLECTION_LAYOUT)) {
      const errors = validateLocated(loc).problems.filter((p) => p.severity === "error");
      if (errors.length > 0) invalid.push({ artifact: `${loc.kind}/${loc.name}`, problems: errors });
    }
  if (invalid.length > 0) {
    const list = invalid
      .slice(0, 5)
      .map((i) => {
        const p = i.problems[0]!;
        return `${i.artifact} (${p.file}${p.line ? `:${p.line}` : ""}: ${p.message})`;
      })
      .join("; ");
    if (!opts.force)
      throw new SkillsyncError(
        "INVALID_ARTIFACT",
        `backup stopped: ${invalid.length} invalid artifact${invalid.length === 1 ? "" : "s"}: ${list}${invalid.length > 5 ? "; …" : ""}. Fix them ('skillsync validate') or rerun with --force`,
      );
    warn(`backing up ${invalid.length} invalid artifacts anyway (--force): ${list}`);
  }

  const repoSpec = opts.repo ?? opts.config.backup.repo;
  const path = backupRepoPath(opts.home, repoSpec, env);
  const tokenVar = opts.config.git_token_env;
  const token = tokenVar ? env[tokenVar] : undefined;
  const auth: { env: Record<string, string>; secrets: string[] } =
    token && repoSpec && /^https:\/\//i.test(repoSpec)
      ? {
          env: {
            GIT_CONFIG_COUNT: "1",
            GIT_CONFIG_KEY_0: "http.extraHeader",
            GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`,
          },
          secrets: [token, Buffer.from(`x-access-token:${token}`).toString("base64")],
        }
      : { env: {}, secrets: token ? [token] : [] };
  const push = opts.push ?? opts.config.backup.push;
  const lock = {
    lockDir: homePaths(opts.home).locks,
    key: `backup:${path}`,
    what: `backup repository ${path}`,
  };

  return withLocks([lock], opts.config.lock_timeout_ms, async () => {
    const { git, fetched } = await prepareRepo({ repo: repoSpec, path, auth, warn });
    const result: BackupResult = {
      committed: false,
      commit: null,
      repo_path: path,
      changes: { added: [], modified: [], deleted: [] },
      files_changed: 0,
      pushed: false,
      stashed_foreign_changes: false,
      stash_restored: true,
      message: null,
      invalid,
      warnings,
    };

    // Foreign changes: stash (untracked included), restore at the end, never drop.
    const dirty = (await git(["status", "--porcelain", "--untracked-files=all"])).trim().length > 0;
    const hasHead = (await git.try(["rev-parse", "--verify", "--quiet", "HEAD"])).code === 0;
    let stashRef: string | undefined;
    if (dirty && hasHead) {
      const label = `skillsync-backup: foreign changes saved before backup`;
      await git([
        ...(await identityArgs(git)),
        "stash",
        "push",
        "--include-untracked",
        "--quiet",
        "-m",
        label,
      ]);
      stashRef = (await git(["rev-parse", "stash@{0}"])).trim();
      result.stashed_foreign_changes = true;
    } else if (dirty) {
      warn(
        "the backup repository has no commit yet and uncommitted files; they are left as they are (not staged)",
      );
    }

    try {
      if (fetched) await fastForward(git, warn);
      const areas: string[] = [];
      if (hasCollection) {
        const rel = `collections/${opts.collection}`;
        await mirror(collDir, join(path, ...rel.split("/")), false);
        areas.push(rel);
      }
      const used = new Set<string>();
      for (const p of extras) {
        if (!(await exists(p))) continue;
        let name = basename(p) || "root";
        for (let i = 2; used.has(name); i++) name = `${basename(p)}-${i}`;
        used.add(name);
        const rel = `paths/${name}`;
        await mirror(p, join(path, ...rel.split("/")), true);
        areas.push(rel);
      }
      if (areas.length > 0) await git(["add", "-A", "--", ...areas]);
      const diff = await git(["diff", "--cached", "--name-status", "--no-renames", "-z"]);
      const parts = diff.split("\0").filter(Boolean);
      const entries: { status: "A" | "M" | "D"; path: string }[] = [];
      for (let i = 0; i + 1 < parts.length; i += 2) {
        const s = parts[i]!.charAt(0);
        entries.push({ status: s === "A" ? "A" : s === "D" ? "D" : "M", path: parts[i + 1]! });
      }
      if (entries.length > 0) {
        result.changes = describeChanges(opts.collection, entries);
        result.files_changed = entries.length;
        result.message = backupMessage(opts.message, opts.collection, result.changes);
        await commitWithMessage(git, result.message);
        result.committed = true;
        result.commit = (await git(["rev-parse", "HEAD"])).trim();
      }
    } finally {
      if (stashRef) result.stash_restored = await restoreStash(git, stashRef, path, warn);
    }

    if (push) await pushBackup(git, path, result);
    return result;
  });
}

async function commitWithMessage(git: Git, message: string): Promise<void> {
  const id = await identityArgs(git);
  await git([...id, "commit", "--quiet", "--no-verify", "-m", message.trimEnd()]);
}

/** Applies and drops the stash; on a conflict resets the work tree and keeps the stash. */
async function restoreStash(
  git: Git,
  ref: string,
  path: string,
  warn: (m: string) => void,
): Promise<boolean> {
  const applied = await git.try(["stash", "apply", "--index", ref]);
  const fallback = applied.code === 0 ? applied : await git.try(["stash", "apply", ref]);
  if (fallback.code === 0) {
    const top = (await git(["rev-parse", "stash@{0}"])).trim();
    if (top === ref) await git(["stash", "drop", "--quiet", "stash@{0}"]);
    return true;
  }
  // Conflict: put the work tree back to the commit; the stash still holds every foreign change.
  await git(["reset", "--hard", "--quiet", "HEAD"]);
  await git(["clean", "-fdq"]);
  warn(
    `uncommitted changes found in the backup repository conflict with this backup; they are kept in the stash ` +
      `(${ref.slice(0, 12)}, 'skillsync-backup: foreign changes…'). Restore them with 'git -C ${path} stash pop'`,
  );
  return false;
}

async function pushBackup(git: Git, path: string, result: BackupResult): Promise<void> {
  const remotes = (await git(["remote"])).split("\n").map((s) => s.trim());
  if (!remotes.includes("origin"))
    throw new SkillsyncError(
      "USAGE",
      `backup repository ${path} has no remote 'origin'; add one with 'git -C ${path} remote add origin URL' or drop --push`,
    );
  if ((await git.try(["rev-parse", "--verify", "--quiet", "HEAD"])).code !== 0) return;
  const branch = (await git(["symbolic-ref", "--short", "HEAD"])).trim();
  const r = await git.try(["push", "--porcelain", "origin", `HEAD:refs/heads/${branch}`]);
  if (r.code !== 0) {
    const rejected = /\[rejected\]|\[remote rejected\]|non-fast-forward|fetch first/.test(
      r.stdout + r.stderr,
    );
    const why =
      (r.stdout + r.stderr)
        .split("\n")
        .map((l) => l.trim())
        .find((l) => /rejected|^error:|^fatal:/.test(l)) ?? "push failed";
    throw new SkillsyncError(
      "GIT",
      `${rejected ? "the backup remote rejected the push" : "push to the backup remote failed"} (${scrubSecrets(why.replace(/\s+/g, " "), [])}); ` +
        `the backup commit ${result.commit?.slice(0, 12) ?? "HEAD"} is kept in ${path}. Merge the remote's changes there (git pull) and run 'skillsync backup --push' again; skillsync never force-pushes`,
      { details: { result } },
    );
  }
  result.pushed = /^[*+ ]\t/m.test(r.stdout) && !/\[up to date\]/.test(r.stdout);
}

/**
 * The local clone of the codex repository, kept under `$SKILLSYNC_HOME/cache/git/codex-<hash>-<project>/`
 * (the hash is the first 16 hex of SHA-256 of the URL). With `codex.sparse` it is a partial
 * (`--filter=blob:none`), sparse (cone mode: `projects/<project>`, `shared`, `systems`) clone, so only
 * the folders a project needs are fetched and checked out.
 *
 * The clone is a cache owned by skillsync: updating it resets it hard to the remote's default branch.
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { exists, removePath } from "../store/fs.js";
import { type GitAuth, gitBytes, runGit, tryGit } from "../store/git.js";
import { hashFile } from "./files.js";
import { sparseFolders } from "./plan.js";

/** Options for {@link openCodexRepo}. */
export interface CodexRepoOptions {
  /** Git URL of the codex repository (`codex.repo`). */
  url: string;
  /** `$SKILLSYNC_HOME/cache/git`. */
  gitCacheDir: string;
  /** The project whose folder is checked out. */
  project: string;
  /** Partial + sparse clone (`codex.sparse`). */
  sparse: boolean;
  /** Token env and secrets (from {@link gitAuthFor}). */
  auth?: GitAuth;
  /** Fetch from the remote even when the clone exists; default true. */
  update?: boolean;
}

/** An up-to-date clone. */
export interface CodexRepo {
  dir: string;
  /** 40-hex commit checked out. */
  commit: string;
  /** The remote's default branch name. */
  defaultBranch: string;
  /** Token env and secrets used for every git run in the clone. */
  auth: GitAuth;
  /** Run git in the clone with the auth applied. */
  git(args: readonly string[]): Promise<string>;
}

/**
 * Folder of the clone of `url` for `project` under `gitCacheDir`: one clone per project, so each
 * keeps its own sparse set and projects never reset each other's work tree.
 */
export function cloneDirFor(gitCacheDir: string, url: string, project: string): string {
  return join(gitCacheDir, `codex-${createHash("sha256").update(url).digest("hex").slice(0, 16)}-${project}`);
}

/**
 * Clones (first time) or fetches and resets the clone to the remote's default branch.
 * @throws SkillsyncError GIT when git fails (unreachable remote, empty repository, …)
 */
export async function openCodexRepo(opts: CodexRepoOptions): Promise<CodexRepo> {
  const dir = cloneDirFor(opts.gitCacheDir, opts.url, opts.project);
  const auth = opts.auth ?? { env: {}, secrets: [] };
  const gopts = { cwd: dir, env: auth.env, secrets: auth.secrets };
  const git = async (args: readonly string[]) => (await runGit(args, gopts)).stdout;
  const fresh = !(await exists(join(dir, ".git")));
  if (fresh) {
    await removePath(dir);
    const args = ["clone", "--quiet", "--no-checkout"];
    if (opts.sparse) args.push("--filter=blob:none", "--sparse");
    args.push("--", opts.url, dir);
    try {
      await runGit(args, { env: auth.env, secrets: auth.secrets });
    } catch (e) {
      await removePath(dir);
      throw e;
    }
  } else if (opts.update !== false) {
    await git(["fetch", "--quiet", "--prune", "origin"]);
  }
  const head = await tryGit(["symbolic-ref", "--short", "refs/remotes/origin/HEAD"], gopts);
  let defaultBranch: string;
  if ("exitCode" in head) {
    // origin/HEAD unset (e.g. the remote's HEAD was missing at clone time): ask the remote.
    const ls = await git(["ls-remote", "--symref", "origin", "HEAD"]);
    const m = /^ref: refs\/heads\/(\S+)\s+HEAD/m.exec(ls);
    if (!m)
      throw new SkillsyncError(
        "GIT",
        "the codex repository has no default branch (is it empty?); push a first commit to it",
      );
    defaultBranch = m[1]!;
  } else {
    defaultBranch = head.stdout.trim().replace(/^origin\//, "");
  }
  if (opts.sparse) await git(["sparse-checkout", "set", "--cone", ...sparseFolders(opts.project)]);
  else if (!fresh) await tryGit(["sparse-checkout", "disable"], gopts);
  await git(["checkout", "--quiet", "-f", "-B", defaultBranch, `refs/remotes/origin/${defaultBranch}`]);
  await git(["clean", "-fdq"]);
  const commit = (await git(["rev-parse", "HEAD"])).trim();
  return { dir, commit, defaultBranch, auth, git };
}

/**
 * The regular files checked out under `prefixes` (repository-relative, `/`), with SHA-256 of their
 * bytes. Symlinks and submodules are skipped.
 */
export async function listRepoFiles(
  repo: CodexRepo,
  prefixes: readonly string[],
): Promise<{ path: string; hash: string }[]> {
  const out = await repo.git(["ls-files", "-s", "-z", "--", ...prefixes]);
  const files: { path: string; hash: string }[] = [];
  for (const rec of out.split("\0")) {
    if (!rec) continue;
    const tab = rec.indexOf("\t");
    const mode = rec.slice(0, 6);
    const path = rec.slice(tab + 1);
    if (mode !== "100644" && mode !== "100755") continue;
    const abs = join(repo.dir, ...path.split("/"));
    try {
      files.push({ path, hash: await hashFile(abs) });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Reads one file of the checked-out commit: from the work tree when it is checked out, else through
 * `git show` (which fetches the blob on demand in a partial clone).
 * @returns `undefined` when the commit has no such file
 */
export async function readRepoFile(repo: CodexRepo, repoPath: string): Promise<Buffer | undefined> {
  try {
    const st = await fsp.lstat(join(repo.dir, ...repoPath.split("/")));
    if (st.isFile()) return await fsp.readFile(join(repo.dir, ...repoPath.split("/")));
  } catch {
    // not checked out: ask git
  }
  const lsOut = await repo.git(["ls-tree", "-z", "HEAD", "--", repoPath]);
  if (!lsOut.trim()) return undefined;
  if (!lsOut.startsWith("100")) return undefined;
  return gitBytes(["show", `HEAD:${repoPath}`], {
    cwd: repo.dir,
    env: repo.auth.env,
    secrets: repo.auth.secrets,
  });
}

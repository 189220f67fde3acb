/**
 * Git sources (issue 6 "Git sources"): `add` from `github:OWNER/REPO[/PATH][@REF]` and
 * `git+URL[#PATH][@REF]`, `outdated`, and `update` (three-way merge of upstream changes into the
 * collection, `--frozen` installs of the locked commits).
 *
 * - Cache: one partial (`--filter=blob:none`), sparse clone per URL under
 *   `$SKILLSYNC_HOME/cache/git/<first 16 hex of SHA-256 of the URL>/`, reused and fetched on later
 *   runs (only when the wanted commit is not there yet). It is skillsync's own cache: its work tree
 *   is checked out (detached) at whatever commit an operation reads, and may be deleted at any time.
 * - Refs resolve through `git ls-remote` (branch, then tag — peeled —, then a full ref name; no REF
 *   means the remote's `HEAD`); a 40-hex REF is a pinned commit and never goes out of date.
 * - The upstream base: the tree an artifact last took from upstream is stored in the object store
 *   and named in `state.db` table `git_base(collection, kind, name, tree, commit)`; the lock entry's
 *   `sha` is the collection content, which diverges once the user edits it. When the row is missing
 *   or names another commit than the lock's `resolved-ref`, the base is read from git at
 *   `resolved-ref` instead.
 * - Credentials: the user's git credentials, plus an optional HTTPS token from the environment
 *   variable named by config `git_token_env`, handed to git as an `http.extraHeader` through
 *   `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` (never in argv, a URL or the lock file);
 *   every git error message is scrubbed of the token, its Basic-auth form and URL userinfo.
 *
 * Guarantees: bad input and git failures write nothing to the collection; `update` writes artifacts
 * and the lock file in one transaction after a snapshot of the collection; `--preview` writes
 * nothing (the cache may be fetched); an artifact whose merge has unresolved conflicts with
 * auto-resolve `abort` is left untouched.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import {
  formatGitSpec,
  type GitSpec,
  isCommitId,
  isGitSpec,
  joinRepoPath,
  MARKETPLACE_PATH,
  type MarketplacePlugin,
  parseGitSpec,
  parseMarketplace,
  pickRemoteRef,
  redactUrl,
  remoteKey,
} from "../core/git-spec.js";
import type { Kind } from "../core/names.js";
import { exists, removePath } from "../store/fs.js";
import { type GitAuth, gitAuthFor, runGit, scrubSecrets as scrub, tryGit } from "../store/git.js";
import { withLocks } from "../store/lock.js";
import { type LockEntry, readLockFile } from "../store/lock-file.js";
import { readGitBase as readStoredGitBase, writeGitBases } from "../store/state/git-bases.js";
import { openStateDb } from "../store/state-db.js";
import { loadTreeFiles, readTree, type TreeFile } from "../store/tree-read.js";
import { type AddResult, addArtifacts, type RejectedArtifact } from "./collection-ops.js";
import { requireCollection, type Workspace } from "./workspace.js";

// ---------------------------------------------------------------------------------------------------
// git runner

export type { GitAuth } from "../store/git.js";
export { gitAuthFor, scrubSecrets as scrub } from "../store/git.js";

interface RunOptions {
  cwd?: string;
  auth?: GitAuth;
  /** Milliseconds before git is killed; default 120 000. */
  timeoutMs?: number;
}

/**
 * Runs `git <args>` and returns stdout.
 * @throws SkillsyncError GIT naming the (scrubbed) command and git's first error line
 */
async function git(args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return (await runGit(args, opts)).stdout;
}

/** Runs git; `undefined` instead of an error on a non-zero exit. */
async function gitMaybe(args: readonly string[], opts: RunOptions = {}): Promise<string | undefined> {
  const r = await tryGit(args, opts);
  return "exitCode" in r ? undefined : r.stdout;
}

// ---------------------------------------------------------------------------------------------------
// the clone cache

/** Folder holding the cached clone of `url`: `<gitCache>/<first 16 hex of SHA-256 of the URL>`. */
export function cacheDirFor(gitCache: string, url: string): string {
  return join(gitCache, createHash("sha256").update(url).digest("hex").slice(0, 16));
}

/**
 * The clone's own folder inside {@link cacheDirFor}: named after the repository (last URL segment
 * without `.git`), so a skill at a repository's root takes the repository's name.
 */
export function cloneDirFor(gitCache: string, url: string): string {
  const last = url.replace(/\/+$/, "").split(/[/:]/).pop() ?? "";
  const name =
    last
      .replace(/\.git$/, "")
      .replace(/[^A-Za-z0-9._-]/g, "-")
      .replace(/^[.-]+/, "") || "repo";
  return join(cacheDirFor(gitCache, url), name);
}

/** The base URL for `github:` specs: `SKILLSYNC_GITHUB_BASE` or https://github.com/. */
export function githubBase(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.SKILLSYNC_GITHUB_BASE || undefined;
}

function parseSpec(spec: string): GitSpec {
  const base = githubBase();
  return parseGitSpec(spec, base ? { githubBase: base } : {});
}

/** A git remote: the spec's URL with the credentials to use. */
export interface Remote {
  spec: GitSpec;
  auth: GitAuth;
}

function remoteFor(ws: Workspace, spec: GitSpec): Remote {
  return { spec, auth: gitAuthFor(spec.url, ws.config.git_token_env) };
}

/**
 * The commit `spec.ref` points at on the remote (`git ls-remote`; no clone, no fetch). A 40-hex ref is
 * returned as is without asking.
 * @throws SkillsyncError GIT when git fails or the remote has no such ref
 */
export async function resolveRemote(r: Remote): Promise<string> {
  const ref = r.spec.ref;
  if (ref !== undefined && isCommitId(ref)) return ref;
  const patterns = ref === undefined || ref === "HEAD" ? ["HEAD"] : [ref, `${ref}^{}`];
  const out = await git(["ls-remote", "--", r.spec.url, ...patterns], { auth: r.auth });
  const sha = pickRemoteRef(out, ref);
  if (!sha)
    throw new SkillsyncError(
      "GIT",
      `${scrub(r.spec.url, r.auth.secrets)} has no ${ref === undefined ? "default branch (is it empty?)" : `branch or tag '${ref}'`}; check the @REF of ${formatGitSpec(r.spec)}`,
    );
  return sha;
}

/** The cached clone of one URL. */
/** A sparse clone in the cache (see the module comment). */
export interface Clone {
  dir: string;
  run(args: readonly string[]): Promise<string>;
  maybe(args: readonly string[]): Promise<string | undefined>;
}

/**
 * Makes sure the clone of `r.spec.url` exists and holds `commit` (clone on first use, fetch when the
 * commit is missing, then `git fetch origin <commit>` as a last resort).
 * @throws SkillsyncError GIT when the remote cannot be read or the commit is not on it
 */
/** The cached clone of `r`, fetched until it holds `commit`. @throws SkillsyncError GIT */
export async function ensureClone(ws: Workspace, r: Remote, commit: string): Promise<Clone> {
  const dir = cloneDirFor(ws.paths.gitCache, r.spec.url);
  const opts = { cwd: dir, auth: r.auth };
  const clone: Clone = {
    dir,
    run: (args) => git(args, opts),
    maybe: (args) => gitMaybe(args, opts),
  };
  if (!(await exists(join(dir, ".git")))) {
    await removePath(dir);
    try {
      await git(
        ["clone", "--quiet", "--no-checkout", "--filter=blob:none", "--sparse", "--", r.spec.url, dir],
        { auth: r.auth },
      );
    } catch (e) {
      await removePath(dir);
      throw e;
    }
  }
  const has = async () => (await clone.maybe(["cat-file", "-e", `${commit}^{commit}`])) !== undefined;
  if (!(await has())) {
    await clone.run([
      "fetch",
      "--quiet",
      "--prune",
      "--tags",
      "origin",
      "+refs/heads/*:refs/remotes/origin/*",
    ]);
    if (!(await has())) {
      await clone.maybe(["fetch", "--quiet", "origin", commit]);
      if (!(await has()))
        throw new SkillsyncError(
          "GIT",
          `commit ${commit} is not on ${scrub(r.spec.url, r.auth.secrets)} any more (force-pushed away?); run 'skillsync update' without --frozen, or re-add the artifact`,
        );
    }
  }
  return clone;
}

function sparsePattern(p: string): string {
  return `/${p.replace(/[*?[\]!#\\]/g, (c) => `\\${c}`)}`;
}

/** Checks out `commit` (detached) with only `paths` (repository-relative; `[""]` = everything). */
/** Checks `paths` of `commit` out in the clone's work tree (sparse). */
export async function checkout(clone: Clone, commit: string, paths: readonly string[]): Promise<void> {
  if (paths.some((p) => p === "")) await clone.run(["sparse-checkout", "disable"]);
  else await clone.run(["sparse-checkout", "set", "--no-cone", ...paths.map(sparsePattern)]);
  await clone.run(["checkout", "--quiet", "-f", "--detach", commit]);
}

/** What is at `path` in `commit`: `tree`, `blob`, or `undefined` when nothing. */
/** Whether `path` at `commit` is a folder (`tree`), a file (`blob`) or missing. */
export async function objectType(
  clone: Clone,
  commit: string,
  path: string,
): Promise<"tree" | "blob" | undefined> {
  if (path === "") return "tree";
  const out = await clone.maybe(["cat-file", "-t", `${commit}:${path}`]);
  const t = out?.trim();
  return t === "tree" || t === "blob" ? t : undefined;
}

/** Reads the files of an artifact at `path` of the checked-out commit (`undefined` when absent). */
/** The files of an artifact at `path` in the checked-out work tree; undefined when missing. */
export function readCheckedOut(clone: Clone, path: string, kind: Kind, name: string): TreeFile[] | undefined {
  const abs = join(clone.dir, ...path.split("/"));
  const form = kind === "skill" ? "folder" : "file";
  const tree = readTree({ path: abs, form, entryName: `${name}.md` });
  if (!tree || tree.entries.length === 0) return undefined;
  return loadTreeFiles(tree);
}

/** The lock that serialises work on one URL's clone. */
export function cacheLock(ws: Workspace, url: string) {
  const dir = cacheDirFor(ws.paths.gitCache, url);
  return { lockDir: ws.paths.locks, key: `git-cache:${dir}`, what: `git cache ${dir}` };
}

// ---------------------------------------------------------------------------------------------------
// the upstream base in state.db

/** The upstream tree recorded for `kind/name` (the base of its next update). */
export function readGitBase(
  ws: Workspace,
  kind: Kind,
  name: string,
): { tree: string; commit: string } | undefined {
  return readStoredGitBase(openStateDb(ws.paths.stateDb), { collection: ws.collection, kind, name });
}

/** Records the upstream base (tree in the object store, commit) of an artifact. */
export function writeGitBase(
  ws: Workspace,
  rows: { kind: Kind; name: string; tree: string; commit: string }[],
): void {
  writeGitBases(openStateDb(ws.paths.stateDb), ws.collection, rows);
}

// ---------------------------------------------------------------------------------------------------
// add

/** Options for {@link addFromGit}. */
export interface AddFromGitOptions {
  /** `github:OWNER/REPO[/PATH][@REF]` or `git+URL[#PATH][@REF]`. */
  spec: string;
  /** Replace artifacts already in the collection (after a snapshot). */
  force?: boolean;
  kind?: Kind;
  /**
   * For a repository with `.claude-plugin/marketplace.json` (and no PATH): only these plugins or
   * skills (by plugin name or skill folder name); default every listed one.
   */
  pick?: string[];
  /** Add the valid artifacts and list the invalid ones instead of refusing the whole add (see `addArtifacts`). */
  partial?: boolean;
}

/** Repository paths to check out and add for a marketplace, filtered by `pick`. */
function marketplaceSelection(
  plugins: MarketplacePlugin[],
  pick: string[] | undefined,
  warn: (m: string) => void,
): { sparse: string[]; adds: string[]; roots: string[] } {
  const local = plugins.filter((p) => {
    if (p.external) warn(`marketplace plugin '${p.name}' lives in ${p.external}; add it from there`);
    return !p.external;
  });
  const sparse = new Set<string>();
  const adds = new Set<string>();
  const roots = new Set<string>();
  const available = new Set<string>();
  const picked = new Set<string>();
  for (const p of local) {
    available.add(p.name);
    const wholePlugin = !pick || pick.includes(p.name);
    if (wholePlugin && pick) picked.add(p.name);
    const listed = [...(p.skills ?? []), ...(p.commands ?? []), ...(p.agents ?? [])];
    for (const s of p.skills ?? []) available.add(s.split("/").pop() ?? s);
    if (listed.length === 0) {
      // No list: the plugin's default folders.
      if (!wholePlugin) continue;
      for (const d of ["skills", "commands", "agents"]) sparse.add(joinRepoPath(p.root, d));
      roots.add(p.root);
      continue;
    }
    for (const s of listed) {
      const base = s.split("/").pop() ?? s;
      if (!wholePlugin && !pick?.includes(base)) continue;
      if (pick?.includes(base)) picked.add(base);
      sparse.add(s);
      adds.add(s);
    }
  }
  const unknown = (pick ?? []).filter((n) => !picked.has(n));
  if (unknown.length > 0)
    throw new SkillsyncError(
      "NOT_FOUND",
      `not in the marketplace: ${unknown.join(", ")}; available: ${[...available].sort().join(", ")}`,
    );
  if (sparse.size === 0)
    throw new SkillsyncError("NOT_FOUND", "the marketplace lists no plugin in this repository");
  return { sparse: [...sparse], adds: [...adds], roots: [...roots] };
}

/** A listed path as `add` takes it: a folder of `.md` files (no SKILL.md) becomes its files. */
function expandListed(abs: string): string[] {
  try {
    if (!statSync(abs).isDirectory() || existsSync(join(abs, "SKILL.md"))) return [abs];
    const mds = readdirSync(abs).filter((n) => n.endsWith(".md") && !n.startsWith("."));
    return mds.length > 0 ? mds.map((n) => join(abs, n)) : [abs];
  } catch {
    return [abs];
  }
}

/** True when a plugin folder holds any of `skills/`, `commands/`, `agents/` after checkout. */
function holdsArtifacts(abs: string): boolean {
  return ["skills", "commands", "agents"].some((d) => existsSync(join(abs, d)));
}

/**
 * Adds the artifact(s) of a git source to the collection: clones or fetches the cache, resolves the
 * REF to a commit, checks out only what is needed, then hands the folder(s) to `addArtifacts` with
 * each artifact's canonical source (`github:owner/repo/path@ref` / `git+URL#path@ref`) and the commit
 * as `resolved-ref`. Without a PATH, a repository with `.claude-plugin/marketplace.json` adds the
 * skills (and commands/agents) its plugins list (`pick` narrows them); otherwise the whole repository
 * is searched like a local folder.
 * @throws SkillsyncError USAGE (bad spec), GIT (git failed: exit 3), NOT_FOUND (no PATH at the commit),
 *   and whatever `addArtifacts` throws (INVALID_ARTIFACT, ALREADY_EXISTS); nothing is written then
 */
export async function addFromGit(
  ws: Workspace,
  opts: AddFromGitOptions,
): Promise<{ spec: string; results: AddResult[]; invalid: RejectedArtifact[] }> {
  requireCollection(ws);
  const spec = parseSpec(opts.spec);
  const r = remoteFor(ws, spec);
  const commit = await resolveRemote(r);
  return withLocks([cacheLock(ws, spec.url)], ws.config.lock_timeout_ms, async () => {
    const clone = await ensureClone(ws, r, commit);
    const inClone = (p: string) => join(clone.dir, ...p.split("/"));
    let paths: string[];
    if (spec.path !== "") {
      if (opts.pick && opts.pick.length > 0)
        throw new SkillsyncError("USAGE", "--pick works on a marketplace repository without a PATH");
      if (!(await objectType(clone, commit, spec.path)))
        throw new SkillsyncError(
          "NOT_FOUND",
          `${formatGitSpec(spec)} has no '${spec.path}' at commit ${commit.slice(0, 12)}; check the PATH`,
        );
      await checkout(clone, commit, [spec.path]);
      paths = [inClone(spec.path)];
    } else {
      const text = await clone.maybe(["cat-file", "blob", `${commit}:${MARKETPLACE_PATH}`]);
      if (text !== undefined) {
        const sel = marketplaceSelection(parseMarketplace(text, MARKETPLACE_PATH), opts.pick, (m) =>
          ws.reporter.warn(m),
        );
        await checkout(clone, commit, sel.sparse);
        const missing = sel.adds.filter((p) => !existsSync(inClone(p)));
        if (missing.length > 0)
          throw new SkillsyncError(
            "NOT_FOUND",
            `the marketplace lists paths missing at commit ${commit.slice(0, 12)}: ${missing.join(", ")}`,
            { file: MARKETPLACE_PATH },
          );
        paths = [
          ...sel.adds.flatMap((p) => expandListed(inClone(p))),
          ...sel.roots.map(inClone).filter(holdsArtifacts),
        ];
      } else {
        if (opts.pick && opts.pick.length > 0)
          throw new SkillsyncError("USAGE", `--pick needs a ${MARKETPLACE_PATH} in the repository`);
        await checkout(clone, commit, [""]);
        paths = [clone.dir];
      }
    }
    if (paths.length === 0) throw new SkillsyncError("NOT_FOUND", "no artifacts found in the repository");
    const added = await addArtifacts(ws, {
      paths,
      ...(opts.kind ? { kind: opts.kind } : {}),
      force: Boolean(opts.force),
      sourceFor: (c) => formatGitSpec(spec, relative(clone.dir, c.source.path).split(sep).join("/")),
      resolvedRef: commit,
      ...(opts.partial ? { partial: true } : {}),
    });
    writeGitBase(
      ws,
      added.results.map((a) => ({ kind: a.kind, name: a.name, tree: a.sha, commit })),
    );
    // Invalid artifacts are shown by their path in the repository, not in the cache's clone.
    const invalid = added.invalid.map((i) => {
      const rel = relative(clone.dir, i.file);
      return rel.startsWith("..")
        ? i
        : { ...i, file: rel.split(sep).join("/"), reason: `${i.reason} (in ${redactUrl(opts.spec)})` };
    });
    return { spec: opts.spec, results: added.results, invalid };
  });
}

// ---------------------------------------------------------------------------------------------------
// outdated

/** One row of `outdated`. */
export interface OutdatedEntry {
  name: string;
  type: Kind;
  source: string;
  /** The locked commit (`resolved-ref`), or null when the lock has none. */
  current: string | null;
  /** The commit the source's ref points at now. */
  latest: string;
}

/** A git-sourced lock entry with its parsed spec and remote. */
export interface GitEntry {
  entry: LockEntry;
  spec: GitSpec;
  remote: Remote;
}

/** Every git-sourced artifact of the collection's lock file. */
export function gitEntries(ws: Workspace): GitEntry[] {
  const lock = readLockFile(ws.lockPath, ws.parsedCache);
  const out: GitEntry[] = [];
  for (const entry of lock.artifact) {
    if (!isGitSpec(entry.source)) continue;
    let spec: GitSpec;
    try {
      spec = parseSpec(entry.source);
    } catch (e) {
      throw new SkillsyncError(
        "INVALID_LOCK",
        `${entry.type}/${entry.name}: ${(e as Error).message}; fix its source or re-add it`,
        { file: ws.lockPath },
      );
    }
    out.push({ entry, spec, remote: remoteFor(ws, spec) });
  }
  return out;
}

/** Resolves every distinct (URL, REF) once; returns the latest commit per remote key. */
/** The commit each remote ref names now (`git ls-remote`), by remote key. */
export async function latestCommits(entries: GitEntry[]): Promise<Map<string, string>> {
  const byKey = new Map<string, Remote>();
  for (const e of entries) byKey.set(remoteKey(e.spec), e.remote);
  const out = new Map<string, string>();
  for (const [key, remote] of byKey) out.set(key, await resolveRemote(remote));
  return out;
}

/**
 * The git-sourced artifacts whose upstream ref moved past the locked `resolved-ref`
 * (`git ls-remote` per distinct URL and REF; no clone, no fetch).
 * @throws SkillsyncError GIT (exit 3) when a remote cannot be read, INVALID_LOCK
 */
export async function outdated(ws: Workspace): Promise<OutdatedEntry[]> {
  requireCollection(ws);
  const entries = gitEntries(ws);
  const latest = await latestCommits(entries);
  const out: OutdatedEntry[] = [];
  for (const e of entries) {
    const l = latest.get(remoteKey(e.spec))!;
    const current = e.entry["resolved-ref"] ?? null;
    if (current !== l)
      out.push({ name: e.entry.name, type: e.entry.type, source: e.entry.source, current, latest: l });
  }
  return out;
}

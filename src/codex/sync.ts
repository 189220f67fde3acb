/**
 * `codex sync`: from the codex repository into the project's doc cache (default), or from the
 * project into `projects/<project>/` of the codex repository on a branch.
 *
 * Guarantees: a sync that would delete more files than either threshold deletes nothing and writes
 * nothing (unless `force`); `dryRun` writes nothing to the project or the codex remote (only the git
 * cache under `$SKILLSYNC_HOME/cache/git` may be fetched); to-codex never force-pushes and pushes to
 * the default branch only with `pushDefault`.
 */
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { removePath, writeFileAtomic } from "../store/fs.js";
import { runGit, tryGit } from "../store/git.js";
import { cacheFile, cacheRootFor, ensureGitignored, loadCacheIndex, saveCacheIndex } from "./cache.js";
import { hashTree, walkFiles } from "./files.js";
import {
  type CacheEntry,
  checkDeletionThreshold,
  makeEntry,
  makeMatcher,
  planSync,
  removeEntries,
  type SyncPlan,
  selectFromRepo,
  sparseFolders,
  upsertEntries,
} from "./plan.js";
import { type CodexRepo, cloneDirFor, listRepoFiles, openCodexRepo } from "./repo.js";
import { type CodexSettings, requireRepo, withCodexLocks } from "./settings.js";

/** Which way a sync goes. */
export type CodexDirection = "from-codex" | "to-codex";

/** Failure phases, as in the failure JSON (`push` is to-codex's last step). */
export type CodexPhase = "clone" | "copy" | "cache-index" | "push";

/** The result JSON of a sync that ran (or was stopped by a threshold). */
export interface CodexSyncResult {
  /** `success`, or `blocked` when a deletion threshold stopped it. */
  status: "success" | "blocked";
  direction: CodexDirection;
  mode: "cache";
  /** Files in the selection (present at the destination after the sync). */
  files_synced: number;
  files_added: number;
  files_modified: number;
  files_deleted: number;
  deletion_threshold_exceeded: boolean;
  /** Absolute path of `<project>/.skillsync/codex/cache/<org>/<project>`. */
  cache_path: string;
  cache_index_updated: boolean;
  dry_run: boolean;
  duration_seconds: number;
}

/** The failure JSON. */
export interface CodexSyncFailure {
  status: "failure";
  error: string;
  phase: CodexPhase;
  partial_results: Partial<CodexSyncResult> | null;
}

/** What {@link runCodexSync} returns besides the result JSON. */
export interface CodexSyncOutcome {
  result: CodexSyncResult;
  /** The plan (paths relative to the destination folder). */
  plan: SyncPlan;
  /** Non-fatal notes (path collisions, the threshold reason). */
  warnings: string[];
  /** Commit checked out (from-codex) or created (to-codex). */
  commit?: string;
  /** Branch pushed (to-codex). */
  branch?: string;
}

/** Options for {@link runCodexSync}. */
export interface CodexSyncOptions {
  settings: CodexSettings;
  direction?: CodexDirection;
  dryRun?: boolean;
  /** Override the deletion thresholds. */
  force?: boolean;
  /** to-codex: commit on the default branch instead of a new branch. */
  pushDefault?: boolean;
  /** Clock, milliseconds since the epoch. */
  now: () => number;
}

/**
 * Runs one sync.
 * @throws SkillsyncError with `details.phase` (a {@link CodexPhase}) and `details.partial_results`;
 *   GIT (exit 3) for git failures, USAGE (exit 2) for a missing `codex.repo`
 */
export async function runCodexSync(opts: CodexSyncOptions): Promise<CodexSyncOutcome> {
  const s = opts.settings;
  const cloneDir = s.repo ? cloneDirFor(s.gitCacheDir, s.repo, s.project) : undefined;
  return withCodexLocks(s, { cache: true, cloneDir }, () =>
    (opts.direction ?? "from-codex") === "from-codex" ? fromCodex(opts) : toCodex(opts),
  );
}

/** Attaches the phase and partial results to an error. */
function inPhase(e: unknown, phase: CodexPhase, partial: Partial<CodexSyncResult> | null): never {
  if (e instanceof SkillsyncError)
    throw new SkillsyncError(e.code, e.message, {
      file: e.file,
      line: e.line,
      details: { ...e.details, phase, partial_results: partial },
      cause: e,
    });
  throw new SkillsyncError("INTERNAL", (e as Error)?.message ?? String(e), {
    details: { phase, partial_results: partial },
    cause: e,
  });
}

/** Turns an error thrown by {@link runCodexSync} into the failure JSON. */
export function failureJson(e: unknown): CodexSyncFailure {
  const d = e instanceof SkillsyncError ? (e.details ?? {}) : {};
  return {
    status: "failure",
    error: e instanceof SkillsyncError ? e.toLine() : ((e as Error)?.message ?? String(e)),
    phase: (d.phase as CodexPhase | undefined) ?? "clone",
    partial_results: (d.partial_results as Partial<CodexSyncResult> | null | undefined) ?? null,
  };
}

function seconds(start: number, end: number): number {
  return Math.round(end - start) / 1000;
}

/** The plan of one direction, its counts, and the deletion-threshold decision. */
interface GatedPlan {
  plan: SyncPlan;
  counts: Pick<CodexSyncResult, "files_synced" | "files_added" | "files_modified" | "files_deleted">;
  exceeded: boolean;
  /** Set when the threshold stops the sync (no `--force`): the outcome to return, nothing changed. */
  blocked?: CodexSyncOutcome;
}

/**
 * Plans copying `source` over `dest` (path → hash) and applies the deletion thresholds; both
 * directions share it.
 */
function planWithThreshold(x: {
  source: Map<string, string>;
  dest: Map<string, string>;
  settings: CodexSettings;
  opts: CodexSyncOptions;
  base: CodexSyncResult;
  start: number;
  warnings: string[];
  commit?: string;
}): GatedPlan {
  const plan = planSync(x.source, x.dest);
  const counts = {
    files_synced: x.source.size,
    files_added: plan.add.length,
    files_modified: plan.modify.length,
    files_deleted: plan.delete.length,
  };
  const decision = checkDeletionThreshold({
    deletions: plan.delete.length,
    existing: x.dest.size,
    maxCount: x.settings.deletionThreshold,
    maxPercent: x.settings.deletionThresholdPercent,
  });
  if (!decision.exceeded || x.opts.force) return { plan, counts, exceeded: decision.exceeded };
  x.warnings.push(`${decision.reason}; nothing was changed. Rerun with --force to delete them.`);
  return {
    plan,
    counts,
    exceeded: true,
    blocked: {
      result: {
        ...x.base,
        ...counts,
        status: "blocked",
        files_synced: 0,
        deletion_threshold_exceeded: true,
        duration_seconds: seconds(x.start, x.opts.now()),
      },
      plan,
      warnings: x.warnings,
      ...(x.commit ? { commit: x.commit } : {}),
    },
  };
}

async function openRepo(s: CodexSettings, partial: Partial<CodexSyncResult>): Promise<CodexRepo> {
  try {
    const url = requireRepo(s);
    return await openCodexRepo({
      url,
      gitCacheDir: s.gitCacheDir,
      project: s.project,
      sparse: s.sparse,
      auth: s.auth,
    });
  } catch (e) {
    return inPhase(e, "clone", partial);
  }
}

async function fromCodex(opts: CodexSyncOptions): Promise<CodexSyncOutcome> {
  const s = opts.settings;
  const start = opts.now();
  const dryRun = Boolean(opts.dryRun);
  const root = cacheRootFor(s.projectDir);
  const projRel = `${s.org}/${s.project}`;
  const cachePath = cacheFile(root, projRel);
  const base: CodexSyncResult = {
    status: "success",
    direction: "from-codex",
    mode: "cache",
    files_synced: 0,
    files_added: 0,
    files_modified: 0,
    files_deleted: 0,
    deletion_threshold_exceeded: false,
    cache_path: cachePath,
    cache_index_updated: false,
    dry_run: dryRun,
    duration_seconds: 0,
  };
  // Read the index first: a corrupt index is bad input and must stop before anything is written.
  let index: Awaited<ReturnType<typeof loadCacheIndex>>;
  try {
    index = await loadCacheIndex(root);
  } catch (e) {
    return inPhase(e, "cache-index", null);
  }
  const repo = await openRepo(s, {});
  let selection: ReturnType<typeof selectFromRepo>;
  let dest: Map<string, string>;
  try {
    const repoFiles = await listRepoFiles(repo, sparseFolders(s.project));
    selection = selectFromRepo({ project: s.project, repoFiles, include: s.include, exclude: s.exclude });
    dest = await hashTree(cachePath, await walkFiles(cachePath));
  } catch (e) {
    return inPhase(e, "copy", null);
  }
  const source = new Map([...selection.files].map(([p, f]) => [p, f.hash]));
  const warnings = [...selection.warnings];
  const gated = planWithThreshold({
    source,
    dest,
    settings: s,
    opts,
    base,
    start,
    warnings,
    commit: repo.commit,
  });
  if (gated.blocked) return gated.blocked;
  const { plan, counts, exceeded } = gated;
  if (dryRun) {
    return {
      result: {
        ...base,
        ...counts,
        deletion_threshold_exceeded: exceeded,
        duration_seconds: seconds(start, opts.now()),
      },
      plan,
      warnings,
      commit: repo.commit,
    };
  }
  const done = { files_added: 0, files_modified: 0, files_deleted: 0 };
  try {
    await ensureGitignored(s.projectDir);
    for (const p of [...plan.add, ...plan.modify]) {
      const f = selection.files.get(p)!;
      const bytes = await fsp.readFile(join(repo.dir, ...f.path.split("/")));
      await writeFileAtomic(cacheFile(cachePath, p), bytes);
      if (plan.add.includes(p)) done.files_added++;
      else done.files_modified++;
    }
    for (const p of plan.delete) {
      await removePath(cacheFile(cachePath, p));
      done.files_deleted++;
    }
  } catch (e) {
    return inPhase(e, "copy", { ...base, ...done, status: undefined } as Partial<CodexSyncResult>);
  }
  const now = opts.now();
  const prev = new Map(index.entries.map((e) => [e.uri, e]));
  const entries: CacheEntry[] = [];
  for (const [p, f] of selection.files) {
    const size = (await fsp.stat(cacheFile(cachePath, p))).size;
    const entry = makeEntry({
      address: { org: s.org, project: s.project, path: p },
      source: repo.commit,
      hash: f.hash,
      sizeBytes: size,
      now,
      ttlSeconds: s.ttlSeconds,
    });
    const old = prev.get(entry.uri);
    if (old && old.hash === entry.hash) entry.last_accessed = old.last_accessed;
    entries.push(entry);
  }
  const stale = new Set(
    index.entries
      .filter(
        (e) => e.path.startsWith(`${projRel}/`) && !selection.files.has(e.path.slice(projRel.length + 1)),
      )
      .map((e) => e.uri),
  );
  try {
    await saveCacheIndex(root, upsertEntries(removeEntries(index, stale), entries));
  } catch (e) {
    return inPhase(e, "cache-index", { ...base, ...counts, status: undefined } as Partial<CodexSyncResult>);
  }
  return {
    result: {
      ...base,
      ...counts,
      deletion_threshold_exceeded: exceeded,
      cache_index_updated: true,
      duration_seconds: seconds(start, opts.now()),
    },
    plan,
    warnings,
    commit: repo.commit,
  };
}

/** `skillsync/codex-<project>-<YYYYMMDDTHHMMSSZ>` at `now`. */
export function branchName(project: string, now: number): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `skillsync/codex-${project}-${stamp}`;
}

async function identityArgs(cwd: string): Promise<string[]> {
  const r = await tryGit(["var", "GIT_COMMITTER_IDENT"], { cwd });
  return "exitCode" in r ? ["-c", "user.name=skillsync", "-c", "user.email=skillsync@localhost"] : [];
}

async function toCodex(opts: CodexSyncOptions): Promise<CodexSyncOutcome> {
  const s = opts.settings;
  const start = opts.now();
  const dryRun = Boolean(opts.dryRun);
  const base: CodexSyncResult = {
    status: "success",
    direction: "to-codex",
    mode: "cache",
    files_synced: 0,
    files_added: 0,
    files_modified: 0,
    files_deleted: 0,
    deletion_threshold_exceeded: false,
    cache_path: cacheFile(cacheRootFor(s.projectDir), `${s.org}/${s.project}`),
    cache_index_updated: false,
    dry_run: dryRun,
    duration_seconds: 0,
  };
  const repo = await openRepo(s, {});
  const match = makeMatcher(s.include, s.exclude);
  const destRel = `projects/${s.project}`;
  const destDir = join(repo.dir, ...destRel.split("/"));
  let source: Map<string, string>;
  let dest: Map<string, string>;
  try {
    const projFiles = (await walkFiles(s.projectDir, (rel) => rel === ".skillsync")).filter(match);
    source = await hashTree(s.projectDir, projFiles);
    const repoFiles = await listRepoFiles(repo, [destRel]);
    dest = new Map(
      repoFiles
        .map((f) => ({ path: f.path.slice(destRel.length + 1), hash: f.hash }))
        .filter((f) => match(f.path))
        .map((f) => [f.path, f.hash]),
    );
  } catch (e) {
    return inPhase(e, "copy", null);
  }
  const warnings: string[] = [];
  const gated = planWithThreshold({ source, dest, settings: s, opts, base, start, warnings });
  if (gated.blocked) return gated.blocked;
  const { plan, counts, exceeded } = gated;
  const finish = (extra: Partial<CodexSyncOutcome> = {}): CodexSyncOutcome => ({
    result: {
      ...base,
      ...counts,
      deletion_threshold_exceeded: exceeded,
      duration_seconds: seconds(start, opts.now()),
    },
    plan,
    warnings,
    ...extra,
  });
  if (dryRun || plan.add.length + plan.modify.length + plan.delete.length === 0) return finish();
  const branch = opts.pushDefault ? repo.defaultBranch : branchName(s.project, opts.now());
  try {
    if (!opts.pushDefault) await repo.git(["checkout", "--quiet", "-B", branch]);
    for (const p of [...plan.add, ...plan.modify]) {
      const abs = join(s.projectDir, ...p.split("/"));
      const st = await fsp.stat(abs);
      await writeFileAtomic(join(destDir, ...p.split("/")), await fsp.readFile(abs), {
        mode: st.mode & 0o111 ? 0o755 : 0o644,
      });
    }
    for (const p of plan.delete) await removePath(join(destDir, ...p.split("/")));
    await repo.git(["add", "-A", "--sparse", "--", destRel]);
  } catch (e) {
    return inPhase(e, "copy", null);
  }
  const message =
    `skillsync: sync ${s.project} docs to codex (+${plan.add.length} ~${plan.modify.length} -${plan.delete.length})\n\n` +
    [
      ...plan.add.map((p) => `added ${destRel}/${p}`),
      ...plan.modify.map((p) => `modified ${destRel}/${p}`),
      ...plan.delete.map((p) => `deleted ${destRel}/${p}`),
    ].join("\n");
  let commit: string;
  try {
    await runGit([...(await identityArgs(repo.dir)), "commit", "--quiet", "-m", message], {
      cwd: repo.dir,
    });
    commit = (await repo.git(["rev-parse", "HEAD"])).trim();
    await repo.git(["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`]);
  } catch (e) {
    return inPhase(e, "push", { ...base, ...counts, status: undefined } as Partial<CodexSyncResult>);
  }
  return finish({ commit, branch });
}

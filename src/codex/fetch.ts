/**
 * Reading `codex://org/project/path` documents through the cache: a fresh cache entry is served
 * as is; a miss, an expired entry or a changed file is fetched from the codex repository and cached;
 * when git cannot reach the repository, a stale cached copy is served with a warning (offline
 * fallback). Also the repair behind `cache health --fix`.
 */
import { promises as fsp } from "node:fs";
import { SkillsyncError } from "../core/errors.js";
import { removePath, writeFileAtomic } from "../store/fs.js";
import { cacheFile, cacheRootFor, clearCache, loadCacheIndex, saveCacheIndex, scanCache } from "./cache.js";
import { hashBytes } from "./files.js";
import {
  type CacheEntry,
  type CodexAddress,
  cachePathToRepoPath,
  checkHealth,
  codexUri,
  type HealthReport,
  isExpired,
  isoAt,
  makeEntry,
  parseCodexUri,
  removeEntries,
  upsertEntries,
} from "./plan.js";
import { type CodexRepo, cloneDirFor, openCodexRepo, readRepoFile } from "./repo.js";
import { type CodexSettings, requireRepo, withCodexLocks } from "./settings.js";

/** A document read through the cache. */
export interface CodexDocument {
  uri: string;
  bytes: Buffer;
  entry: CacheEntry;
  /** `cache` (fresh hit), `fetched` (from the repository now), `stale` (offline fallback). */
  origin: "cache" | "fetched" | "stale";
  /** Set for `stale`: why the copy could not be refreshed. */
  warning?: string;
}

/**
 * Keeps one open clone per process and fetches from the remote at most once per `minFetchIntervalMs`.
 * Hand the same instance to every read of a long-lived server.
 */
export class CodexRepoCache {
  private repo: CodexRepo | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly settings: CodexSettings,
    private readonly minFetchIntervalMs = 30_000,
  ) {}

  /**
   * The clone, fetched from the remote when the last fetch is older than the interval or `force`.
   * @throws SkillsyncError GIT when the remote is unreachable; USAGE when `codex.repo` is unset
   */
  async get(now: number, force = false): Promise<CodexRepo> {
    if (this.repo && !force && now - this.fetchedAt < this.minFetchIntervalMs) return this.repo;
    const s = this.settings;
    this.repo = await openCodexRepo({
      url: requireRepo(s),
      gitCacheDir: s.gitCacheDir,
      project: s.project,
      sparse: s.sparse,
      auth: s.auth,
    });
    this.fetchedAt = now;
    return this.repo;
  }
}

/** Options for {@link readCodexDocument}. */
export interface ReadCodexOptions {
  settings: CodexSettings;
  repos: CodexRepoCache;
  uri: string;
  /** Clock, milliseconds since the epoch. */
  now: () => number;
}

/**
 * Reads one codex document through the cache (see the module comment).
 * @throws SkillsyncError USAGE / UNSAFE_PATH for a bad URI; NOT_FOUND when the repository has no
 *   such file; GIT when the repository is unreachable and nothing is cached
 */
export async function readCodexDocument(opts: ReadCodexOptions): Promise<CodexDocument> {
  const s = opts.settings;
  const addr = parseCodexUri(opts.uri);
  const uri = codexUri(addr);
  const root = cacheRootFor(s.projectDir);
  const abs = cacheFile(root, `${addr.org}/${addr.project}/${addr.path}`);
  // Phase 1, cache lock only: a fresh hit never waits for git work on the clone.
  type Probe = { doc: CodexDocument } | { entry: CacheEntry | undefined; cached: Buffer | undefined };
  const hit = await withCodexLocks(s, { cache: true }, async (): Promise<Probe> => {
    const index = await loadCacheIndex(root);
    const entry = index.entries.find((e) => e.uri === uri);
    const cached = await fsp.readFile(abs).catch(() => undefined);
    const now = opts.now();
    if (entry && cached && hashBytes(cached) === entry.hash && !isExpired(entry, now)) {
      const touched = { ...entry, last_accessed: isoAt(now) };
      await saveCacheIndex(root, upsertEntries(index, [touched]));
      return { doc: { uri, bytes: cached, entry: touched, origin: "cache" } };
    }
    return { entry, cached };
  });
  if ("doc" in hit) return hit.doc;
  const { entry, cached } = hit;
  let fetched: { bytes: Buffer; entry: CacheEntry } | undefined;
  try {
    fetched = await fetchOne({ settings: s, repos: opts.repos, address: addr, now: opts.now() });
  } catch (e) {
    // Offline (git failed) or no codex.repo any more: a cached copy beats an error.
    if (e instanceof SkillsyncError && (e.code === "GIT" || e.code === "USAGE") && cached && entry) {
      return {
        uri,
        bytes: cached,
        entry,
        origin: "stale",
        warning: `served a stale copy cached at ${entry.cached_at} (expired ${entry.expires_at}): ${e.code === "GIT" ? "the codex repository is unreachable" : "it cannot be refreshed"} (${e.message})`,
      };
    }
    throw e;
  }
  if (!fetched)
    throw new SkillsyncError(
      "NOT_FOUND",
      `${uri} does not exist in the codex repository (${cachePathToRepoPath(addr.project, addr.path)}); list cached documents with 'skillsync cache list'`,
    );
  return { uri, bytes: fetched.bytes, entry: fetched.entry, origin: "fetched" };
}

/**
 * Fetches one document from the repository into the cache and records it in the index.
 * @returns `undefined` when the repository has no such file (nothing is written)
 */
export async function fetchOne(opts: {
  settings: CodexSettings;
  repos: CodexRepoCache;
  address: CodexAddress;
  now: number;
  forceFetch?: boolean;
}): Promise<{ bytes: Buffer; entry: CacheEntry } | undefined> {
  const s = opts.settings;
  const cloneDir = s.repo ? cloneDirFor(s.gitCacheDir, s.repo, s.project) : undefined;
  return withCodexLocks(s, { cache: true, cloneDir }, () => fetchOneLocked(opts));
}

async function fetchOneLocked(opts: {
  settings: CodexSettings;
  repos: CodexRepoCache;
  address: CodexAddress;
  now: number;
  forceFetch?: boolean;
}): Promise<{ bytes: Buffer; entry: CacheEntry } | undefined> {
  const { settings: s, address: a } = opts;
  if (a.org !== s.org)
    throw new SkillsyncError(
      "NOT_FOUND",
      `org '${a.org}' is not the configured codex org '${s.org}'; only codex://${s.org}/… can be fetched`,
    );
  const repo = await opts.repos.get(opts.now, opts.forceFetch);
  const bytes = await readRepoFile(repo, cachePathToRepoPath(a.project, a.path));
  if (!bytes) return undefined;
  const root = cacheRootFor(s.projectDir);
  const rel = `${a.org}/${a.project}/${a.path}`;
  await writeFileAtomic(cacheFile(root, rel), bytes);
  const entry = makeEntry({
    address: a,
    source: repo.commit,
    hash: hashBytes(bytes),
    sizeBytes: bytes.length,
    now: opts.now,
    ttlSeconds: s.ttlSeconds,
  });
  const index = await loadCacheIndex(root);
  await saveCacheIndex(root, upsertEntries(index, [entry]));
  return { bytes, entry };
}

/** What `cache health` found and, with `fix`, what it repaired. */
export interface HealthOutcome extends HealthReport {
  /** With `fix`: the problems repaired, by path. */
  fixed: string[];
  /** With `fix`: the problems that could not be repaired, each with why. */
  unfixed: { path: string; error: string }[];
}

/**
 * Checks the cache (missing files, hash mismatches, expired entries, orphans) and, with `fix`,
 * repairs it: refetches missing, changed and expired entries from the codex repository (an entry
 * whose file left the repository is dropped), and removes orphan files.
 */
export async function cacheHealth(opts: {
  settings: CodexSettings;
  now: () => number;
  fix?: boolean;
  repos?: CodexRepoCache;
}): Promise<HealthOutcome> {
  const root = cacheRootFor(opts.settings.projectDir);
  const index = await loadCacheIndex(root);
  const report = checkHealth({ index, onDisk: await scanCache(root), now: opts.now() });
  if (!opts.fix || report.healthy) return { ...report, fixed: [], unfixed: [] };
  const repos = opts.repos ?? new CodexRepoCache(opts.settings);
  const s = opts.settings;
  const cloneDir = s.repo ? cloneDirFor(s.gitCacheDir, s.repo, s.project) : undefined;
  return withCodexLocks(s, { cache: true, cloneDir }, () => repair({ ...opts, repos, report, root }));
}

async function repair(opts: {
  settings: CodexSettings;
  now: () => number;
  repos: CodexRepoCache;
  report: HealthReport;
  root: string;
}): Promise<HealthOutcome> {
  const { repos, report, root } = opts;
  const outcome: HealthOutcome = { ...report, fixed: [], unfixed: [] };
  const dropped = new Set<string>();
  for (const p of report.problems) {
    try {
      if (p.kind === "orphan") {
        await removePath(cacheFile(root, p.path));
        outcome.fixed.push(p.path);
        continue;
      }
      const address = parseCodexUri(p.uri!);
      const got = await fetchOneLocked({ settings: opts.settings, repos, address, now: opts.now() });
      if (!got) {
        await removePath(cacheFile(root, p.path));
        dropped.add(p.uri!);
      }
      outcome.fixed.push(p.path);
    } catch (e) {
      outcome.unfixed.push({ path: p.path, error: e instanceof Error ? e.message : String(e) });
    }
  }
  if (dropped.size > 0) await saveCacheIndex(root, removeEntries(await loadCacheIndex(root), dropped));
  const after = checkHealth({
    index: await loadCacheIndex(root),
    onDisk: await scanCache(root),
    now: opts.now(),
  });
  return { ...after, fixed: outcome.fixed, unfixed: outcome.unfixed };
}

/**
 * {@link clearCache} for the project of `settings`, holding the cache lock.
 */
export function clearCodexCache(
  settings: CodexSettings,
  opts: { now: number; expiredOnly?: boolean; dryRun?: boolean },
): ReturnType<typeof clearCache> {
  return withCodexLocks(settings, { cache: true }, () =>
    clearCache({ root: cacheRootFor(settings.projectDir), ...opts }),
  );
}

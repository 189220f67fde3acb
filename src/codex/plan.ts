/**
 * The pure parts of the codex doc cache: URI and path mapping, include/exclude matching, the copy
 * plan, the deletion-threshold decision, cache index entries and the health check. No I/O and no
 * clock: callers hand in file lists, hashes and `now`.
 *
 * Path mapping between the codex repository and a project's cache folder `<org>/<project>/`:
 * `projects/<project>/X` ↔ `X`; `shared/X` ↔ `shared/X`; `systems/X` ↔ `systems/X`. When a
 * project has its own `shared/` or `systems/` subfolder, the repository-level folder wins (the
 * collision is reported as a warning).
 */
import picomatch from "picomatch";
import { SkillsyncError } from "../core/errors.js";
import { relativePathProblem } from "../core/names.js";

/** The cache index format version this build reads and writes. */
export const CACHE_INDEX_VERSION = 1;

/** Top-level folders of the codex repository shared by every project. */
export const SHARED_ROOTS = ["shared", "systems"] as const;

/** One file in the cache index (`index.json`). Times are ISO 8601 UTC. */
export interface CacheEntry {
  /** `codex://<org>/<project>/<path>` */
  uri: string;
  /** Path of the cached file relative to the cache root (`<org>/<project>/<path>`), `/`-separated. */
  path: string;
  /** 40-hex commit of the codex repository the bytes came from. */
  source: string;
  cached_at: string;
  expires_at: string;
  /** Size in bytes. */
  size_bytes: number;
  /** SHA-256 of the bytes, lowercase hex. */
  hash: string;
  last_accessed: string;
}

/** The whole cache index. Entries are kept sorted by `uri`. */
export interface CacheIndex {
  version: number;
  entries: CacheEntry[];
}

/** An empty index of the current version. */
export function emptyIndex(): CacheIndex {
  return { version: CACHE_INDEX_VERSION, entries: [] };
}

/**
 * Parses the text of `index.json`.
 * @throws SkillsyncError UNSUPPORTED_VERSION for a newer version; INVALID_RECORD for bad JSON or shape
 */
export function parseCacheIndex(text: string, file: string): CacheIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SkillsyncError(
      "INVALID_RECORD",
      `cache index is not valid JSON (${(e as Error).message}); run 'skillsync cache clear' then 'skillsync codex sync'`,
      { file },
    );
  }
  const obj = raw as { version?: unknown; entries?: unknown } | null;
  if (!obj || typeof obj !== "object" || typeof obj.version !== "number" || !Array.isArray(obj.entries))
    throw new SkillsyncError(
      "INVALID_RECORD",
      "cache index lacks 'version' or 'entries'; run 'skillsync cache clear' then 'skillsync codex sync'",
      { file },
    );
  if (obj.version > CACHE_INDEX_VERSION)
    throw new SkillsyncError(
      "UNSUPPORTED_VERSION",
      `cache index version ${obj.version} is newer than this skillsync understands (${CACHE_INDEX_VERSION}); upgrade skillsync`,
      { file },
    );
  const entries: CacheEntry[] = [];
  for (const e of obj.entries as Record<string, unknown>[]) {
    if (
      !e ||
      typeof e.uri !== "string" ||
      typeof e.path !== "string" ||
      typeof e.hash !== "string" ||
      relativePathProblem(e.path) !== undefined
    )
      throw new SkillsyncError(
        "INVALID_RECORD",
        "cache index has a malformed entry; run 'skillsync cache clear' then 'skillsync codex sync'",
        { file },
      );
    entries.push({
      uri: e.uri,
      path: e.path,
      source: String(e.source ?? ""),
      cached_at: String(e.cached_at ?? ""),
      expires_at: String(e.expires_at ?? ""),
      size_bytes: Number(e.size_bytes ?? 0),
      hash: e.hash,
      last_accessed: String(e.last_accessed ?? e.cached_at ?? ""),
    });
  }
  return { version: CACHE_INDEX_VERSION, entries: sortEntries(entries) };
}

/** The JSON text of an index (stable: entries sorted by URI, two-space indent, final newline). */
export function serializeCacheIndex(index: CacheIndex): string {
  return `${JSON.stringify({ version: CACHE_INDEX_VERSION, entries: sortEntries(index.entries) }, null, 2)}\n`;
}

function sortEntries(entries: CacheEntry[]): CacheEntry[] {
  return [...entries].sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Why `s` is not a valid org or project name (one path segment of letters, digits, `_`, `.`, `-`,
 * not starting with `.`), or `undefined`.
 */
export function segmentProblem(what: "org" | "project", s: string): string | undefined {
  if (!SEGMENT.test(s) || s.includes(".."))
    return `${what} '${s}' must be one segment of letters, digits, '_', '.', '-'`;
  return undefined;
}

/** The parts of a `codex://org/project/path` URI. */
export interface CodexAddress {
  org: string;
  project: string;
  /** Path inside the project's cache folder, `/`-separated. */
  path: string;
}

/** `codex://<org>/<project>/<path>` */
export function codexUri(a: CodexAddress): string {
  return `codex://${a.org}/${a.project}/${a.path}`;
}

/**
 * Parses and checks a `codex://org/project/path` URI.
 * @throws SkillsyncError USAGE for another scheme or a missing part; UNSAFE_PATH for `..` or similar
 */
export function parseCodexUri(uri: string): CodexAddress {
  const m = /^codex:\/\/([^/]+)\/([^/]+)\/(.+)$/.exec(uri);
  if (!m)
    throw new SkillsyncError("USAGE", `'${uri}' is not a codex URI; use codex://<org>/<project>/<path>`);
  const [, org, project, rawPath] = m as unknown as [string, string, string, string];
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new SkillsyncError("USAGE", `'${uri}' has a malformed percent-escape`);
  }
  return checkAddress({ org, project, path });
}

/**
 * Checks the parts of an address.
 * @throws SkillsyncError USAGE / UNSAFE_PATH
 */
export function checkAddress(a: CodexAddress): CodexAddress {
  const p = segmentProblem("org", a.org) ?? segmentProblem("project", a.project);
  if (p) throw new SkillsyncError("USAGE", p);
  const pathProblem = relativePathProblem(a.path);
  if (pathProblem) throw new SkillsyncError("UNSAFE_PATH", `codex path: ${pathProblem}`);
  return a;
}

/**
 * Where a repository path lands in the project's cache folder, or `undefined` when it is outside
 * `projects/<project>/`, `shared/` and `systems/`.
 */
export function repoPathToCachePath(project: string, repoPath: string): string | undefined {
  const prefix = `projects/${project}/`;
  if (repoPath.startsWith(prefix)) return repoPath.slice(prefix.length);
  for (const root of SHARED_ROOTS) if (repoPath.startsWith(`${root}/`)) return repoPath;
  return undefined;
}

/** The repository path a cache path (inside `<org>/<project>/`) comes from. */
export function cachePathToRepoPath(project: string, cachePath: string): string {
  for (const root of SHARED_ROOTS) if (cachePath.startsWith(`${root}/`)) return cachePath;
  return `projects/${project}/${cachePath}`;
}

/** The sparse-checkout folders for a project. */
export function sparseFolders(project: string): string[] {
  return [`projects/${project}`, ...SHARED_ROOTS];
}

/**
 * A predicate for include/exclude globs (picomatch, `dot: true`): a path is selected when it matches
 * some include and no exclude. An empty include list selects nothing.
 */
export function makeMatcher(
  include: readonly string[],
  exclude: readonly string[],
): (path: string) => boolean {
  const inc = include.length > 0 ? picomatch([...include], { dot: true }) : () => false;
  const exc = exclude.length > 0 ? picomatch([...exclude], { dot: true }) : () => false;
  return (p) => inc(p) && !exc(p);
}

/** One file known by its path and content hash. */
export interface HashedFile {
  path: string;
  hash: string;
}

/**
 * Selects the files of the codex repository that go into the cache, keyed by cache path.
 * The include/exclude globs apply to the cache path (`docs/a.md`, `shared/b.md`).
 * @returns the selection and any collision warnings (repository-level folder wins)
 */
export function selectFromRepo(opts: {
  project: string;
  repoFiles: readonly HashedFile[];
  include: readonly string[];
  exclude: readonly string[];
}): { files: Map<string, HashedFile>; warnings: string[] } {
  const match = makeMatcher(opts.include, opts.exclude);
  const files = new Map<string, HashedFile>();
  const warnings: string[] = [];
  for (const f of opts.repoFiles) {
    const cachePath = repoPathToCachePath(opts.project, f.path);
    if (cachePath === undefined || !match(cachePath)) continue;
    const prev = files.get(cachePath);
    if (prev) {
      const projectCopy = f.path.startsWith("projects/") ? f.path : prev.path;
      warnings.push(
        `'${projectCopy}' is hidden by the repository-level '${cachePath}'; rename it to keep both`,
      );
      if (f.path.startsWith("projects/")) continue;
    }
    files.set(cachePath, f);
  }
  return { files, warnings };
}

/** What a sync will do, by destination path (sorted). */
export interface SyncPlan {
  add: string[];
  modify: string[];
  delete: string[];
  unchanged: string[];
}

/**
 * Compares the wanted files with what the destination holds.
 * @param source wanted content by destination path → hash
 * @param dest current content by destination path → hash
 */
export function planSync(source: ReadonlyMap<string, string>, dest: ReadonlyMap<string, string>): SyncPlan {
  const plan: SyncPlan = { add: [], modify: [], delete: [], unchanged: [] };
  for (const [p, h] of source) {
    const d = dest.get(p);
    if (d === undefined) plan.add.push(p);
    else if (d !== h) plan.modify.push(p);
    else plan.unchanged.push(p);
  }
  for (const p of dest.keys()) if (!source.has(p)) plan.delete.push(p);
  for (const list of Object.values(plan) as string[][]) list.sort();
  return plan;
}

/** The deletion-threshold decision. */
export interface ThresholdDecision {
  exceeded: boolean;
  /** Why, in one line, when exceeded. */
  reason?: string;
}

/**
 * Whether deleting `deletions` of `existing` files crosses either threshold: more than `maxCount`
 * files, or more than `maxPercent` % of the existing files. Either one stops the sync.
 */
export function checkDeletionThreshold(opts: {
  deletions: number;
  existing: number;
  maxCount: number;
  maxPercent: number;
}): ThresholdDecision {
  const { deletions, existing, maxCount, maxPercent } = opts;
  if (deletions === 0) return { exceeded: false };
  if (deletions > maxCount)
    return {
      exceeded: true,
      reason: `would delete ${deletions} files, more than the threshold of ${maxCount} (codex.deletion_threshold)`,
    };
  const pct = existing === 0 ? 100 : (deletions * 100) / existing;
  if (pct > maxPercent)
    return {
      exceeded: true,
      reason: `would delete ${deletions} of ${existing} files (${pct.toFixed(1)}%), more than ${maxPercent}% (codex.deletion_threshold_percent)`,
    };
  return { exceeded: false };
}

/** ISO 8601 UTC text of `ms` since the epoch. */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The index entry for a file just cached.
 * @param opts.now milliseconds since the epoch; `ttlSeconds` is `codex.ttl`
 */
export function makeEntry(opts: {
  address: CodexAddress;
  source: string;
  hash: string;
  sizeBytes: number;
  now: number;
  ttlSeconds: number;
}): CacheEntry {
  const { address: a, now } = opts;
  return {
    uri: codexUri(a),
    path: `${a.org}/${a.project}/${a.path}`,
    source: opts.source,
    cached_at: isoAt(now),
    expires_at: isoAt(now + opts.ttlSeconds * 1000),
    size_bytes: opts.sizeBytes,
    hash: opts.hash,
    last_accessed: isoAt(now),
  };
}

/** True when the entry's `expires_at` is at or before `now` (ms); an unreadable date counts as expired. */
export function isExpired(entry: CacheEntry, now: number): boolean {
  const t = Date.parse(entry.expires_at);
  return Number.isNaN(t) || t <= now;
}

/** Replaces or adds entries by URI; returns a new index. */
export function upsertEntries(index: CacheIndex, entries: readonly CacheEntry[]): CacheIndex {
  const byUri = new Map(index.entries.map((e) => [e.uri, e]));
  for (const e of entries) byUri.set(e.uri, e);
  return { version: CACHE_INDEX_VERSION, entries: sortEntries([...byUri.values()]) };
}

/** Removes entries whose URI is in `uris`; returns a new index. */
export function removeEntries(index: CacheIndex, uris: ReadonlySet<string>): CacheIndex {
  return { version: CACHE_INDEX_VERSION, entries: index.entries.filter((e) => !uris.has(e.uri)) };
}

/** One problem the health check found. */
export interface HealthProblem {
  kind: "missing" | "hash_mismatch" | "expired" | "orphan";
  /** Cache-root-relative path. */
  path: string;
  uri?: string;
  message: string;
  fix: string;
}

/** Counts and problems of a health check. */
export interface HealthReport {
  healthy: boolean;
  entries: number;
  problems: HealthProblem[];
}

/**
 * Checks the index against what is on disk.
 * @param opts.onDisk cache-root-relative path → SHA-256 of the file now on disk (every file under
 *   the cache root except `index.json`)
 * @param opts.now milliseconds since the epoch
 */
export function checkHealth(opts: {
  index: CacheIndex;
  onDisk: ReadonlyMap<string, string>;
  now: number;
}): HealthReport {
  const problems: HealthProblem[] = [];
  const indexed = new Set<string>();
  for (const e of opts.index.entries) {
    indexed.add(e.path);
    const h = opts.onDisk.get(e.path);
    if (h === undefined)
      problems.push({
        kind: "missing",
        path: e.path,
        uri: e.uri,
        message: `${e.uri}: file ${e.path} is missing`,
        fix: "'skillsync cache health --fix' fetches it again (or run 'skillsync codex sync')",
      });
    else if (h !== e.hash)
      problems.push({
        kind: "hash_mismatch",
        path: e.path,
        uri: e.uri,
        message: `${e.uri}: ${e.path} was changed in the cache (hash differs from the index)`,
        fix: "'skillsync cache health --fix' restores the codex version; edit docs in the codex repo, not the cache",
      });
    else if (isExpired(e, opts.now))
      problems.push({
        kind: "expired",
        path: e.path,
        uri: e.uri,
        message: `${e.uri}: stale, expired at ${e.expires_at}`,
        fix: "'skillsync cache health --fix' or 'skillsync codex sync' refreshes it",
      });
  }
  for (const p of [...opts.onDisk.keys()].sort())
    if (!indexed.has(p))
      problems.push({
        kind: "orphan",
        path: p,
        message: `${p} is in the cache folder but not in the index`,
        fix: "'skillsync cache health --fix' removes it",
      });
  return { healthy: problems.length === 0, entries: opts.index.entries.length, problems };
}

/** Totals of the cache. */
export interface CacheStats {
  entries: number;
  total_bytes: number;
  expired: number;
  fresh: number;
  oldest_cached_at: string | null;
  newest_cached_at: string | null;
  by_project: { org: string; project: string; entries: number; bytes: number }[];
}

/** Computes {@link CacheStats} for `index` at `now` (ms). */
export function cacheStats(index: CacheIndex, now: number): CacheStats {
  const by = new Map<string, { org: string; project: string; entries: number; bytes: number }>();
  let total = 0;
  let expired = 0;
  let oldest: string | null = null;
  let newest: string | null = null;
  for (const e of index.entries) {
    total += e.size_bytes;
    if (isExpired(e, now)) expired++;
    if (oldest === null || e.cached_at < oldest) oldest = e.cached_at;
    if (newest === null || e.cached_at > newest) newest = e.cached_at;
    const [org = "", project = ""] = e.path.split("/");
    const key = `${org}/${project}`;
    const row = by.get(key) ?? { org, project, entries: 0, bytes: 0 };
    row.entries++;
    row.bytes += e.size_bytes;
    by.set(key, row);
  }
  return {
    entries: index.entries.length,
    total_bytes: total,
    expired,
    fresh: index.entries.length - expired,
    oldest_cached_at: oldest,
    newest_cached_at: newest,
    by_project: [...by.values()].sort((a, b) => (`${a.org}/${a.project}` < `${b.org}/${b.project}` ? -1 : 1)),
  };
}

/**
 * The workspace every sync operation runs in: home paths, config, the collection, the object store,
 * the stat cache, a clock and a logger — resolved once and handed down, so CLI, daemon, MCP and web
 * call the same functions with the same inputs.
 */
import { existsSync, lstatSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import {
  COLLECTION_LAYOUT,
  DEFAULT_PROFILE,
  type Layout,
  type PartialLayout,
  PROJECT_PROFILES,
} from "../core/layout.js";
import { artifactNameProblem } from "../core/names.js";
import { type Config, loadConfig } from "../store/config.js";
import { recoverTransactions, sweepTemps, Transaction } from "../store/fs.js";
import { collectionDir, type HomePaths, homePaths, resolveHome } from "../store/home.js";
import { removeHomeLeftovers } from "../store/leftovers.js";
import { type LockSpec, withLocks } from "../store/lock.js";
import { LOCK_FILE_WHAT, parseLockFile } from "../store/lock-file.js";
import { ObjectStore } from "../store/object-store.js";
import { type ParsedCache, parsedCacheOf } from "../store/parsed-cache.js";
import { StatCache } from "../store/stat-cache.js";
import { openStateDb } from "../store/state-db.js";
import { dismissVerifyWorker } from "../store/verify-thread.js";

/** Receives progress and messages from operations; front ends decide how to show them. */
export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
}

/** A reporter that drops everything. */
export const silentReporter: Reporter = { info() {}, warn() {} };

/** Everything an operation needs. */
export interface Workspace {
  home: string;
  paths: HomePaths;
  config: Config;
  collection: string;
  collectionDir: string;
  lockPath: string;
  objects: ObjectStore;
  statCache: StatCache;
  /** Validated parses of large files (deployment records) by path and stats. */
  parsedCache: ParsedCache;
  layout: Layout;
  /** The current time; injectable for tests. */
  now: () => Date;
  reporter: Reporter;
}

/** Options for {@link openWorkspace}. */
export interface OpenWorkspaceOptions {
  /** Home folder; default from `SKILLSYNC_HOME` or `~/.skillsync`. */
  home?: string;
  /** Collection name; default from config. */
  collection?: string;
  config?: Config;
  reporter?: Reporter;
  now?: () => Date;
  /**
   * The caller has already removed the home's temp leftovers (`removeHomeLeftovers`, as the CLI's
   * context does before it reads the config): not swept a second time.
   */
  homeSwept?: boolean;
}

/**
 * Opens the workspace: loads config, finishes any interrupted transaction, removes temp leftovers.
 * @throws SkillsyncError INVALID_CONFIG, INVALID_NAME for a bad collection name
 */
export async function openWorkspace(opts: OpenWorkspaceOptions = {}): Promise<Workspace> {
  const home = resolveHome(opts.home);
  const paths = homePaths(home);
  const config = opts.config ?? (await loadConfig(paths.config, paths.stateDb));
  const collection = opts.collection ?? config.collection;
  const problem = artifactNameProblem("command", collection);
  if (problem) throw new SkillsyncError("INVALID_NAME", `collection ${problem}`);
  const dir = collectionDir(home, collection);
  // Finishes or discards what a crashed or killed skillsync left behind (collection and projects),
  // then the temps of its single-file writes in the home's flat folders (one readdir each).
  // A worker checking rows early (status) saw the trees before this recovery changed them.
  if ((await recoverTransactions(paths.journal)) > 0) dismissVerifyWorker();
  for (const d of [paths.journal, paths.snapshots, join(paths.objects, "tmp")]) await sweepTemps(d, 1);
  if (!opts.homeSwept) await removeHomeLeftovers(paths);
  const db = openStateDb(paths.stateDb);
  return {
    home,
    paths,
    config,
    collection,
    collectionDir: dir,
    lockPath: join(dir, "skillsync.lock"),
    objects: new ObjectStore(paths.objects),
    statCache: new StatCache(db),
    parsedCache: parsedCacheOf(db),
    layout: COLLECTION_LAYOUT,
    now: opts.now ?? (() => new Date()),
    reporter: opts.reporter ?? silentReporter,
  };
}

/**
 * Reads and validates the collection's lock file (through the parsed cache, so an unchanged lock
 * is not parsed again), so that a command reading the collection refuses a corrupt one before it
 * reports or changes anything. A missing lock file is fine (an empty collection, or none yet).
 * @throws SkillsyncError INVALID_LOCK (exit 2) / UNSUPPORTED_VERSION / UNREADABLE with file and line
 */
export function verifyLockFile(ws: Workspace): void {
  if (!existsSync(ws.lockPath)) return;
  ws.parsedCache.validate(ws.lockPath, LOCK_FILE_WHAT, (text) => parseLockFile(text, ws.lockPath));
}

/**
 * Throws unless the collection exists.
 * @throws SkillsyncError NOT_FOUND with how to create it
 */
export function requireCollection(ws: Workspace): void {
  if (!existsSync(ws.collectionDir))
    throw new SkillsyncError(
      "NOT_FOUND",
      `collection '${ws.collection}' does not exist at ${ws.collectionDir}; run 'skillsync init --collection ${ws.collection}'`,
    );
}

/** The project layout for the configured profile. */
export function projectLayout(ws: Workspace): Layout {
  const layout = PROJECT_PROFILES[ws.config.profile];
  if (!layout)
    throw new SkillsyncError(
      "INVALID_CONFIG",
      `unknown profile '${ws.config.profile}'; known: ${Object.keys(PROJECT_PROFILES).join(", ")} (default ${DEFAULT_PROFILE})`,
    );
  return layout;
}

/**
 * Resolves and checks a project folder (default: the current folder).
 * @throws SkillsyncError PROJECT_MISSING when it does not exist or is not a folder
 */
export async function resolveProject(_ws: Workspace, dir?: string): Promise<string> {
  const abs = resolve(dir ?? process.cwd());
  let ok = false;
  try {
    ok = statSync(abs).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok)
    throw new SkillsyncError(
      "PROJECT_MISSING",
      `project folder ${abs} does not exist; create it or pass --project DIR`,
    );
  return abs;
}

/**
 * Refuses target folders that leave their root through a symlink: for every folder of `layout`
 * (`.claude/skills`, `.claude/commands`, …) and the record's folder, each existing path component
 * below `root` that is a symlink must resolve inside `root` (after resolving `root`'s own links).
 * A symlink pointing inside is allowed; one pointing outside, or dangling, is refused before
 * anything is read or written (issue 14 point 5), so a deploy never writes through it.
 * @param root absolute project folder (or, for a global deploy, the user's home)
 * @param dirs extra `/`-separated folders relative to `root` to check (e.g. the record's folder)
 * @throws SkillsyncError UNSAFE_PATH naming the link, where it points and how to fix it
 */
export function assertTargetsContained(
  root: string,
  layout: PartialLayout,
  dirs: readonly string[] = [],
): void {
  const rootReal = realpathSync(root);
  const inside = (p: string): boolean => {
    const rel = relative(rootReal, p);
    return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
  };
  const all = new Set([...Object.values(layout).map((p) => p?.dir ?? ""), ...dirs]);
  for (const dir of all) {
    const parts = dir.split("/").filter((x) => x !== "" && x !== ".");
    let cur = root;
    for (const part of parts) {
      cur = join(cur, part);
      let isLink = false;
      try {
        isLink = lstatSync(cur).isSymbolicLink();
      } catch {
        break; // does not exist yet: nothing below it either
      }
      if (!isLink) continue;
      let target: string | undefined;
      try {
        target = realpathSync(cur);
      } catch {
        target = undefined;
      }
      if (target === undefined || !inside(target))
        throw new SkillsyncError(
          "UNSAFE_PATH",
          `${cur} is a symlink to ${target ?? "a missing path"}, outside ${root}; skillsync does not write through it — replace the link with a real folder (or point it inside ${root})`,
        );
    }
  }
}

/** The lock spec guarding the collection. */
export function collectionLock(ws: Workspace): LockSpec {
  return {
    lockDir: ws.paths.locks,
    key: `collection:${ws.collectionDir}`,
    what: `collection '${ws.collection}'`,
  };
}

/** The lock spec guarding a project. */
export function projectLock(ws: Workspace, project: string): LockSpec {
  return { lockDir: ws.paths.locks, key: `project:${project}`, what: `project ${project}` };
}

/** Runs `fn` holding the given locks (timeout from config `lock_timeout_ms`). */
export function locked<T>(ws: Workspace, locks: LockSpec[], fn: () => Promise<T>): Promise<T> {
  return withLocks(locks, ws.config.lock_timeout_ms, fn);
}

/** A new transaction journaled under this home. */
export function transaction(ws: Workspace): Transaction {
  return new Transaction(ws.paths.journal);
}

/** ISO 8601 UTC time of `ws.now()` without milliseconds. */
export function isoNow(ws: Workspace): string {
  return ws
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");
}

/**
 * Garbage collection of the object store (`skillsync gc`, and automatically after snapshot
 * retention pruning). An object is kept when anything might reference it; only the rest goes.
 *
 * References (roots), read conservatively — every 64-hex token in these files counts, whether or not
 * the file parses, so a corrupt or newer-format file never lets gc delete what it names:
 * - every snapshot under `$SKILLSYNC_HOME/snapshots/` (its artifact trees and the lock file or
 *   deployment record text it holds);
 * - the lock file of every collection under `$SKILLSYNC_HOME/collections/`;
 * - the deployment record of every known project: the registered ones (`projects` in config), the
 *   ones named by a snapshot's scope, the ones any `state.db` row names by path, and `extraProjects`;
 * - every 64-hex string in `state.db` (hub bases, outbox entries, git upstream bases, conflict
 *   reports, caches: see store/object-refs.ts).
 * A referenced tree keeps its blobs. Objects younger than the grace period (default 14 days, like
 * git's `gc.pruneExpire`) are kept whatever references them, so an operation that has stored
 * objects and not yet written the file naming them is never robbed. Trees are removed before
 * blobs, so a stored tree always has its blobs. A project that is in none of the places above (never
 * registered, never snapshotted, unknown to state.db) is not protected once the grace period is over:
 * register projects with `skillsync project add`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DEPLOYMENT_RECORD_PATH } from "../core/layout.js";
import { writeFileAtomic } from "../store/fs.js";
import { type LockSpec, withLocks } from "../store/lock.js";
import { collectStateDbRefs } from "../store/object-refs.js";
import { listSnapshots } from "./snapshot.js";
import type { Workspace } from "./workspace.js";

/** Default grace period: objects modified less than this long ago are kept (ms; 14 days). */
export const GC_GRACE_MS = 14 * 24 * 3600 * 1000;
/** Automatic gc (after retention pruning) runs at most once per this interval (ms; 1 day). */
export const AUTO_GC_INTERVAL_MS = 24 * 3600 * 1000;

const SHA = /[0-9a-f]{64}/g;

/** Options of {@link gc}. */
export interface GcOptions {
  /** List what would be removed, remove nothing. */
  dryRun?: boolean;
  /** Keep objects modified less than this long ago (ms); default {@link GC_GRACE_MS}. */
  graceMs?: number;
  /** More project folders whose deployment records are roots. */
  extraProjects?: readonly string[];
  /** Take every collection's lock while collecting (default true; false when the caller holds one). */
  lock?: boolean;
}

/** What gc did (or, with `dryRun`, would do). Sizes in bytes. */
export interface GcResult {
  dry_run: boolean;
  removed: { type: "tree" | "blob"; sha: string; size: number }[];
  removed_bytes: number;
  kept: number;
  /** Unreferenced objects kept because they are younger than the grace period. */
  kept_recent: number;
  projects_scanned: string[];
}

function addTokens(text: string | null | undefined, into: Set<string>): void {
  if (text) for (const m of text.matchAll(SHA)) into.add(m[0]);
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

function collectionDirs(ws: Workspace): string[] {
  try {
    return readdirSync(ws.paths.collections)
      .map((n) => join(ws.paths.collections, n))
      .filter((d) => statSync(d).isDirectory());
  } catch {
    return [];
  }
}

/**
 * Collects the roots and removes the unreferenced objects older than the grace period.
 * @returns what was removed (or would be, with `dryRun`)
 */
export async function gc(ws: Workspace, opts: GcOptions = {}): Promise<GcResult> {
  const run = async (): Promise<GcResult> => {
    const graceMs = opts.graceMs ?? GC_GRACE_MS;
    const refs = new Set<string>();
    const projects = new Set<string>([...ws.config.projects, ...(opts.extraProjects ?? [])]);
    for (const s of listSnapshots(ws)) {
      for (const a of s.artifacts) refs.add(a.tree);
      addTokens(s.state_file, refs);
      if (s.scope.type === "project") projects.add(s.scope.project);
    }
    for (const dir of collectionDirs(ws)) addTokens(readOrNull(join(dir, "skillsync.lock")), refs);
    const paths = new Set<string>();
    collectStateDbRefs(ws.paths.stateDb, refs, paths);
    // A path in state.db (a stat-cache location, a parsed record) names its project by the part
    // before the record's folder (`<project>/.claude/…`), or is a project folder itself.
    const recordFolder = `/${DEPLOYMENT_RECORD_PATH.split("/")[0]}/`;
    const candidates = new Set<string>();
    for (const p of paths) {
      const i = p.indexOf(recordFolder);
      candidates.add(i > 0 ? p.slice(0, i) : p);
    }
    for (const p of candidates)
      if (existsSync(join(p, ...DEPLOYMENT_RECORD_PATH.split("/")))) projects.add(p);
    for (const p of projects) addTokens(readOrNull(join(p, ...DEPLOYMENT_RECORD_PATH.split("/"))), refs);

    const objects = ws.objects.listObjects();
    const keepBlobs = new Set<string>();
    const trees = new Set(objects.filter((o) => o.type === "trees").map((o) => o.sha));
    for (const sha of refs) {
      keepBlobs.add(sha); // a blob named directly (e.g. by the stat cache)
      if (!trees.has(sha)) continue;
      try {
        for (const e of ws.objects.readManifest(sha)) keepBlobs.add(e.sha);
      } catch {
        // an unreadable tree keeps nothing more; it is kept itself (referenced)
      }
    }
    const now = ws.now().getTime();
    const removed: GcResult["removed"] = [];
    let kept = 0;
    let keptRecent = 0;
    const order = [...objects].sort((a, b) => (a.type === b.type ? 0 : a.type === "trees" ? -1 : 1));
    for (const o of order) {
      const referenced = o.type === "trees" ? refs.has(o.sha) : keepBlobs.has(o.sha);
      if (referenced) {
        kept++;
        continue;
      }
      if (now - o.mtimeMs < graceMs) {
        keptRecent++;
        continue;
      }
      if (!opts.dryRun) await ws.objects.removeObject(o.type, o.sha);
      removed.push({ type: o.type === "trees" ? "tree" : "blob", sha: o.sha, size: o.size });
    }
    return {
      dry_run: Boolean(opts.dryRun),
      removed,
      removed_bytes: removed.reduce((n, r) => n + r.size, 0),
      kept,
      kept_recent: keptRecent,
      projects_scanned: [...projects].sort(),
    };
  };
  if (opts.lock === false) return run();
  const locks: LockSpec[] = collectionDirs(ws).map((dir) => ({
    lockDir: ws.paths.locks,
    key: `collection:${dir}`,
    what: `collection at ${dir}`,
  }));
  return withLocks(locks, ws.config.lock_timeout_ms, run);
}

/**
 * The automatic gc after snapshot retention pruning: at most once per {@link AUTO_GC_INTERVAL_MS}
 * (marker `objects/gc.last`), with the default grace period, without taking locks (the caller holds
 * its collection's lock; the grace period protects other processes' fresh objects). Failures are
 * reported as a warning and never fail the operation that pruned.
 */
export async function autoGc(ws: Workspace): Promise<void> {
  const marker = join(ws.paths.objects, "gc.last");
  try {
    if (ws.now().getTime() - statSync(marker).mtimeMs < AUTO_GC_INTERVAL_MS) return;
  } catch {
    // never ran
  }
  try {
    await writeFileAtomic(marker, `${ws.now().toISOString()}\n`);
    await gc(ws, { lock: false });
  } catch (e) {
    ws.reporter.warn(`automatic gc of the object store failed (run 'skillsync gc'): ${(e as Error).message}`);
  }
}

/**
 * Snapshots (DESIGN.md "snapshot"): immutable, content-addressed records of a whole collection or a
 * project deployment, with a message. The artifacts' trees live in the object store, so a snapshot
 * costs one small JSON file plus the blobs that changed. `rollback` restores one byte-for-byte
 * (taking a snapshot of the present first, so a rollback can itself be rolled back).
 *
 * Retention: the newest `snapshot_retention` (default 50) automatic snapshots are kept; manual ones
 * stay until deleted. After retention deletes snapshots, the object store's gc (gc.ts) removes the
 * objects nothing references any more (at most daily, after a 14-day grace period).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import {
  artifactRelPath,
  DEPLOYMENT_RECORD_PATH,
  type KindPlacement,
  type PartialLayout,
} from "../core/layout.js";
import { KINDS, type Kind } from "../core/names.js";
import { sha256Hex } from "../core/tree-hash.js";
import { discoverArtifacts, type Located, locate } from "../store/collection.js";
import { removePath, writeFileAtomic } from "../store/fs.js";
import { readArtifactTree } from "./artifact-info.js";
import {
  assertTargetsContained,
  collectionLock,
  isoNow,
  locked,
  projectLayout,
  projectLock,
  transaction,
  type Workspace,
} from "./workspace.js";

/**
 * What a snapshot covers. A project scope covers Claude Code's layout in `project` plus the
 * `layouts` of the other targets (issue 11); `record` is the deployment record's absolute path when
 * it is not the project's own (the global record, with `project` the user's home); `lock_files` are
 * the absolute paths of the `skills` CLI's lock files the deployment keeps current (the project's
 * `skills-lock.json`, or the global `.skill-lock.json`), recorded so a rollback restores them too.
 */
export type SnapshotScope =
  | { type: "collection" }
  | { type: "project"; project: string; record?: string; layouts?: PartialLayout[]; lock_files?: string[] };

/** A stored snapshot. */
export interface Snapshot {
  version: 1;
  id: string;
  created_at: string;
  message: string;
  auto: boolean;
  collection: string;
  scope: SnapshotScope;
  /** `path`: where the artifact was, relative to the scope's root (missing in older snapshots: the default layout). */
  artifacts: { kind: Kind; name: string; tree: string; path?: string }[];
  /** Text of the lock file (collection scope) or deployment record (project scope), if any. */
  state_file: string | null;
  /**
   * Project scope: the text of each of the scope's `lock_files` (`null`: the file did not exist).
   * Missing in snapshots taken before it was recorded; rollback then leaves those files alone.
   */
  lock_files?: { path: string; text: string | null }[];
}

/** Options for {@link takeSnapshot}. */
export interface SnapshotOptions {
  scope: SnapshotScope;
  message: string;
  /** Automatic (before an operation) snapshots are pruned by retention; manual ones are not. */
  auto: boolean;
}

function snapshotDir(ws: Workspace): string {
  return ws.paths.snapshots;
}

function scopeRoot(ws: Workspace, scope: SnapshotScope): { root: string; stateFile: string } {
  return scope.type === "collection"
    ? { root: ws.collectionDir, stateFile: ws.lockPath }
    : {
        root: scope.project,
        stateFile: scope.record ?? join(scope.project, ...DEPLOYMENT_RECORD_PATH.split("/")),
      };
}

/** The layouts a scope covers, each once: the collection's, or the project default plus the scope's others. */
function scopeLayouts(ws: Workspace, scope: SnapshotScope): PartialLayout[] {
  if (scope.type === "collection") return [ws.layout];
  const out: PartialLayout[] = scope.record ? [] : [projectLayout(ws)];
  const seen = new Set<string>();
  for (const l of out) for (const k of KINDS) if (l[k]) seen.add(`${k}:${l[k]!.dir}`);
  for (const l of scope.layouts ?? []) {
    const fresh: Partial<Record<Kind, KindPlacement>> = {};
    for (const k of KINDS) {
      const p = l[k];
      if (p && !seen.has(`${k}:${p.dir}`)) {
        seen.add(`${k}:${p.dir}`);
        fresh[k] = p;
      }
    }
    if (Object.keys(fresh).length > 0) out.push(fresh);
  }
  return out;
}

/** Every artifact under `root` in `layouts`, with its path relative to `root`. */
function discoverIn(root: string, layouts: readonly PartialLayout[]): { loc: Located; rel: string }[] {
  return layouts.flatMap((layout) =>
    discoverArtifacts(root, layout).map((loc) => ({ loc, rel: artifactRelPath(layout, loc.kind, loc.name) })),
  );
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/**
 * Records a snapshot of `scope` and returns its id (12 hex digits of its content hash).
 * Call with the scope's lock held, so the snapshot is consistent.
 */
export async function takeSnapshot(ws: Workspace, opts: SnapshotOptions): Promise<string> {
  const { root, stateFile } = scopeRoot(ws, opts.scope);
  const artifacts: Snapshot["artifacts"] = [];
  for (const { loc, rel } of discoverIn(root, scopeLayouts(ws, opts.scope))) {
    const tree = readArtifactTree(ws, loc);
    if (!tree) continue;
    await ws.objects.putDiskTree(tree);
    artifacts.push({ kind: loc.kind, name: loc.name, tree: tree.sha, path: rel });
  }
  ws.statCache.flush();
  const body = {
    version: 1 as const,
    created_at: isoNow(ws),
    message: opts.message,
    auto: opts.auto,
    collection: ws.collection,
    scope: opts.scope,
    artifacts,
    state_file: readText(stateFile),
    ...(opts.scope.type === "project" && opts.scope.lock_files?.length
      ? { lock_files: opts.scope.lock_files.map((path) => ({ path, text: readText(path) })) }
      : {}),
  };
  const id = sha256Hex(JSON.stringify(body)).slice(0, 12);
  const snap: Snapshot = { ...body, id };
  await writeFileAtomic(
    join(snapshotDir(ws), `${snap.created_at.replace(/[:]/g, "")}-${id}.json`),
    JSON.stringify(snap, null, 1),
  );
  if (opts.auto) await pruneSnapshots(ws);
  return id;
}

/** All snapshots, newest first. */
export function listSnapshots(ws: Workspace): Snapshot[] {
  let names: string[];
  try {
    names = readdirSync(snapshotDir(ws)).filter((n) => n.endsWith(".json") && !n.startsWith("."));
  } catch {
    return [];
  }
  const out: Snapshot[] = [];
  for (const n of names.sort().reverse()) {
    try {
      out.push(JSON.parse(readFileSync(join(snapshotDir(ws), n), "utf8")) as Snapshot);
    } catch {
      ws.reporter.warn(`${join(snapshotDir(ws), n)}: unreadable snapshot; skipped`);
    }
  }
  return out;
}

function snapshotFile(ws: Workspace, id: string): string | undefined {
  try {
    return readdirSync(snapshotDir(ws)).find((n) => n.endsWith(`-${id}.json`));
  } catch {
    return undefined;
  }
}

/**
 * The snapshot with id `id` (a unique prefix of at least 4 hex digits also works).
 * @throws SkillsyncError NOT_FOUND, USAGE when the prefix is ambiguous
 */
export function getSnapshot(ws: Workspace, id: string): Snapshot {
  const all = listSnapshots(ws);
  const hits = all.filter((s) => s.id === id || (id.length >= 4 && s.id.startsWith(id)));
  if (hits.length === 0)
    throw new SkillsyncError("NOT_FOUND", `no snapshot '${id}'; see 'skillsync history'`);
  if (hits.length > 1)
    throw new SkillsyncError("USAGE", `snapshot prefix '${id}' is ambiguous; give more digits`);
  return hits[0]!;
}

/**
 * Deletes the automatic snapshots beyond the retention count (newest kept); when any went, runs the
 * automatic object gc (gc.ts `autoGc`: at most daily, 14-day grace period).
 */
export async function pruneSnapshots(ws: Workspace): Promise<number> {
  const autos = listSnapshots(ws).filter((s) => s.auto);
  let n = 0;
  for (const s of autos.slice(ws.config.snapshot_retention)) {
    const f = snapshotFile(ws, s.id);
    if (f) {
      await removePath(join(snapshotDir(ws), f));
      n++;
    }
  }
  if (n > 0) {
    const { autoGc } = await import("./gc.js");
    await autoGc(ws);
  }
  return n;
}

/** Deletes one snapshot (manual or automatic). */
export async function deleteSnapshot(ws: Workspace, id: string): Promise<void> {
  const s = getSnapshot(ws, id);
  const f = snapshotFile(ws, s.id);
  if (f) await removePath(join(snapshotDir(ws), f));
}

/** Options for {@link rollback}. */
export interface RollbackOptions {
  id: string;
  /** Restore only these artifacts (NAME or KIND/NAME); default: the whole scope, removing extras. */
  names?: string[];
}

/** What a rollback did. */
export interface RollbackResult {
  snapshot: string;
  /** The snapshot taken of the present before restoring. */
  safety_snapshot: string;
  restored: string[];
  removed: string[];
}

/**
 * Restores a snapshot byte-for-byte, in one transaction, after snapshotting the present.
 * @throws SkillsyncError NOT_FOUND when the snapshot, a named artifact or an object is missing
 */
export async function rollback(ws: Workspace, opts: RollbackOptions): Promise<RollbackResult> {
  const snap = getSnapshot(ws, opts.id);
  const scope: SnapshotScope = snap.scope;
  const { root, stateFile } = scopeRoot(ws, scope);
  const layouts = scopeLayouts(ws, scope);
  const lock = scope.type === "collection" ? collectionLock(ws) : projectLock(ws, scope.project);
  if (scope.type === "project" && existsSync(scope.project))
    for (const layout of layouts)
      assertTargetsContained(
        scope.project,
        layout,
        scope.record ? [] : [DEPLOYMENT_RECORD_PATH.split("/").slice(0, -1).join("/")],
      );
  /** Where a snapshot artifact goes back to: its recorded path, else the first layout placing its kind. */
  const locOf = (a: Snapshot["artifacts"][number]): Located => {
    const layout =
      layouts.find(
        (l) => l[a.kind] && (a.path === undefined || artifactRelPath(l, a.kind, a.name) === a.path),
      ) ?? layouts.find((l) => l[a.kind]);
    if (!layout)
      throw new SkillsyncError(
        "NOT_FOUND",
        `snapshot ${snap.id} holds ${a.kind}/${a.name} at ${a.path}, a place this scope no longer has`,
      );
    return locate(root, layout, a.kind, a.name);
  };
  const samePlace = (a: Snapshot["artifacts"][number], loc: Located, rel: string): boolean =>
    a.kind === loc.kind && a.name === loc.name && (a.path === undefined || a.path === rel);
  return locked(ws, [lock], async () => {
    const wanted = opts.names?.length
      ? opts.names.map((n) => {
          const slash = n.indexOf("/");
          const hit = snap.artifacts.filter((a) => (slash > 0 ? `${a.kind}/${a.name}` === n : a.name === n));
          if (hit.length !== 1)
            throw new SkillsyncError(
              hit.length === 0 ? "NOT_FOUND" : "USAGE",
              hit.length === 0
                ? `'${n}' is not in snapshot ${snap.id}`
                : `'${n}' is ambiguous in snapshot ${snap.id}; use KIND/NAME`,
            );
          return hit[0]!;
        })
      : snap.artifacts;
    // Read every tree first: a missing object fails before anything is written.
    const trees = wanted.map((a) => ({ a, files: ws.objects.readTree(a.tree) }));
    const safety = await takeSnapshot(ws, { scope, message: `before rollback to ${snap.id}`, auto: true });
    const tx = transaction(ws);
    const restored: string[] = [];
    const removed: string[] = [];
    try {
      for (const { a, files } of trees) {
        const loc = locOf(a);
        const current = readArtifactTree(ws, loc);
        if (current?.sha === a.tree) continue;
        if (loc.form === "folder")
          await tx.replaceDir(
            loc.path,
            files.map((f) => ({ path: f.path, data: f.data, mode: f.mode === "755" ? 0o755 : 0o644 })),
          );
        else await tx.stageFile(loc.path, files[0]!.data, files[0]!.mode === "755" ? 0o755 : 0o644);
        restored.push(`${a.kind}/${a.name}`);
      }
      if (!opts.names?.length) {
        for (const { loc, rel } of discoverIn(root, layouts)) {
          if (snap.artifacts.some((a) => samePlace(a, loc, rel))) continue;
          await tx.remove(loc.path);
          removed.push(`${loc.kind}/${loc.name}`);
        }
        if (snap.state_file !== null && readText(stateFile) !== snap.state_file)
          await tx.stageFile(stateFile, snap.state_file);
        // The skills CLI's lock files go back with the artifacts they name (absent → removed).
        for (const f of snap.lock_files ?? []) {
          const now = readText(f.path);
          if (now === f.text) continue;
          if (f.text === null) await tx.remove(f.path);
          else await tx.stageFile(f.path, f.text);
        }
      }
      await tx.commit();
    } catch (e) {
      await tx.abort();
      throw e;
    }
    return { snapshot: snap.id, safety_snapshot: safety, restored, removed };
  });
}

/**
 * Drift status of a project against the collection (DESIGN.md "drift", `status --json` schema).
 * Reads both sides through the stat cache, so a warm status hashes nothing that did not change.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  classifyDrift,
  type DriftSide,
  type DriftType,
  isDrift,
  type Recommendation,
} from "../core/drift.js";
import { DEPLOYMENT_RECORD_PATH } from "../core/layout.js";
import type { Kind } from "../core/names.js";
import { onlyPreservedDiffer } from "../core/preserve.js";
import { discoverArtifacts, type Located } from "../store/collection.js";
import { type DeployRecord, type RecordEntry, readDeployRecord } from "../store/deploy-record.js";
import { verifyUnchangedFolders } from "../store/parallel-verify.js";
import type { ParsedCache } from "../store/parsed-cache.js";
import { openStateDb } from "../store/state-db.js";
import { type DiskTree, lazyDiskTree, loadTreeFiles } from "../store/tree-read.js";
import { preloadTreeMeta, readArtifactTree, treeMeta } from "./artifact-info.js";
import { type FsmonitorAnswer, queryFsmonitor } from "./fsmonitor-client.js";
import { beginStatus } from "./status-cache.js";
import { projectLayout, requireCollection, type Workspace } from "./workspace.js";

/** One artifact in `status --json` (DESIGN.md). */
export interface StatusArtifact {
  name: string;
  type: Kind;
  drift_type: DriftType;
  drift_side: DriftSide | null;
  collection_sha: string | null;
  project_sha: string | null;
  base_sha: string | null;
  collection_version: string | null;
  project_version: string | null;
  last_deployed: string | null;
  recommendation: Recommendation | null;
}

/** The whole `status --json` object (DESIGN.md). */
export interface StatusReport {
  drift_detected: boolean;
  drift_count: number;
  artifacts: StatusArtifact[];
}

/** Both sides of one artifact as read for status and sync. */
export interface Sides {
  kind: Kind;
  name: string;
  collection?: { loc: Located; tree: DiskTree; version: string };
  project?: { loc: Located; tree: DiskTree; version: string };
  record?: RecordEntry;
}

/** The deployment record of `project`, if any (validated). */
export function readProjectRecord(project: string, cache?: ParsedCache): DeployRecord | undefined {
  return readDeployRecord(join(project, ...DEPLOYMENT_RECORD_PATH.split("/")), cache);
}

/** Options of {@link readSides}. */
export interface ReadSidesOptions {
  /**
   * A file-system monitor's answer (src/sync/fsmonitor-client.ts). An artifact it calls untouched is
   * not looked at when its stat-cache row is settled: its tree hash comes from the row and its files
   * are read only if asked for.
   */
  monitor?: {
    /** True when nothing under the artifact at this absolute path changed since the last status. */
    untouched(path: string): boolean;
    /** True when the monitor vouches for the root folder `root` (it may still name changes in it). */
    vouches(root: string): boolean;
  };
  /**
   * Folder artifacts already checked unchanged since their stat-cache rows ({@link verifyForStatus}):
   * absolute path → tree hash. They are not read again; their files are read only if asked for.
   */
  verified?: ReadonlyMap<string, string>;
  /** The artifacts already found under both roots ({@link prepareRead}), not to look for them again. */
  found?: Found;
}

/** The artifacts found under the collection and a project (sorted as `discoverArtifacts` sorts). */
export interface Found {
  collection: Located[];
  project: Located[];
}

/** Every artifact under the collection and `project`; skipped names are reported as warnings. */
function findArtifacts(ws: Workspace, project: string): Found {
  const warn = (m: string) => ws.reporter.warn(m);
  return {
    collection: discoverArtifacts(ws.collectionDir, ws.layout, warn),
    project: discoverArtifacts(project, projectLayout(ws), warn),
  };
}

/**
 * What lets {@link readSides} read less: the artifacts under both roots, and which of their folder
 * artifacts are unchanged since their stat-cache rows, checked with `lstat` calls on one worker thread
 * per tree.
 * @param skip roots not to check (those a file-system monitor vouches for)
 */
export async function prepareRead(
  ws: Workspace,
  project: string,
  skip: (root: string) => boolean = () => false,
): Promise<{ found: Found; verified: Map<string, string> }> {
  const found = findArtifacts(ws, project);
  const jobs = [
    { root: ws.collectionDir, locs: found.collection },
    { root: project, locs: found.project },
  ]
    .filter(({ root }) => !skip(root))
    .map(({ root, locs }) => ({
      root,
      locations: locs.filter((l) => l.form === "folder").map((l) => l.path),
    }));
  return {
    found,
    verified: await verifyUnchangedFolders(openStateDb(ws.paths.stateDb), ws.paths.stateDb, jobs),
  };
}

/**
 * Reads every artifact present in the collection, the project, or the record.
 * @throws SkillsyncError INVALID_RECORD for a corrupt deployment record
 */
export function readSides(
  ws: Workspace,
  project: string,
  opts: ReadSidesOptions = {},
): { sides: Sides[]; record: DeployRecord | undefined } {
  requireCollection(ws);
  const record = readProjectRecord(project, ws.parsedCache);
  const monitor = opts.monitor;
  // A root the monitor vouches for needs only tree hashes; one already verified needs rows only for
  // the few artifacts that failed the check (read one by one); any other root is read whole.
  for (const root of [ws.collectionDir, project]) {
    if (monitor?.vouches(root)) ws.statCache.preload(root, { summariesOnly: true });
    else if (!opts.verified) ws.statCache.preload(root);
  }
  preloadTreeMeta(ws);
  const read = (loc: Located): DiskTree | undefined => {
    const tree = opts.verified?.get(loc.path);
    if (tree) return lazyDiskTree(tree, () => readArtifactTree(ws, loc));
    if (monitor?.untouched(loc.path)) {
      const row = ws.statCache.peek(loc.path);
      if (row?.settled) return lazyDiskTree(row.tree, () => readArtifactTree(ws, loc));
    }
    return readArtifactTree(ws, loc);
  };
  const byId = new Map<string, Sides>();
  const get = (kind: Kind, name: string) => {
    const id = `${kind}/${name}`;
    let s = byId.get(id);
    if (!s) byId.set(id, (s = { kind, name }));
    return s;
  };
  const found = opts.found ?? findArtifacts(ws, project);
  for (const loc of found.collection) {
    const tree = read(loc);
    if (tree) get(loc.kind, loc.name).collection = { loc, tree, version: treeMeta(ws, loc, tree).version };
  }
  for (const loc of found.project) {
    const tree = read(loc);
    if (tree) get(loc.kind, loc.name).project = { loc, tree, version: treeMeta(ws, loc, tree).version };
  }
  for (const e of record?.artifacts ?? []) get(e.type, e.name).record = e;
  ws.statCache.flush();
  const sides = [...byId.values()].sort((a, b) =>
    a.kind === b.kind ? (a.name < b.name ? -1 : 1) : a.kind < b.kind ? -1 : 1,
  );
  return { sides, record };
}

/**
 * The tree hash a side counts as for drift: the base's when the side differs from the base only in
 * preserved sections (those belong to the side), else its own.
 */
export function effectiveSha(ws: Workspace, s: Sides, side: "collection" | "project"): string | undefined {
  const own = s[side];
  if (!own) return undefined;
  const base = s.record?.sha;
  if (!base || own.tree.sha === base || ws.config.preserve_sections.length === 0) return own.tree.sha;
  if (!existsSync(join(ws.paths.objects, "trees", base.slice(0, 2), base.slice(2)))) return own.tree.sha;
  let files = loadTreeFiles(own.tree);
  if (own.loc.form === "file") files = files.map((f) => ({ ...f, path: `${own.loc.name}.md` }));
  return onlyPreservedDiffer(ws.objects.readTree(base), files, ws.config.preserve_sections, own.loc.form)
    ? base
    : own.tree.sha;
}

/** The status row of one artifact; `ws` enables the preserved-sections rule. */
export function statusOf(s: Sides, ws?: Workspace): StatusArtifact {
  const cSha = ws ? effectiveSha(ws, s, "collection") : s.collection?.tree.sha;
  const pSha = ws ? effectiveSha(ws, s, "project") : s.project?.tree.sha;
  const d = classifyDrift({
    kind: s.kind,
    name: s.name,
    ...(s.collection && cSha ? { collectionSha: cSha, collectionVersion: s.collection.version } : {}),
    ...(s.project && pSha ? { projectSha: pSha, projectVersion: s.project.version } : {}),
    ...(s.record ? { baseSha: s.record.sha, baseVersion: s.record.version } : {}),
  });
  return {
    name: s.name,
    type: s.kind,
    drift_type: d.driftType,
    drift_side: d.driftSide,
    collection_sha: s.collection?.tree.sha ?? null,
    project_sha: s.project?.tree.sha ?? null,
    base_sha: s.record?.sha ?? null,
    collection_version: s.collection?.version ?? null,
    project_version: s.project?.version ?? null,
    last_deployed: s.record?.["deployed-at"] ?? null,
    recommendation: d.recommendation,
  };
}

/**
 * The drift status of `project` (an existing folder, see `resolveProject`).
 * @throws SkillsyncError NOT_FOUND (no collection), INVALID_RECORD
 */
export function projectStatus(ws: Workspace, project: string, opts: ReadSidesOptions = {}): StatusReport {
  const { sides } = readSides(ws, project, opts);
  const artifacts = sides.map((s) => statusOf(s, ws));
  const drift_count = artifacts.filter((a) =>
    isDrift({ driftType: a.drift_type, driftSide: null, recommendation: null }),
  ).length;
  return { drift_detected: drift_count > 0, drift_count, artifacts };
}

/** Options of {@link currentStatus}. */
export interface CurrentStatusOptions {
  /** Ask the running daemon what changed (config `status.fsmonitor`, unless `--no-fsmonitor`). */
  fsmonitor: boolean;
  /** Hears what the monitor vouched for, a line at a time (`SKILLSYNC_TRACE_FSMONITOR`). */
  trace?: (line: string) => void;
}

/**
 * The drift status of `project` as the `status` command computes it: with `fsmonitor`, the daemon's
 * answer spares the artifacts it saw untouched, and a quiet answer reuses the last report
 * (status-cache.ts); trees it does not vouch for are checked on worker threads ({@link prepareRead}).
 * When the monitor cannot be used, one warning goes to `ws.reporter` and everything is read.
 * @throws SkillsyncError NOT_FOUND (no collection), INVALID_RECORD
 */
export async function currentStatus(
  ws: Workspace,
  project: string,
  opts: CurrentStatusOptions,
): Promise<StatusReport> {
  let monitor: FsmonitorAnswer | undefined;
  if (opts.fsmonitor) {
    const a = await queryFsmonitor(ws, [
      { root: ws.collectionDir, layout: ws.layout },
      { root: project, layout: projectLayout(ws) },
    ]);
    if (typeof a === "string") ws.reporter.warn(`fsmonitor: ${a}; reading every file`);
    else {
      monitor = a;
      for (const [root, r] of Object.entries(a.summary))
        opts.trace?.(
          `fsmonitor: ${root}: ${r.all ? `all (${r.reason})` : `${r.changed} changed artifact(s)`}`,
        );
    }
  }
  const lookup = monitor ? beginStatus(ws, project, monitor) : undefined;
  if (lookup?.report) opts.trace?.("fsmonitor: nothing changed; the last status report still holds");
  const report =
    lookup?.report ??
    projectStatus(ws, project, {
      ...(monitor ? { monitor } : {}),
      ...(await prepareRead(ws, project, (root) => monitor?.vouches(root) ?? false)),
    });
  monitor?.commit();
  lookup?.store(report);
  return report;
}

/**
 * Drift status of a project against the collection (DESIGN.md "drift", `status --json` schema).
 * Reads both sides through the stat cache, so a warm status hashes nothing that did not change.
 */
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  classifyDrift,
  type DriftSide,
  type DriftType,
  isDrift,
  type Recommendation,
} from "../core/drift.js";
import {
  artifactRelPath,
  DEFAULT_PROFILE,
  DEPLOYMENT_RECORD_PATH,
  type PartialLayout,
  PROJECT_PROFILES,
} from "../core/layout.js";
import type { Kind } from "../core/names.js";
import { onlyPreservedDiffer } from "../core/preserve.js";
import { type Target, targetPath } from "../core/targets.js";
import { discoverArtifacts, type Located } from "../store/collection.js";
import {
  type DeployRecord,
  type RecordEntry,
  readDeployRecord,
  recordForTarget,
} from "../store/deploy-record.js";
import { startVerifyWorkerFor, type VerifyReport, verifyUnchangedFolders } from "../store/parallel-verify.js";
import type { ParsedCache } from "../store/parsed-cache.js";
import { openStateDb } from "../store/state-db.js";
import { type DiskTree, lazyDiskTree, loadTreeFiles } from "../store/tree-read.js";
import { dismissVerifyWorker } from "../store/verify-thread.js";
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
  /** The agent ids of the target this row is about (issue 11). */
  target: string[];
  /** Where the artifact is (or would be) in that target, relative to the project or home. */
  path: string;
  /** In a `--link` target: `ok`, `dangling`, `retargeted` or `replaced` (anything but `ok` is drift). */
  link?: LinkState;
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
  /** `viaLink`: read through a `--link` symbolic link whose text is this (the copy is at `loc.path`). */
  project?: { loc: Located; tree: DiskTree; version: string; viaLink?: string };
  record?: RecordEntry;
  /** In a `--link` target: what is at the skill's place (see {@link LinkState}). */
  link?: LinkState;
}

/** The deployment record of `project`, if any (validated). */
export function readProjectRecord(project: string, cache?: ParsedCache): DeployRecord | undefined {
  return readDeployRecord(join(project, ...DEPLOYMENT_RECORD_PATH.split("/")), cache);
}

/**
 * Where the project side of a read is: one target's folders under the root, and the record's file.
 * Default: Claude Code's layout and the project's record.
 */
export interface SideWhere {
  target: Target;
  /** Absolute path of the deployment record (project or global). */
  recordPath: string;
}

/** Options of {@link readSides}. */
export interface ReadSidesOptions {
  /** The target whose copies are the project side (default: Claude Code's layout). */
  where?: SideWhere;
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
function findArtifacts(ws: Workspace, project: string, layout: PartialLayout, links = false): Found {
  const warn = (m: string) => ws.reporter.warn(m);
  return {
    collection: discoverArtifacts(ws.collectionDir, ws.layout, warn),
    project: discoverArtifacts(project, layout, warn, { links }),
  };
}

/**
 * What is at a `--link` target's place of a skill: `ok` — a symbolic link to the canonical copy
 * `<root>/<link>/<name>` that exists; `dangling` — such a link whose canonical copy is gone;
 * `retargeted` — a link pointing anywhere else (never followed); `replaced` — a real folder.
 */
export type LinkState = "ok" | "dangling" | "retargeted" | "replaced";

/**
 * The link state of `loc` in a target whose skills link into `linkDir`, and where to read it from.
 * @returns `undefined` when nothing is there
 */
export function linkStateOf(
  root: string,
  linkDir: string,
  loc: Located,
): { state: LinkState; text?: string; canonical: string } | undefined {
  const canonical = join(root, ...linkDir.split("/"), loc.name);
  const st = lstatSync(loc.path, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (!st.isSymbolicLink()) return { state: "replaced", canonical };
  const text = readlinkSync(loc.path);
  if (resolve(dirname(loc.path), text) !== canonical) return { state: "retargeted", text, canonical };
  const there = lstatSync(canonical, { throwIfNoEntry: false });
  return { state: there?.isDirectory() ? "ok" : "dangling", text, canonical };
}

/** Claude Code's target in the default profile. */
const DEFAULT_TARGET: Target = { agents: ["claude-code"], layout: PROJECT_PROFILES[DEFAULT_PROFILE]! };

/** The default side: Claude Code's layout in `project`, with the project's record. */
export function claudeWhere(ws: Workspace, project: string): SideWhere {
  return {
    target: { agents: ["claude-code"], layout: projectLayout(ws) },
    recordPath: join(project, ...DEPLOYMENT_RECORD_PATH.split("/")),
  };
}

/**
 * The record as `where.target` sees it (see `recordForTarget`), and the whole record.
 * @throws SkillsyncError INVALID_RECORD for a corrupt deployment record
 */
export function readTargetRecord(
  ws: Workspace,
  where: SideWhere,
): { view: DeployRecord | undefined; full: DeployRecord | undefined } {
  const full = readDeployRecord(where.recordPath, ws.parsedCache);
  const legacy = projectLayout(ws);
  const view = recordForTarget(
    full,
    (e) => targetPath(where.target, e.type, e.name),
    (e) => artifactRelPath(legacy, e.type, e.name),
  );
  return { view, full };
}

/** The `SKILLSYNC_TRACE_VERIFY` line of one check (parallel-verify.ts). */
export function verifyLine(r: VerifyReport): string {
  return `verify: ${r.rows} rows, ${r.rows - r.byWorker} by this thread, ${r.byWorker} by the worker (${r.early} checked before its job)`;
}

/** Options of {@link prepareRead}. */
export interface PrepareReadOptions {
  /** Roots not to check (those a file-system monitor vouches for); default none. */
  skip?: (root: string) => boolean;
  /** The project side's layout (default: the configured Claude Code layout). */
  layout?: PartialLayout;
  /** A `--link` target: its skills are links, checked by readSides itself. */
  links?: boolean;
  /** Hears how the check was shared between the threads ({@link verifyLine}). */
  trace?: (line: string) => void;
}

/**
 * What lets {@link readSides} read less: the artifacts under both roots, and which of their folder
 * artifacts are unchanged since their stat-cache rows, checked with `lstat` calls on this thread and
 * one worker thread side by side (parallel-verify.ts).
 */
export async function prepareRead(
  ws: Workspace,
  project: string,
  opts: PrepareReadOptions = {},
): Promise<{ found: Found; verified: Map<string, string> }> {
  const { skip = () => false, layout = projectLayout(ws), links = false, trace } = opts;
  const db = openStateDb(ws.paths.stateDb);
  startVerifyWorkerFor(
    db,
    [ws.collectionDir, project].filter((r) => !skip(r)),
  );
  const found = findArtifacts(ws, project, layout, links);
  const jobs = [
    { root: ws.collectionDir, locs: found.collection },
    { root: project, locs: found.project },
  ]
    .filter(({ root }) => !skip(root))
    .map(({ root, locs }) => ({
      root,
      // Links are not verified here: readSides checks them itself (linkStateOf).
      locations: locs
        .filter(
          (l) => l.form === "folder" && !(links && root === project && lstatSync(l.path).isSymbolicLink()),
        )
        .map((l) => l.path),
    }));
  return {
    found,
    verified: await verifyUnchangedFolders(db, jobs, trace ? { onReport: (r) => trace(verifyLine(r)) } : {}),
  };
}

/**
 * Reads every artifact present in the collection, the project (in `opts.where`'s target), or the
 * record. `record` is the target's view of the record (each entry's `sha` that target's base);
 * `fullRecord` the whole record.
 * @throws SkillsyncError INVALID_RECORD for a corrupt deployment record
 */
export function readSides(
  ws: Workspace,
  project: string,
  opts: ReadSidesOptions = {},
): { sides: Sides[]; record: DeployRecord | undefined; fullRecord: DeployRecord | undefined } {
  requireCollection(ws);
  const where = opts.where ?? claudeWhere(ws, project);
  const { view: record, full: fullRecord } = readTargetRecord(ws, where);
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
  const linkDir = where.target.link;
  const found = opts.found ?? findArtifacts(ws, project, where.target.layout, Boolean(linkDir));
  for (const loc of found.collection) {
    if (!where.target.layout[loc.kind]) continue;
    const tree = read(loc);
    if (tree) get(loc.kind, loc.name).collection = { loc, tree, version: treeMeta(ws, loc, tree).version };
  }
  for (const loc of found.project) {
    if (linkDir && loc.kind === "skill") {
      const ls = linkStateOf(project, linkDir, loc);
      if (!ls) continue;
      const side = get(loc.kind, loc.name);
      side.link = ls.state;
      if (ls.state === "dangling" || ls.state === "retargeted") continue; // never followed
      const at: Located = ls.state === "ok" ? { ...loc, path: ls.canonical } : loc;
      const tree = ls.state === "ok" ? readArtifactTree(ws, at) : read(loc);
      if (tree)
        side.project = {
          loc: at,
          tree,
          version: treeMeta(ws, at, tree).version,
          ...(ls.text !== undefined && ls.state === "ok" ? { viaLink: ls.text } : {}),
        };
      continue;
    }
    const tree = read(loc);
    if (tree) get(loc.kind, loc.name).project = { loc, tree, version: treeMeta(ws, loc, tree).version };
  }
  for (const e of record?.artifacts ?? []) get(e.type, e.name).record = e;
  ws.statCache.flush();
  const sides = [...byId.values()].sort((a, b) =>
    a.kind === b.kind ? (a.name < b.name ? -1 : 1) : a.kind < b.kind ? -1 : 1,
  );
  return { sides, record, fullRecord };
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

/**
 * The status row of one artifact; `ws` enables the preserved-sections rule; `target` names the
 * target the project side was read from (default: Claude Code's layout).
 */
export function statusOf(s: Sides, ws?: Workspace, target?: Target): StatusArtifact {
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
    target: [...(target ?? DEFAULT_TARGET).agents],
    path: targetPath(target ?? DEFAULT_TARGET, s.kind, s.name) ?? "",
    ...(s.link ? linkDrift(s.link, d) : {}),
  };
}

/**
 * A `--link` target whose link is not intact is drift even when the content matches: a folder that
 * replaced the link, or a link pointing elsewhere, is `modified` on the project side (deploy restores
 * the link; an edited folder is pulled first), a dangling link is `removed`.
 */
function linkDrift(
  link: LinkState,
  d: { driftType: DriftType; driftSide: DriftSide | null; recommendation: Recommendation | null },
): Pick<StatusArtifact, "link"> & Partial<StatusArtifact> {
  if (link === "ok" || d.driftType !== "in-sync") return { link };
  return { link, drift_type: "modified", drift_side: "project", recommendation: "deploy_to_project" };
}

/**
 * The drift status of `project` (an existing folder, see `resolveProject`): one row per artifact and
 * target (`opts.wheres`, default Claude Code's layout), sorted by kind, name and path.
 * @throws SkillsyncError NOT_FOUND (no collection), INVALID_RECORD
 */
export function projectStatus(
  ws: Workspace,
  project: string,
  opts: ReadSidesOptions & { wheres?: readonly SideWhere[] } = {},
): StatusReport {
  const wheres = opts.wheres ?? [opts.where ?? claudeWhere(ws, project)];
  const artifacts: StatusArtifact[] = [];
  for (const where of wheres) {
    const { sides } = readSides(ws, project, { ...opts, where });
    for (const s of sides) artifacts.push(statusOf(s, ws, where.target));
  }
  if (wheres.length > 1) artifacts.sort(byKindNamePath);
  return reportOf(artifacts);
}

/** The report of `artifacts`: how many drifted. */
function reportOf(artifacts: StatusArtifact[]): StatusReport {
  const drift_count = artifacts.filter((a) =>
    isDrift({ driftType: a.drift_type, driftSide: null, recommendation: null }),
  ).length;
  return { drift_detected: drift_count > 0, drift_count, artifacts };
}

function byKindNamePath(a: StatusArtifact, b: StatusArtifact): number {
  const ka = `${a.type}\u0000${a.name}\u0000${a.path}`;
  const kb = `${b.type}\u0000${b.name}\u0000${b.path}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Options of {@link currentStatus}. */
export interface CurrentStatusOptions {
  /** Ask the running daemon what changed (config `status.fsmonitor`, unless `--no-fsmonitor`). */
  fsmonitor: boolean;
  /** Hears what the monitor vouched for, a line at a time (`SKILLSYNC_TRACE_FSMONITOR`). */
  trace?: (line: string) => void;
  /** Hears how each lstat-only check was shared between the threads (`SKILLSYNC_TRACE_VERIFY`). */
  traceVerify?: (line: string) => void;
  /**
   * The targets to report on (from `projectDeployment`/`globalDeployment`) when they are not just
   * Claude Code's layout in `project` (the default, and the only one the monitor is asked about).
   */
  wheres?: readonly SideWhere[];
}

/**
 * The drift status of `project` as the `status` command computes it: with `fsmonitor`, the daemon's
 * answer spares the artifacts it saw untouched, and a quiet answer reuses the last report
 * (status-cache.ts); trees it does not vouch for are checked with `lstat` calls ({@link prepareRead}).
 * When the monitor cannot be used, one warning goes to `ws.reporter` and everything is read.
 * @throws SkillsyncError NOT_FOUND (no collection), INVALID_RECORD
 */
export async function currentStatus(
  ws: Workspace,
  project: string,
  opts: CurrentStatusOptions,
): Promise<StatusReport> {
  if (opts.wheres) {
    const artifacts: StatusArtifact[] = [];
    for (const where of opts.wheres) {
      const prep = await prepareRead(ws, project, {
        layout: where.target.layout,
        links: Boolean(where.target.link),
        ...(opts.traceVerify ? { trace: opts.traceVerify } : {}),
      });
      artifacts.push(...projectStatus(ws, project, { ...prep, where }).artifacts);
    }
    return reportOf(artifacts.sort(byKindNamePath));
  }
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
  if (lookup?.report) {
    opts.trace?.("fsmonitor: nothing changed; the last status report still holds");
    dismissVerifyWorker(); // nothing to check: an early worker must not go on checking beside us
  }
  const report =
    lookup?.report ??
    projectStatus(ws, project, {
      ...(monitor ? { monitor } : {}),
      ...(await prepareRead(ws, project, {
        skip: (root) => monitor?.vouches(root) ?? false,
        ...(opts.traceVerify ? { trace: opts.traceVerify } : {}),
      })),
    });
  monitor?.commit();
  lookup?.store(report);
  return report;
}

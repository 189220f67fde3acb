import { existsSync, readFileSync, statSync } from "node:fs";
import { type ConflictView, conflictView, fileChanges, textOf } from "../core/conflict-view.js";
import { isSkillsyncError, SkillsyncError } from "../core/errors.js";
import { isKind, type Kind } from "../core/names.js";
import type { TreeFile } from "../core/tree-hash.js";
import { versionOfFiles } from "../core/version.js";
import { discoverArtifacts, locate } from "../store/collection.js";
import { findInCollection } from "../sync/artifact-edit.js";
import { readArtifact, readArtifactTree, validateLocated } from "../sync/artifact-info.js";
import { listArtifacts } from "../sync/collection-ops.js";
import {
  type ConflictRef,
  conflictSides,
  filesOfDisk,
  filesOfObject,
  findConflicts,
  hubCopy,
  hubFiles,
  quickHubClient,
} from "../sync/conflicts.js";
import { isHubUnreachable } from "../sync/hub-client.js";
import { type HubDrift, hubStatus } from "../sync/hub-sync.js";
import { listSnapshots } from "../sync/snapshot.js";
import { readProjectRecord, type StatusArtifact } from "../sync/status.js";
import { deploymentStatus } from "../sync/targets.js";
import { projectLayout, type Workspace } from "../sync/workspace.js";
import type {
  ArtifactDetail,
  ArtifactRow,
  ChangePreview,
  ConflictDetail,
  ConflictFile,
  ConflictSummary,
  FileJson,
  HistoryEntry,
  HistoryList,
  Overview,
  Place,
  PlaceState,
  PlaceStatus,
} from "../web/api-types.js";
import type { DaemonContext } from "./context.js";

/** An artifact's address, `kind/name`. */
export interface ArtifactRef {
  kind: Kind;
  name: string;
}

/** What most views work with: the workspace and the daemon. */
export interface Scope {
  ws: Workspace;
  ctx: DaemonContext;
}

export function projectPlaceId(project: string): string {
  return `project:${project}`;
}

export function placesOf(ws: Workspace, ctx: DaemonContext): Place[] {
  const cfg = ctx.getConfig();
  const places: Place[] = [
    {
      id: "collection",
      kind: "collection",
      label: ws.collection,
      location: ws.collectionDir,
      reachable: true,
    },
  ];
  for (const p of cfg.projects) {
    let reachable = true;
    let error: string | undefined;
    try {
      if (!existsSync(p) || !statSync(p).isDirectory()) {
        reachable = false;
        error = `project folder ${p} does not exist; restore it or run 'skillsync project remove ${p}'`;
      } else readProjectRecord(p);
    } catch (e) {
      reachable = false;
      error = isSkillsyncError(e) ? e.toLine() : (e as Error).message;
    }
    const label = p.split("/").filter(Boolean).pop() ?? p;
    places.push({
      id: projectPlaceId(p),
      kind: "project",
      label,
      location: p,
      reachable,
      ...(error ? { error } : {}),
    });
  }
  for (const [name, r] of Object.entries(cfg.remotes))
    places.push({ id: `remote:${name}`, kind: "remote", label: name, location: r.url, reachable: true });
  return places;
}

export function placeStateOf(a: StatusArtifact): PlaceStatus {
  const map: Record<string, PlaceState> = {
    "in-sync": "in-sync",
    modified: "modified",
    added: "absent", // in the collection, not deployed here: nothing to sync
    removed: "removed",
    version_mismatch: "version_mismatch",
    untracked: "untracked",
  };
  const state = map[a.drift_type] ?? "unknown";
  return {
    state,
    ...(a.drift_side ? { side: a.drift_side } : {}),
    ...(a.project_version ? { version: a.project_version } : {}),
    ...(a.project_sha ? { sha: a.project_sha } : {}),
  };
}

const PENDING: ReadonlySet<PlaceState> = new Set([
  "modified",
  "removed",
  "version_mismatch",
  "untracked",
  "queued",
  "invalid",
]);

/** An opaque, URL-safe id for the conflict of `ref` with `where` (a project path or `remote:NAME`). */
/** A conflict's id: base64url of `[where, kind, name]`, plus the target path for a copy outside Claude Code's layout. */
export function conflictId(where: string, ref: ArtifactRef & { target?: string }): string {
  const parts = [where, ref.kind, ref.name, ...(ref.target !== undefined ? [ref.target] : [])];
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}

/** The parts of a {@link conflictId}. @throws SkillsyncError NOT_FOUND for an id that is not one */
export function parseConflictId(id: string): { project: string; kind: Kind; name: string; target?: string } {
  try {
    const [project, kind, name, target] = JSON.parse(
      Buffer.from(id, "base64url").toString("utf8"),
    ) as string[];
    if (
      typeof project === "string" &&
      typeof kind === "string" &&
      isKind(kind) &&
      typeof name === "string" &&
      (target === undefined || typeof target === "string")
    )
      return { project, kind, name, ...(target !== undefined ? { target } : {}) };
  } catch {
    // fall through
  }
  throw new SkillsyncError("NOT_FOUND", `no conflict '${id}'; see GET /api/ui/conflicts`);
}

/**
 * Builds the merged overview: the collection, every registered project (drift from `projectStatus`)
 * and every remote, with conflicts and invalid artifacts from the daemon's last run.
 */
export async function buildOverview(ws: Workspace, ctx: DaemonContext): Promise<Overview> {
  const places = placesOf(ws, ctx);
  const rows = new Map<string, ArtifactRow>();
  const row = (kind: Kind, name: string): ArtifactRow => {
    const id = `${kind}/${name}`;
    let r = rows.get(id);
    if (!r) {
      r = { kind, name, version: "0.0.0", description: "", updated_at: null, status: "synced", places: {} };
      rows.set(id, r);
    }
    return r;
  };
  for (const a of listArtifacts(ws)) {
    const r = row(a.type, a.name);
    r.version = a.version;
    r.description = a.description ?? "";
    r.updated_at = a.updated_at;
    r.places.collection = { state: a.valid ? "in-sync" : "invalid", version: a.version, sha: a.sha };
  }
  for (const p of places.filter((x) => x.kind === "project")) {
    if (!p.reachable) continue;
    try {
      for (const a of deploymentStatus(ws, p.location).artifacts) {
        const r = row(a.type, a.name);
        // One state per project: with several targets, a drifted one wins over an in-sync one.
        const had = r.places[p.id];
        if (!had || had.state === "in-sync") r.places[p.id] = placeStateOf(a);
        if (a.last_deployed && (!r.updated_at || a.last_deployed > r.updated_at))
          r.updated_at = a.last_deployed;
      }
    } catch (e) {
      p.reachable = false;
      p.error = isSkillsyncError(e) ? e.toLine() : (e as Error).message;
    }
  }
  for (const [placeId, states] of await remoteStates(ws, places))
    for (const [id, st] of states) {
      const [kind, name] = splitArtifact(id, "skill");
      if (kind && (st.state !== "absent" || rows.has(id))) row(kind, name).places[placeId] = st;
    }
  const status = ctx.daemonStatus();
  for (const c of await pendingConflicts(ws, ctx))
    row(c.kind, c.name).places[c.place] = { state: "conflict" };
  for (const inv of status.invalid) {
    const [kind, name] = splitArtifact(inv.artifact, "skill");
    if (kind && rows.has(`${kind}/${name}`)) row(kind, name).places.collection = { state: "invalid" };
  }
  const artifacts = [...rows.values()].sort((a, b) =>
    a.kind === b.kind ? (a.name < b.name ? -1 : 1) : a.kind < b.kind ? -1 : 1,
  );
  let synced = 0;
  let pending = 0;
  let conflicts = 0;
  for (const r of artifacts) {
    const states = Object.values(r.places).map((s) => s.state);
    r.status = states.includes("conflict")
      ? "conflict"
      : states.some((s) => PENDING.has(s))
        ? "pending"
        : "synced";
    if (r.status === "conflict") conflicts++;
    else if (r.status === "pending") pending++;
    else synced++;
  }
  return {
    light: conflicts > 0 ? "red" : pending > 0 ? "yellow" : "green",
    counts: { total: artifacts.length, synced, pending, conflicts },
    places,
    artifacts,
    auto_sync: ctx.daemonStatus().enabled,
    generated_at: new Date(ctx.now()).toISOString(),
  };
}

export function splitArtifact(id: string, fallbackKind: string): [Kind | undefined, string] {
  const slash = id.indexOf("/");
  const kind = slash > 0 ? id.slice(0, slash) : fallbackKind;
  const name = slash > 0 ? id.slice(slash + 1) : id;
  return [isKind(kind) ? kind : undefined, name];
}

export async function artifactDetail(scope: Scope, ref: ArtifactRef): Promise<ArtifactDetail> {
  const { ws, ctx } = scope;
  const { kind, name } = ref;
  const loc = findInCollection(ws, { kind, name });
  const info = readArtifact(ws, loc);
  const v = validateLocated(loc);
  const files: FileJson[] = info.tree.entries.map((e) => {
    const data = readFileSync(info.tree.abs.get(e.path)!);
    return { path: e.path, size: data.byteLength, mode: e.mode, text: textOf(data) };
  });
  const listed = listArtifacts(ws).find((a) => a.type === kind && a.name === name);
  const places = placesOf(ws, ctx);
  const deployments: Record<string, PlaceStatus> = {
    collection: {
      state: v.problems.some((p) => p.severity === "error") ? "invalid" : "in-sync",
      version: info.version,
    },
  };
  for (const p of places.filter((x) => x.kind === "project" && x.reachable)) {
    try {
      const rows = deploymentStatus(ws, p.location).artifacts.filter(
        (x) => x.type === kind && x.name === name,
      );
      const a = rows.find((x) => x.drift_type !== "in-sync") ?? rows[0];
      if (a) deployments[p.id] = placeStateOf(a);
    } catch {
      // an unreadable project shows as unreachable in `places`
    }
  }
  for (const [placeId, states] of await remoteStates(ws, places)) {
    const st = states.get(`${kind}/${name}`);
    if (st) deployments[placeId] = st;
  }
  for (const c of await pendingConflicts(ws, ctx))
    if (c.kind === kind && c.name === name) deployments[c.place] = { state: "conflict" };
  const main = loc.form === "folder" ? "SKILL.md" : (loc.entryName ?? `${name}.md`);
  const rel = (f: string) => (f.startsWith(ws.collectionDir) ? f.slice(ws.collectionDir.length + 1) : f);
  return {
    kind,
    name,
    version: info.version,
    description: info.description ?? "",
    main,
    sha: info.tree.sha,
    updated_at: listed?.updated_at ?? null,
    files,
    problems: v.problems.map((p) => ({ ...p, file: rel(p.file) })),
    places,
    deployments,
  };
}

export function hubPlaceState(d: HubDrift): PlaceStatus {
  if (d.queued) return { state: "queued", side: "collection" };
  if (d.drift_type === "added") return { state: "absent" };
  if (d.drift_type === "in-sync") return { state: "in-sync" };
  if (d.drift_type === "removed") return { state: "removed" };
  return { state: "modified", ...(d.drift_side ? { side: d.drift_side } : {}) };
}

/** Per remote: the hub drift of every artifact, or why the hub could not be asked. */
export async function remoteStates(
  ws: Workspace,
  places: Place[],
): Promise<Map<string, Map<string, PlaceStatus>>> {
  const out = new Map<string, Map<string, PlaceStatus>>();
  for (const p of places.filter((x) => x.kind === "remote")) {
    try {
      const s = await hubStatus(ws, p.label);
      if (!s.reachable) {
        p.reachable = false;
        p.error = `hub ${p.location} is unreachable; changes are queued and sent when it is back${s.queued ? ` (${s.queued} queued)` : ""}`;
      }
      out.set(p.id, new Map(s.artifacts.map((a) => [`${a.type}/${a.name}`, hubPlaceState(a)])));
    } catch (e) {
      p.reachable = false;
      p.error = isSkillsyncError(e) ? e.toLine() : (e as Error).message;
    }
  }
  return out;
}

export async function publishPreview(
  ws: Workspace,
  opts: ArtifactRef & { remote: string },
): Promise<ChangePreview> {
  const { kind, name, remote } = opts;
  const loc = findInCollection(ws, { kind, name });
  const here = filesOfDisk(readArtifactTree(ws, loc));
  let there: TreeFile[];
  let where: string;
  try {
    const { artifact } = await hubCopy(ws, { remote, kind, name });
    there = hubFiles(artifact?.files);
    where = artifact ? `${artifact.owner}/${kind}/${name} revision ${artifact.revision}` : "a new artifact";
  } catch (e) {
    if (!isHubUnreachable(e)) throw e;
    return {
      target: `remote:${remote}`,
      summary: `hub '${remote}' is unreachable: publishing now queues ${kind}/${name} in the outbox and sends it when the hub is back`,
      files: fileChanges([], here),
    };
  }
  const files = fileChanges(there, here);
  ws.statCache.flush();
  return {
    target: `remote:${remote}`,
    summary:
      files.length === 0
        ? `nothing to do: hub '${remote}' already has this content`
        : `${files.length} file(s) change on hub '${remote}' (${where})`,
    files,
  };
}

export function deployPreview(ws: Workspace, opts: ArtifactRef & { project: string }): ChangePreview {
  const { kind, name, project } = opts;
  const loc = findInCollection(ws, { kind, name });
  const here = filesOfDisk(readArtifactTree(ws, loc));
  const there = filesOfDisk(readArtifactTree(ws, locate(project, projectLayout(ws), kind, name)));
  const files = fileChanges(there, here);
  ws.statCache.flush();
  return {
    target: projectPlaceId(project),
    summary:
      files.length === 0
        ? `nothing to do: ${kind}/${name} is already the same in ${project}`
        : `${files.length} file(s) change in ${project}`,
    files,
  };
}

export function requireProject(ctx: DaemonContext, target: unknown): string {
  const id = typeof target === "string" ? target : "";
  const project = id.startsWith("project:") ? id.slice("project:".length) : id;
  if (!ctx.getConfig().projects.includes(project))
    throw new SkillsyncError(
      "NOT_FOUND",
      `'${project}' is not a registered project; add it with 'skillsync project add DIR'`,
    );
  return project;
}

export function requireRemote(ctx: DaemonContext, target: unknown): string {
  const id = typeof target === "string" ? target : "";
  const remote = id.startsWith("remote:") ? id.slice("remote:".length) : id;
  if (!ctx.getConfig().remotes[remote])
    throw new SkillsyncError(
      "NOT_FOUND",
      `'${remote}' is not a configured remote; add it with 'skillsync remote add NAME URL'`,
    );
  return remote;
}

/**
 * Pending conflicts: those the daemon's last run recorded, plus those the engine finds now
 * (`findConflicts`: a project sync preview or hub fetch preview that would leave conflicts).
 */
export async function pendingConflicts(ws: Workspace, ctx: DaemonContext): Promise<ConflictSummary[]> {
  const out = new Map<string, ConflictSummary>();
  const at = ctx.daemonStatus().last_sync ?? new Date(ctx.now()).toISOString();
  const add = ({ where, kind, name, target }: ConflictRef) => {
    const id = conflictId(where, { kind, name, ...(target !== undefined ? { target } : {}) });
    const hub = where.startsWith("remote:");
    if (!out.has(id))
      out.set(id, {
        id,
        kind,
        name,
        local_label: "collection",
        remote_label: hub ? "hub" : "project",
        place: hub ? where : projectPlaceId(where),
        ...(target !== undefined ? { target } : {}),
        created_at: at,
        paths: [],
      });
  };
  for (const c of ctx.daemonStatus().conflicts) {
    const [kind, name] = splitArtifact(c.artifact, c.kind);
    if (kind) add({ where: c.project, kind, name });
  }
  const cfg = ctx.getConfig();
  const found = await findConflicts(ws, {
    projects: cfg.projects,
    remotes: Object.keys(cfg.remotes),
    exists: existsSync,
  });
  for (const c of found) add(c);
  return [...out.values()];
}

/** One pending conflict with its three-way view (`core/conflict-view.ts`, merged by `core/resolve.ts`). */
export async function conflictDetail(
  scope: Scope,
  id: string,
): Promise<{ detail: ConflictDetail; view: ConflictView }> {
  const { ws, ctx } = scope;
  const { project, kind, name, target } = parseConflictId(id);
  const summary = (await pendingConflicts(ws, ctx)).find((c) => c.id === id);
  if (!summary)
    throw new SkillsyncError("NOT_FOUND", `no pending conflict for ${kind}/${name}; it may be resolved`);
  const sides = await conflictSides(ws, {
    where: project,
    kind,
    name,
    ...(target !== undefined ? { target } : {}),
  });
  const view = conflictView({
    artifact: `${kind}/${name}`,
    name,
    form: kind === "skill" ? "folder" : "file",
    base: sides.base,
    local: sides.local,
    remote: sides.remote,
    labels: { local: "collection", remote: sides.remoteLabel },
  });
  ws.statCache.flush();
  const files: ConflictFile[] = view.files;
  return { detail: { ...summary, paths: files.map((f) => f.path), files }, view };
}

export async function historyOf(scope: Scope, ref: ArtifactRef): Promise<HistoryList> {
  const { ws, ctx } = scope;
  const { kind, name } = ref;
  const loc = discoverArtifacts(ws.collectionDir, ws.layout).find((l) => l.kind === kind && l.name === name);
  const current = loc ? (readArtifactTree(ws, loc)?.sha ?? null) : null;
  const entries: HistoryEntry[] = [];
  let last: string | undefined;
  // newest first; keep one entry per distinct version (consecutive snapshots often share a tree)
  for (const s of listSnapshots(ws)) {
    if (s.scope.type !== "collection" || s.collection !== ws.collection) continue;
    const a = s.artifacts.find((x) => x.kind === kind && x.name === name);
    if (!a || a.tree === last) continue;
    last = a.tree;
    entries.push({
      id: `snapshot:${s.id}`,
      source: "snapshot",
      label: `snapshot ${s.id}`,
      message: s.message,
      created_at: s.created_at,
      sha: a.tree,
      version: versionOfTree(ws, a.tree),
    });
  }
  for (const remote of Object.keys(ctx.getConfig().remotes)) {
    try {
      const { client, key } = await hubCopy(ws, { remote, kind, name });
      if (!key) continue;
      for (const v of (await client.versions(key)) ?? []) {
        if (v.op !== "put") continue;
        entries.push({
          id: `hub:${remote}:${key.owner}:${v.revision}`,
          source: "hub",
          label: `hub ${remote} r${v.revision}`,
          message: `published by ${v.created_by}`,
          created_at: v.created_at,
          sha: v.tree_hash,
          version: v.version,
        });
      }
    } catch {
      // an unreachable hub or missing login only hides its versions; the overview says why
    }
  }
  entries.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  return { current_sha: current, entries };
}

/** The version (`core/version.ts`, the one version rule) of a stored tree; `?` when it is not stored. */
export function versionOfTree(ws: Workspace, sha: string): string {
  const files = filesOfObject(ws, sha);
  return files ? versionOfFiles(files, "0.0.0") : "?";
}

export async function filesOfVersion(ws: Workspace, opts: ArtifactRef & { id: string }): Promise<TreeFile[]> {
  const { kind, name, id } = opts;
  if (id === "current") {
    const loc = findInCollection(ws, { kind, name });
    return filesOfDisk(readArtifactTree(ws, loc));
  }
  if (id.startsWith("snapshot:")) {
    const snapId = id.slice("snapshot:".length);
    const s = listSnapshots(ws).find((x) => x.id === snapId);
    const a = s?.artifacts.find((x) => x.kind === kind && x.name === name);
    const files = filesOfObject(ws, a?.tree);
    if (files) return files;
  }
  const hub = /^hub:([^:]+):([^:]+):(\d+)$/.exec(id);
  if (hub) {
    const { client } = quickHubClient(ws, hub[1]!);
    const a = await client.version({ owner: hub[2]!, kind, name }, Number(hub[3]));
    if (a) return hubFiles(a.files);
  }
  throw new SkillsyncError("NOT_FOUND", `no version '${id}' of ${kind}/${name}; see its history`);
}

/**
 * Finding pending conflicts and loading their three sides, for every front end (the daemon's web
 * UI today; the CLI and MCP can call the same functions). A conflict is with a place: a project
 * (its absolute path) or a hub (`remote:NAME`). Which files conflict is decided by the engine's own
 * operations (`transfer` preview, `fetchHub` preview) and `core/conflict-view.ts`; nothing here
 * merges.
 */
import { join } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import type { Kind } from "../core/names.js";
import type { TreeFile } from "../core/tree-hash.js";
import { locate } from "../store/collection.js";
import { type DiskTree, loadTreeFiles } from "../store/tree-read.js";
import { readArtifactTree } from "./artifact-info.js";
import { createHubClient, type HubClient, type HubKey } from "./hub-client.js";
import { fetchHub, hubStatus, resolveRemote } from "./hub-sync.js";
import { readProjectRecord, type StatusArtifact } from "./status.js";
import { deploymentStatus } from "./targets.js";
import { transfer } from "./transfer.js";
import { projectLayout, type Workspace } from "./workspace.js";

/** An artifact's address, `kind/name`. */
export interface ArtifactRef {
  kind: Kind;
  name: string;
}

/**
 * A conflict of one artifact with one place: `where` is a project's absolute path or `remote:NAME`.
 * `target`: for a project deployed to several agents (docs/targets.md), the path of the conflicting
 * copy relative to the project (`.agents/skills/NAME`); absent for the one copy in Claude Code's layout.
 */
export interface ConflictRef extends ArtifactRef {
  where: string;
  target?: string;
}

/** The files of a tree read from disk (empty when there is no tree). @throws SkillsyncError UNREADABLE */
export function filesOfDisk(tree: DiskTree | undefined): TreeFile[] {
  return tree ? loadTreeFiles(tree) : [];
}

/** The files of a stored tree object, or undefined when `sha` is absent or not in the object store. */
export function filesOfObject(ws: Workspace, sha: string | undefined): TreeFile[] | undefined {
  if (!sha) return undefined;
  try {
    return ws.objects.readTree(sha);
  } catch {
    return undefined;
  }
}

/**
 * A client for `remoteName` that fails fast (no retries): an interactive front end prefers an honest
 * "unreachable" now. @throws SkillsyncError USAGE when not logged in, NOT_FOUND for an unknown remote
 */
export function quickHubClient(
  ws: Workspace,
  remoteName: string,
): { client: HubClient; user: string | undefined } {
  const remote = resolveRemote(ws, remoteName);
  if (!remote.token)
    throw new SkillsyncError(
      "USAGE",
      `not logged in to remote '${remote.name}'; run 'skillsync login ${remote.name} --token TOKEN'`,
    );
  return {
    client: createHubClient({ url: remote.url, token: remote.token, remoteName: remote.name, retries: 0 }),
    user: remote.user,
  };
}

/** The hub's copy of `kind/name` (preferring the logged-in user's); `meta`/`key`/`artifact` undefined when it has none. */
export async function hubCopy(ws: Workspace, opts: ArtifactRef & { remote: string }) {
  const { kind, name } = opts;
  const { client, user } = quickHubClient(ws, opts.remote);
  const hits = (await client.list({ kind })).filter((a) => a.name === name);
  const meta = hits.find((a) => a.owner === user) ?? hits[0];
  if (!meta) return { client, meta: undefined, key: undefined, artifact: undefined };
  const key: HubKey = { owner: meta.owner, kind, name };
  return { client, meta, key, artifact: await client.get(key) };
}

/** Hub files as tree files (empty for none). */
export function hubFiles(
  files: readonly { path: string; mode: "644" | "755"; data: Uint8Array }[] | undefined,
): TreeFile[] {
  return (files ?? []).map((f) => ({ path: f.path, mode: f.mode, data: f.data }));
}

/** The three sides of a conflict: the collection's copy, the place's copy and their last agreed base. */
export interface ConflictSides {
  local: TreeFile[];
  remote: TreeFile[];
  /** undefined when the base is unknown (never recorded, or no longer stored). */
  base: TreeFile[] | undefined;
  /** Label of the place's side: `project` or `hub`. */
  remoteLabel: "project" | "hub";
}

/**
 * Loads the sides of the conflict `ref`: the collection's files, the project's (base from its
 * deployment record) or the hub's (base = the revision the collection last fetched).
 * @throws SkillsyncError REMOTE when the hub cannot be reached, USAGE when not logged in
 */
export async function conflictSides(ws: Workspace, ref: ConflictRef): Promise<ConflictSides> {
  const { where, kind, name } = ref;
  const local = filesOfDisk(readArtifactTree(ws, locate(ws.collectionDir, ws.layout, kind, name)));
  if (where.startsWith("remote:")) {
    const remoteName = where.slice("remote:".length);
    const { client, key, artifact } = await hubCopy(ws, { remote: remoteName, kind, name });
    const drift = (await hubStatus(ws, remoteName)).artifacts.find((a) => a.type === kind && a.name === name);
    const baseRev = drift?.base_revision;
    const base =
      key && baseRev !== null && baseRev !== undefined
        ? hubFiles((await client.version(key, baseRev))?.files)
        : undefined;
    return { local, remote: hubFiles(artifact?.files), base, remoteLabel: "hub" };
  }
  const dflt = locate(where, projectLayout(ws), kind, name);
  const loc = ref.target === undefined ? dflt : { ...dflt, path: join(where, ...ref.target.split("/")) };
  const remote = filesOfDisk(readArtifactTree(ws, loc));
  const entry = readProjectRecord(where)?.artifacts.find((a) => a.type === kind && a.name === name);
  const base =
    (ref.target !== undefined && entry?.targets?.find((t) => t.path === ref.target)?.sha) || entry?.sha;
  return { local, remote, base: filesOfObject(ws, base), remoteLabel: "project" };
}

function splitName(id: string): ArtifactRef | undefined {
  const slash = id.indexOf("/");
  const kind = slash > 0 ? id.slice(0, slash) : "skill";
  const name = slash > 0 ? id.slice(slash + 1) : id;
  return ["skill", "command", "agent", "prompt"].includes(kind) ? { kind: kind as Kind, name } : undefined;
}

/**
 * Artifacts changed on both sides whose merge would leave conflicts: in each of `projects`
 * (`transfer` sync preview of the both-sides-modified ones, in every target of the project's
 * deployment, each conflicting target's copy once with its `target` path) and on each of `remotes`
 * (`fetchHub` preview). A place that cannot be asked (missing, locked, unreachable, not logged in) is
 * skipped: its own status says why. Writes nothing.
 */
export async function findConflicts(
  ws: Workspace,
  opts: { projects: readonly string[]; remotes: readonly string[]; exists: (dir: string) => boolean },
): Promise<ConflictRef[]> {
  const out: ConflictRef[] = [];
  for (const project of opts.projects) {
    if (!opts.exists(project)) continue;
    let rows: StatusArtifact[];
    try {
      rows = deploymentStatus(ws, project).artifacts;
    } catch {
      continue;
    }
    const both = [
      ...new Set(
        rows
          .filter((a) => a.drift_type === "modified" && a.drift_side === "both")
          .map((a) => `${a.type}/${a.name}`),
      ),
    ];
    if (both.length === 0) continue;
    let report: Awaited<ReturnType<typeof transfer>>;
    try {
      report = await transfer(ws, { op: "sync", project, names: both, preview: true });
    } catch {
      continue; // e.g. LOCKED while a sync runs: its own result will record any conflict
    }
    for (const r of report.results) {
      const ref = r.conflicts_remaining > 0 ? splitName(r.artifact_name) : undefined;
      if (!ref) continue;
      // Results carry `target` (agent ids) only for a deployment beyond Claude Code's layout.
      const row = r.target
        ? rows.find((a) => a.type === ref.kind && a.name === ref.name && a.target.join() === r.target?.join())
        : undefined;
      out.push({ where: project, ...ref, ...(row?.path ? { target: row.path } : {}) });
    }
  }
  for (const remote of opts.remotes) {
    let report: Awaited<ReturnType<typeof fetchHub>>;
    try {
      report = await fetchHub(ws, { remote, preview: true });
    } catch {
      continue; // unreachable or not logged in: the overview says so
    }
    for (const r of report.results) {
      const ref = !r.success && r.conflicts_remaining > 0 ? splitName(r.artifact_name) : undefined;
      if (ref) out.push({ where: `remote:${remote}`, ...ref });
    }
  }
  return out;
}

/**
 * The JSON routes the web UI needs beyond the daemon's status API, all under `/api/ui/`. Shapes are
 * in `src/web/api-types.ts`. Every route calls the `src/sync/` functions (the same ones the CLI
 * calls); nothing here decides drift, merges or writes a rule of its own. Errors are
 * `{error: {code, message}}` with the HTTP status of the error code (404 NOT_FOUND, 409 CONFLICT /
 * ALREADY_EXISTS, 400 other user errors, 502 REMOTE, 501 when the engine lacks the operation yet).
 *
 * Security: the daemon listens on 127.0.0.1 only; every mutating route here requires the per-home
 * token in `X-Skillsync-Token` (compared in constant time), answers JSON only, and sets no CORS
 * headers, so other sites' pages cannot call it (their requests lack the token and cannot read it).
 */
import { timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Context, Hono } from "hono";
import { isSkillsyncError, SkillsyncError } from "../core/errors.js";
import { isBinary, mergeText } from "../core/merge.js";
import { artifactNameProblem, isKind, type Kind, relativePathProblem } from "../core/names.js";
import { type Problem, validateMarkdownArtifact, validateSkillMd } from "../core/validate.js";
import { discoverArtifacts, type Located, locate } from "../store/collection.js";
import { updateConfig } from "../store/config.js";
import { removePath, writeFileAtomic } from "../store/fs.js";
import type { DiskTree } from "../store/tree-read.js";
import { readArtifact, readArtifactTree, validateLocated } from "../sync/artifact-info.js";
import { addArtifacts, listArtifacts } from "../sync/collection-ops.js";
import { createHubClient, type HubClient, type HubKey, isHubUnreachable } from "../sync/hub-client.js";
import { fetchHub, type HubDrift, hubStatus, publish, resolveRemote } from "../sync/hub-sync.js";
import { listSnapshots, rollback, takeSnapshot } from "../sync/snapshot.js";
import { projectStatus, readProjectRecord, type StatusArtifact } from "../sync/status.js";
import { transfer } from "../sync/transfer.js";
import {
  collectionLock,
  locked,
  openWorkspace,
  projectLayout,
  transaction,
  type Workspace,
} from "../sync/workspace.js";
import type {
  ArtifactDetail,
  ArtifactRow,
  ChangePreview,
  ConflictDetail,
  ConflictFile,
  ConflictSummary,
  CreateRequest,
  DaemonPanel,
  FileChange,
  FileJson,
  HistoryDiff,
  HistoryEntry,
  HistoryList,
  Overview,
  Place,
  PlaceState,
  PlaceStatus,
  ResolveRequest,
  SaveRequest,
  SyncResultJson,
} from "../web/api-types.js";
import type { DaemonContext } from "./context.js";

/** An artifact's address, `kind/name`. */
interface ArtifactRef {
  kind: Kind;
  name: string;
}

/** What most routes work with: the workspace and the daemon. */
interface Scope {
  ws: Workspace;
  ctx: DaemonContext;
}

/** Files over this size (bytes) are listed without their text. */
const MAX_TEXT_BYTES = 1024 * 1024;
/** Largest JSON body accepted by a mutating route (bytes). */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

const STATUS_OF_CODE: Record<string, number> = {
  NOT_FOUND: 404,
  PROJECT_MISSING: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  LOCAL_EDIT: 409,
  DRIFT: 409,
  LOCKED: 423,
  REMOTE: 502,
  GIT: 502,
  NOT_IMPLEMENTED: 501,
  FORBIDDEN: 403,
  WRITE_FAILED: 500,
  INTERNAL: 500,
};

/** A route failure with an explicit HTTP status (for codes outside ERROR_CODES, e.g. 501, 403). */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function notYet(what: string, needs: string): HttpError {
  return new HttpError(
    501,
    "NOT_IMPLEMENTED",
    `${what} is not available in this build yet (the daemon needs ${needs} from src/sync/); use the CLI meanwhile`,
  );
}

function errorResponse(c: Context, e: unknown): Response {
  if (e instanceof HttpError) return c.json({ error: { code: e.code, message: e.message } }, e.status as 400);
  if (isSkillsyncError(e)) {
    const status = STATUS_OF_CODE[e.code] ?? (e.exitCode === 70 ? 500 : 400);
    return c.json({ error: { code: e.code, message: e.toLine() } }, status as 400);
  }
  const message = e instanceof Error ? e.message : String(e);
  return c.json({ error: { code: "INTERNAL", message: `internal error: ${message}` } }, 500);
}

function tokenOk(c: Context, token: string): boolean {
  const got = c.req.header("x-skillsync-token") ?? "";
  const a = Buffer.from(got);
  const b = Buffer.from(token);
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

async function jsonBody<T>(c: Context): Promise<T> {
  const len = Number(c.req.header("content-length") ?? "0");
  if (len > MAX_BODY_BYTES)
    throw new HttpError(413, "TOO_LARGE", `request body is ${len} bytes; the limit is ${MAX_BODY_BYTES}`);
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES)
    throw new HttpError(413, "TOO_LARGE", `request body is over ${MAX_BODY_BYTES} bytes`);
  try {
    return JSON.parse(text === "" ? "{}" : text) as T;
  } catch {
    throw new HttpError(400, "USAGE", "request body is not valid JSON");
  }
}

function kindParam(c: Context): { kind: Kind; name: string } {
  const kind = c.req.param("kind") ?? "";
  const name = c.req.param("name") ?? "";
  if (!isKind(kind))
    throw new SkillsyncError("USAGE", `unknown kind '${kind}'; use skill, command, agent or prompt`);
  return { kind, name };
}

/** The files of a tree with their bytes, keyed by relative path. */
type FileMap = Map<string, { data: Uint8Array; mode: "644" | "755" }>;

function filesOfDisk(tree: DiskTree | undefined): FileMap {
  const out: FileMap = new Map();
  if (!tree) return out;
  for (const e of tree.entries) out.set(e.path, { data: readFileSync(tree.abs.get(e.path)!), mode: e.mode });
  return out;
}

function filesOfObject(ws: Workspace, sha: string | undefined): FileMap | undefined {
  if (!sha) return undefined;
  try {
    return new Map(ws.objects.readTree(sha).map((f) => [f.path, { data: f.data, mode: f.mode }]));
  } catch {
    return undefined;
  }
}

const decoder = new TextDecoder("utf-8", { fatal: false });

function textOf(data: Uint8Array | undefined): string | null {
  if (!data || data.byteLength > MAX_TEXT_BYTES || isBinary(data)) return null;
  return decoder.decode(data);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a).equals(Buffer.from(b));
}

/** The per-file differences from `before` to `after`. */
function changesBetween(before: FileMap, after: FileMap): FileChange[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: FileChange[] = [];
  for (const p of paths) {
    const a = before.get(p);
    const b = after.get(p);
    if (a && b && sameBytes(a.data, b.data) && a.mode === b.mode) continue;
    const ta = a ? textOf(a.data) : null;
    const tb = b ? textOf(b.data) : null;
    out.push({
      path: p,
      change: !a ? "added" : !b ? "removed" : "modified",
      before: ta,
      after: tb,
      binary: (a !== undefined && ta === null) || (b !== undefined && tb === null),
    });
  }
  return out;
}

function findInCollection(ws: Workspace, ref: ArtifactRef): Located {
  const { kind, name } = ref;
  const hit = discoverArtifacts(ws.collectionDir, ws.layout).find((l) => l.kind === kind && l.name === name);
  if (!hit)
    throw new SkillsyncError("NOT_FOUND", `${kind} '${name}' is not in collection '${ws.collection}'`);
  return hit;
}

function projectPlaceId(project: string): string {
  return `project:${project}`;
}

function placesOf(ws: Workspace, ctx: DaemonContext): Place[] {
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

function placeStateOf(a: StatusArtifact): PlaceStatus {
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
function conflictId(where: string, ref: ArtifactRef): string {
  return Buffer.from(JSON.stringify([where, ref.kind, ref.name])).toString("base64url");
}

function parseConflictId(id: string): { project: string; kind: Kind; name: string } {
  try {
    const [project, kind, name] = JSON.parse(Buffer.from(id, "base64url").toString("utf8")) as string[];
    if (typeof project === "string" && typeof kind === "string" && isKind(kind) && typeof name === "string")
      return { project, kind, name };
  } catch {
    // fall through
  }
  throw new SkillsyncError("NOT_FOUND", `no conflict '${id}'; see GET /api/ui/conflicts`);
}

/**
 * Builds the merged overview: the collection, every registered project (drift from `projectStatus`)
 * and every remote, with conflicts and invalid artifacts from the daemon's last run.
 */
async function buildOverview(ws: Workspace, ctx: DaemonContext): Promise<Overview> {
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
      for (const a of projectStatus(ws, p.location).artifacts) {
        const r = row(a.type, a.name);
        r.places[p.id] = placeStateOf(a);
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

function splitArtifact(id: string, fallbackKind: string): [Kind | undefined, string] {
  const slash = id.indexOf("/");
  const kind = slash > 0 ? id.slice(0, slash) : fallbackKind;
  const name = slash > 0 ? id.slice(slash + 1) : id;
  return [isKind(kind) ? kind : undefined, name];
}

async function artifactDetail(scope: Scope, ref: ArtifactRef): Promise<ArtifactDetail> {
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
      const a = projectStatus(ws, p.location).artifacts.find((x) => x.type === kind && x.name === name);
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

/**
 * Saves edited text files of an artifact into the collection: a snapshot first (so History can roll
 * it back), then one transaction under the collection lock. Only files the artifact already has can be
 * written; the new main file must validate.
 */
async function saveArtifact(ws: Workspace, opts: ArtifactRef & { req: SaveRequest }): Promise<void> {
  const { kind, name, req } = opts;
  if (!Array.isArray(req.files) || req.files.length === 0)
    throw new SkillsyncError("USAGE", "nothing to save: 'files' is empty");
  const loc = findInCollection(ws, { kind, name });
  await locked(ws, [collectionLock(ws)], async () => {
    const tree = readArtifactTree(ws, loc);
    if (!tree) throw new SkillsyncError("NOT_FOUND", `${kind} '${name}' vanished from the collection`);
    if (req.base_sha && req.base_sha !== tree.sha)
      throw new SkillsyncError(
        "CONFLICT",
        `${kind}/${name} changed in the collection since you opened it; reload the page and apply your edit again`,
      );
    const writes: { abs: string; text: string; mode: number }[] = [];
    for (const f of req.files) {
      if (typeof f?.path !== "string" || typeof f.text !== "string")
        throw new SkillsyncError("USAGE", "each file needs a string 'path' and 'text'");
      const problem = relativePathProblem(f.path);
      if (problem) throw new SkillsyncError("UNSAFE_PATH", problem);
      const entry = tree.entries.find((e) => e.path === f.path);
      if (!entry)
        throw new SkillsyncError(
          "NOT_FOUND",
          `${kind}/${name} has no file '${f.path}'; only existing files can be edited here`,
        );
      const abs = loc.form === "folder" ? join(loc.path, ...f.path.split("/")) : loc.path;
      writes.push({ abs, text: f.text, mode: entry.mode === "755" ? 0o755 : 0o644 });
    }
    const main = loc.form === "folder" ? "SKILL.md" : (loc.entryName ?? `${name}.md`);
    const newMain = req.files.find((f) => f.path === main);
    if (newMain) assertValidMain({ kind, name }, newMain.text);
    await takeSnapshot(ws, {
      scope: { type: "collection" },
      message: `before web UI edit of ${kind}/${name}`,
      auto: true,
    });
    const tx = transaction(ws);
    try {
      for (const w of writes) await tx.stageFile(w.abs, w.text, w.mode);
      await tx.commit();
    } catch (e) {
      await tx.abort();
      throw e;
    }
    ws.statCache.flush();
  });
}

function assertValidMain(ref: ArtifactRef, text: string): void {
  // Validation rules live in src/core/validate.ts, reached through validateLocated on a real file
  // elsewhere; here the text is not on disk yet, so call the core validators directly.
  const problems = validateText(ref, text);
  const err = problems.find((p) => p.severity === "error");
  if (err)
    throw new SkillsyncError("INVALID_ARTIFACT", `${err.message} (nothing was saved)`, {
      file: err.file,
      ...(err.line ? { line: err.line } : {}),
    });
}

function validateText(ref: ArtifactRef, text: string): Problem[] {
  const { kind, name } = ref;
  const file = kind === "skill" ? `skills/${name}/SKILL.md` : `${kind}s/${name}.md`;
  const np = artifactNameProblem(kind, name);
  if (np) return [{ severity: "error", file, message: np }];
  return kind === "skill"
    ? validateSkillMd(text, { folderName: name, file }).problems
    : validateMarkdownArtifact(text, { kind, file }).problems;
}

/**
 * Creates a new artifact: the main file is written to a draft folder under the home, then added with
 * `addArtifacts` (which validates, refuses an existing name, records the lock entry and objects),
 * then the draft is removed. The lock records `local:<collection path>` as its source.
 */
async function createArtifact(ws: Workspace, req: CreateRequest): Promise<Located> {
  if (typeof req.kind !== "string" || !isKind(req.kind))
    throw new SkillsyncError("USAGE", "'kind' must be skill, command, agent or prompt");
  if (typeof req.name !== "string" || typeof req.text !== "string")
    throw new SkillsyncError("USAGE", "'name' and 'text' must be strings");
  assertValidMain({ kind: req.kind, name: req.name }, req.text);
  const existing = discoverArtifacts(ws.collectionDir, ws.layout).find(
    (l) => l.kind === req.kind && l.name === req.name,
  );
  if (existing)
    throw new SkillsyncError(
      "ALREADY_EXISTS",
      `${req.kind} '${req.name}' is already in collection '${ws.collection}'; pick another name`,
    );
  const draftRoot = join(ws.home, "drafts", `${process.pid}-${Date.now().toString(36)}`);
  const dest = locate(ws.collectionDir, ws.layout, req.kind, req.name);
  try {
    const draft = locate(draftRoot, ws.layout, req.kind, req.name);
    const file = draft.form === "folder" ? join(draft.path, "SKILL.md") : draft.path;
    await writeFileAtomic(file, req.text);
    await addArtifacts(ws, { paths: [draft.path], kind: req.kind, sourceFor: () => `local:${dest.path}` });
  } finally {
    await removePath(draftRoot);
  }
  return dest;
}

/** A client for `remote` that fails fast (no retries): the UI prefers an honest "unreachable" now. */
function uiHubClient(ws: Workspace, remoteName: string): { client: HubClient; user: string | undefined } {
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

/** The hub's copy of `kind/name` (preferring the logged-in user's), or undefined when it has none. */
async function hubCopy(ws: Workspace, opts: ArtifactRef & { remote: string }) {
  const { kind, name } = opts;
  const { client, user } = uiHubClient(ws, opts.remote);
  const hits = (await client.list({ kind })).filter((a) => a.name === name);
  const meta = hits.find((a) => a.owner === user) ?? hits[0];
  if (!meta) return { client, meta: undefined, artifact: undefined };
  const key: HubKey = { owner: meta.owner, kind, name };
  return { client, meta, key, artifact: await client.get(key) };
}

function hubFileMap(
  files: readonly { path: string; mode: "644" | "755"; data: Uint8Array }[] | undefined,
): FileMap {
  return new Map((files ?? []).map((f) => [f.path, { data: f.data, mode: f.mode }]));
}

function hubPlaceState(d: HubDrift): PlaceStatus {
  if (d.queued) return { state: "queued", side: "collection" };
  if (d.drift_type === "added") return { state: "absent" };
  if (d.drift_type === "in-sync") return { state: "in-sync" };
  if (d.drift_type === "removed") return { state: "removed" };
  return { state: "modified", ...(d.drift_side ? { side: d.drift_side } : {}) };
}

/** Per remote: the hub drift of every artifact, or why the hub could not be asked. */
async function remoteStates(ws: Workspace, places: Place[]): Promise<Map<string, Map<string, PlaceStatus>>> {
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

async function publishPreview(ws: Workspace, opts: ArtifactRef & { remote: string }): Promise<ChangePreview> {
  const { kind, name, remote } = opts;
  const loc = findInCollection(ws, { kind, name });
  const here = filesOfDisk(readArtifactTree(ws, loc));
  let there: FileMap;
  let where: string;
  try {
    const { artifact } = await hubCopy(ws, { remote, kind, name });
    there = hubFileMap(artifact?.files);
    where = artifact ? `${artifact.owner}/${kind}/${name} revision ${artifact.revision}` : "a new artifact";
  } catch (e) {
    if (!isHubUnreachable(e)) throw e;
    return {
      target: `remote:${remote}`,
      summary: `hub '${remote}' is unreachable: publishing now queues ${kind}/${name} in the outbox and sends it when the hub is back`,
      files: changesBetween(new Map(), here),
    };
  }
  const files = changesBetween(there, here);
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

function deployPreview(ws: Workspace, opts: ArtifactRef & { project: string }): ChangePreview {
  const { kind, name, project } = opts;
  const loc = findInCollection(ws, { kind, name });
  const here = filesOfDisk(readArtifactTree(ws, loc));
  const there = filesOfDisk(readArtifactTree(ws, locate(project, projectLayout(ws), kind, name)));
  const files = changesBetween(there, here);
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

function requireProject(ctx: DaemonContext, target: unknown): string {
  const id = typeof target === "string" ? target : "";
  const project = id.startsWith("project:") ? id.slice("project:".length) : id;
  if (!ctx.getConfig().projects.includes(project))
    throw new SkillsyncError(
      "NOT_FOUND",
      `'${project}' is not a registered project; add it with 'skillsync project add DIR'`,
    );
  return project;
}

function requireRemote(ctx: DaemonContext, target: unknown): string {
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
 * Pending conflicts: those the daemon's last run recorded, plus every artifact changed on both sides
 * in a registered project whose merge (the engine's own `sync --preview`) would leave conflicts.
 */
async function pendingConflicts(ws: Workspace, ctx: DaemonContext): Promise<ConflictSummary[]> {
  const out = new Map<string, ConflictSummary>();
  const at = ctx.daemonStatus().last_sync ?? new Date(ctx.now()).toISOString();
  /** `where`: a project's absolute path, or `remote:NAME` for a hub. */
  const add = (where: string, { kind, name }: ArtifactRef) => {
    const id = conflictId(where, { kind, name });
    const hub = where.startsWith("remote:");
    if (!out.has(id))
      out.set(id, {
        id,
        kind,
        name,
        local_label: "collection",
        remote_label: hub ? "hub" : "project",
        place: hub ? where : projectPlaceId(where),
        created_at: at,
        paths: [],
      });
  };
  for (const c of ctx.daemonStatus().conflicts) {
    const [kind, name] = splitArtifact(c.artifact, c.kind);
    if (kind) add(c.project, { kind, name });
  }
  for (const project of ctx.getConfig().projects) {
    if (!existsSync(project)) continue;
    let both: string[];
    try {
      both = projectStatus(ws, project)
        .artifacts.filter((a) => a.drift_type === "modified" && a.drift_side === "both")
        .map((a) => `${a.type}/${a.name}`);
    } catch {
      continue;
    }
    if (both.length === 0) continue;
    let report: Awaited<ReturnType<typeof transfer>>;
    try {
      report = await transfer(ws, { op: "sync", project, names: both, preview: true });
    } catch {
      continue; // e.g. LOCKED while a sync runs: its own result will record any conflict
    }
    for (const r of report.results) {
      if (r.conflicts_remaining === 0) continue;
      const [kind, name] = splitArtifact(r.artifact_name, "skill");
      if (kind) add(project, { kind, name });
    }
  }
  for (const remote of Object.keys(ctx.getConfig().remotes)) {
    let report: Awaited<ReturnType<typeof fetchHub>>;
    try {
      report = await fetchHub(ws, { remote, preview: true });
    } catch {
      continue; // unreachable or not logged in: the overview says so
    }
    for (const r of report.results) {
      if (r.success || r.conflicts_remaining === 0) continue;
      const [kind, name] = splitArtifact(r.artifact_name, "skill");
      if (kind) add(`remote:${remote}`, { kind, name });
    }
  }
  return [...out.values()];
}

async function conflictDetail(scope: Scope, id: string): Promise<ConflictDetail> {
  const { ws, ctx } = scope;
  const { project, kind, name } = parseConflictId(id);
  const summary = (await pendingConflicts(ws, ctx)).find((c) => c.id === id);
  if (!summary)
    throw new SkillsyncError("NOT_FOUND", `no pending conflict for ${kind}/${name}; it may be resolved`);
  const local = filesOfDisk(readArtifactTree(ws, locate(ws.collectionDir, ws.layout, kind, name)));
  let remote: FileMap;
  let base: FileMap;
  const theirs = project.startsWith("remote:") ? "hub" : "project";
  if (project.startsWith("remote:")) {
    const remoteName = project.slice("remote:".length);
    const { client, key, artifact } = await hubCopy(ws, { remote: remoteName, kind, name });
    remote = hubFileMap(artifact?.files);
    const drift = (await hubStatus(ws, remoteName)).artifacts.find((a) => a.type === kind && a.name === name);
    const baseRev = drift?.base_revision;
    base =
      key && baseRev !== null && baseRev !== undefined
        ? hubFileMap((await client.version(key, baseRev))?.files)
        : new Map();
  } else {
    remote = filesOfDisk(readArtifactTree(ws, locate(project, projectLayout(ws), kind, name)));
    const entry = readProjectRecord(project)?.artifacts.find((a) => a.type === kind && a.name === name);
    base = filesOfObject(ws, entry?.sha) ?? new Map();
  }
  const files: ConflictFile[] = [];
  for (const p of [...new Set([...local.keys(), ...remote.keys(), ...base.keys()])].sort()) {
    const l = local.get(p);
    const r = remote.get(p);
    const b = base.get(p);
    if (l && r && sameBytes(l.data, r.data)) continue;
    if (b && l && r && sameBytes(b.data, r.data)) continue; // only local changed: merges cleanly
    if (b && l && r && sameBytes(b.data, l.data)) continue;
    const [tl, tr, tb] = [l ? textOf(l.data) : null, r ? textOf(r.data) : null, b ? textOf(b.data) : null];
    const binary =
      (l !== undefined && tl === null) ||
      (r !== undefined && tr === null) ||
      (b !== undefined && tb === null);
    const merged = binary
      ? { text: tl ?? "", conflicts: 1 }
      : mergeText({
          base: tb ?? "",
          ours: tl ?? "",
          theirs: tr ?? "",
          labels: { ours: "collection", theirs },
        });
    files.push({
      path: p,
      base: tb,
      local: tl,
      remote: tr,
      merged: merged.text,
      conflicts: merged.conflicts,
      binary,
    });
  }
  ws.statCache.flush();
  return { ...summary, paths: files.map((f) => f.path), files };
}

async function historyOf(scope: Scope, ref: ArtifactRef): Promise<HistoryList> {
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
      version: versionOfTree(ws, { kind, name, sha: a.tree }),
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

function versionOfTree(ws: Workspace, opts: ArtifactRef & { sha: string }): string {
  const { kind, name, sha } = opts;
  const files = filesOfObject(ws, sha);
  const main = files?.get(kind === "skill" ? "SKILL.md" : `${name}.md`);
  const text = main ? textOf(main.data) : null;
  if (text === null) return "?";
  const fm =
    kind === "skill" ? validateSkillMd(text, { folderName: name, file: "SKILL.md" }).version : undefined;
  return (
    fm ?? validateMarkdownArtifact(text, { kind: kind as Exclude<Kind, "skill">, file: `${name}.md` }).version
  );
}

async function filesOfVersion(ws: Workspace, opts: ArtifactRef & { id: string }): Promise<FileMap> {
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
    const { client } = uiHubClient(ws, hub[1]!);
    const a = await client.version({ owner: hub[2]!, kind, name }, Number(hub[3]));
    if (a) return hubFileMap(a.files);
  }
  throw new SkillsyncError("NOT_FOUND", `no version '${id}' of ${kind}/${name}; see its history`);
}

/**
 * Completes a pending project sync with the user's resolution: the resolved files are written into
 * the collection (snapshot first, one transaction under the collection lock), then the engine pushes
 * the collection to the project with `strategy: "overwrite"`, which snapshots the project, writes it
 * and records the resolution as the new base in the deployment record.
 * @throws SkillsyncError USAGE when a file still has conflict markers or is not part of the conflict
 */
async function resolveConflict(
  ws: Workspace,
  opts: {
    project: string;
    kind: Kind;
    name: string;
    req: ResolveRequest;
    detail: ConflictDetail;
    /** Every pending conflict, to refuse a hub resolution that would settle others. */
    others: ConflictSummary[];
  },
): Promise<SyncResultJson> {
  const { project, kind, name, req, detail } = opts;
  if (project.startsWith("remote:")) {
    // fetch --auto-resolve ours below must not settle other hub conflicts behind the user's back
    const others = opts.others.filter((c) => c.place === project && !(c.kind === kind && c.name === name));
    if (others.length > 0)
      throw new SkillsyncError(
        "CONFLICT",
        `resolve the other hub conflicts first (${others.map((c) => `${c.kind}/${c.name}`).join(", ")}); each completes through a fetch of the whole remote`,
      );
  }
  if (!Array.isArray(req.files))
    throw new SkillsyncError("USAGE", "'files' must be a list of {path, content}");
  const loc = locate(ws.collectionDir, ws.layout, kind, name);
  const writes: { abs: string; content: string | null }[] = [];
  for (const f of req.files) {
    if (typeof f?.path !== "string" || (f.content !== null && typeof f.content !== "string"))
      throw new SkillsyncError("USAGE", "each file needs a string 'path' and a string or null 'content'");
    if (!detail.files.some((x) => x.path === f.path))
      throw new SkillsyncError("USAGE", `'${f.path}' is not one of the conflicting files of ${kind}/${name}`);
    if (f.content !== null && /^<{7}( |$)/m.test(f.content) && /^>{7}( |$)/m.test(f.content))
      throw new SkillsyncError(
        "USAGE",
        `'${f.path}' still has conflict markers; choose a side for every hunk first`,
      );
    const problem = relativePathProblem(f.path);
    if (problem) throw new SkillsyncError("UNSAFE_PATH", problem);
    writes.push({
      abs: loc.form === "folder" ? join(loc.path, ...f.path.split("/")) : loc.path,
      content: f.content,
    });
  }
  const main = loc.form === "folder" ? "SKILL.md" : `${name}.md`;
  const newMain = req.files.find((f) => f.path === main);
  if (newMain && newMain.content !== null) assertValidMain({ kind, name }, newMain.content);
  await locked(ws, [collectionLock(ws)], async () => {
    await takeSnapshot(ws, {
      scope: { type: "collection" },
      message: `before web UI conflict resolution of ${kind}/${name}`,
      auto: true,
    });
    const tx = transaction(ws);
    try {
      for (const w of writes) {
        if (w.content === null) await tx.remove(w.abs);
        else await tx.stageFile(w.abs, w.content);
      }
      await tx.commit();
    } catch (e) {
      await tx.abort();
      throw e;
    }
    ws.statCache.flush();
  });
  if (project.startsWith("remote:")) {
    // The resolution is now the collection's copy. Fetch with `ours` takes the hub's revision as the
    // new base (its non-conflicting changes are already in the resolution, so they merge cleanly),
    // then publish sends the resolution with If-Match on that revision.
    const remote = project.slice("remote:".length);
    await fetchHub(ws, { remote, autoResolve: "ours" });
    const report = await publish(ws, { names: [`${kind}/${name}`], remote });
    const r = report.results[0] ?? okResult({ artifact_name: `${kind}/${name}`, direction: "publish" });
    return { ...r, conflicts_resolved: Math.max(r.conflicts_resolved, detail.files.length) };
  }
  const report = await transfer(ws, {
    op: "push",
    project,
    names: [`${kind}/${name}`],
    strategy: "overwrite",
  });
  const r = report.results[0];
  if (!r) return okResult({ artifact_name: `${kind}/${name}`, direction: "push" });
  return { ...r, conflicts_resolved: Math.max(r.conflicts_resolved, detail.files.length) };
}

function daemonPanel(ctx: DaemonContext): DaemonPanel {
  const s = ctx.daemonStatus();
  return {
    auto_sync: s.enabled,
    schedules: ctx.getConfig().daemon.schedules,
    next_run: s.next_scheduled,
    backoff: s.backoff,
    in_flight: s.running,
    runs: ctx.history(20).map((h) => ({
      id: String(h.id),
      started_at: h.started_at,
      trigger: h.trigger,
      artifacts: h.artifacts.length,
      result: h.outcome,
      duration_ms: h.duration_ms,
      error: h.error,
    })),
  };
}

/** A successful sync result (DESIGN.md schema) with `fields` filled in. */
function okResult(
  fields: Partial<SyncResultJson> & { artifact_name: string; direction: string },
): SyncResultJson {
  return {
    success: true,
    strategy_used: "overwrite",
    conflicts_resolved: 0,
    conflicts_remaining: 0,
    previous_hash: null,
    new_hash: null,
    snapshot_id: null,
    error: null,
    ...fields,
  };
}

/**
 * Registers the `/api/ui/...` routes on `app`. Mutating routes answer 403 without the right
 * `X-Skillsync-Token`.
 */
export function registerUiRoutes(app: Hono, ctx: DaemonContext): void {
  let ws: Workspace | undefined;
  let wsConfig: unknown;
  const workspace = async (): Promise<Workspace> => {
    const config = ctx.getConfig();
    if (!ws) ws = await openWorkspace({ home: ctx.home, collection: ctx.collection, config });
    else if (wsConfig !== config) ws = { ...ws, config };
    wsConfig = config;
    return ws;
  };
  /** Tells live pages (SSE) that an artifact changed; the daemon's watcher will also see the write. */
  const changed = (_what: string) =>
    ctx.emit({ type: "status-changed", at: new Date(ctx.now()).toISOString(), status: ctx.status() });
  const read = (path: string, fn: (c: Context, w: Workspace) => unknown | Promise<unknown>) =>
    app.get(path, async (c) => {
      try {
        return c.json((await fn(c, await workspace())) as object);
      } catch (e) {
        return errorResponse(c, e);
      }
    });
  const write = (
    route: { method: "post" | "put"; path: string; status?: number },
    fn: (c: Context, w: Workspace) => unknown | Promise<unknown>,
  ) =>
    app[route.method](route.path, async (c) => {
      if (!tokenOk(c, ctx.token))
        return c.json(
          {
            error: {
              code: "FORBIDDEN",
              message: "missing or wrong X-Skillsync-Token; reload the page from the daemon",
            },
          },
          403,
        );
      try {
        return c.json((await fn(c, await workspace())) as object, (route.status ?? 200) as 200);
      } catch (e) {
        return errorResponse(c, e);
      }
    });

  read("/api/ui/overview", async (_c, w) => {
    const o = await buildOverview(w, ctx);
    w.statCache.flush();
    return o;
  });
  read("/api/ui/artifacts/:kind/:name", async (c, w) => {
    const { kind, name } = kindParam(c);
    const d = await artifactDetail({ ws: w, ctx }, { kind, name });
    w.statCache.flush();
    return d;
  });
  write({ method: "put", path: "/api/ui/artifacts/:kind/:name" }, async (c, w) => {
    const { kind, name } = kindParam(c);
    await saveArtifact(w, { kind, name, req: await jsonBody<SaveRequest>(c) });
    changed(`${kind}/${name}`);
    return await artifactDetail({ ws: w, ctx }, { kind, name });
  });
  write({ method: "post", path: "/api/ui/artifacts", status: 201 }, async (c, w) => {
    const req = await jsonBody<CreateRequest>(c);
    const loc = await createArtifact(w, req);
    changed(`${loc.kind}/${loc.name}`);
    return await artifactDetail({ ws: w, ctx }, loc);
  });
  write({ method: "post", path: "/api/ui/artifacts/:kind/:name/deploy/preview" }, async (c, w) => {
    const { kind, name } = kindParam(c);
    const body = await jsonBody<{ target?: string }>(c);
    return deployPreview(w, { kind, name, project: requireProject(ctx, body.target) });
  });
  write({ method: "post", path: "/api/ui/artifacts/:kind/:name/deploy" }, async (c, w) => {
    const { kind, name } = kindParam(c);
    const project = requireProject(ctx, (await jsonBody<{ target?: string }>(c)).target);
    findInCollection(w, { kind, name });
    const report = await transfer(w, { op: "deploy", project, names: [`${kind}/${name}`] });
    changed(`${kind}/${name}`);
    return (
      report.results[0] ??
      okResult({ artifact_name: `${kind}/${name}`, direction: "none", strategy_used: "none" })
    );
  });
  write({ method: "post", path: "/api/ui/artifacts/:kind/:name/publish/preview" }, async (c, w) => {
    const { kind, name } = kindParam(c);
    const remote = requireRemote(ctx, (await jsonBody<{ target?: string }>(c)).target);
    return publishPreview(w, { kind, name, remote });
  });
  write({ method: "post", path: "/api/ui/artifacts/:kind/:name/publish" }, async (c, w) => {
    const { kind, name } = kindParam(c);
    const remote = requireRemote(ctx, (await jsonBody<{ target?: string }>(c)).target);
    findInCollection(w, { kind, name });
    const report = await publish(w, { names: [`${kind}/${name}`], remote });
    changed(`${kind}/${name}`);
    const r =
      report.results[0] ??
      okResult({ artifact_name: `${kind}/${name}`, direction: "publish", strategy_used: "none" });
    return report.queued > 0
      ? { ...r, error: `hub '${remote}' is unreachable; queued in the outbox, sent when it is back` }
      : r;
  });
  read("/api/ui/artifacts/:kind/:name/history", (c, w) => {
    const { kind, name } = kindParam(c);
    return historyOf({ ws: w, ctx }, { kind, name });
  });
  read("/api/ui/artifacts/:kind/:name/diff", async (c, w) => {
    const { kind, name } = kindParam(c);
    const from = c.req.query("from") ?? "";
    const to = c.req.query("to") ?? "current";
    const diff: HistoryDiff = {
      from,
      to,
      files: changesBetween(
        await filesOfVersion(w, { kind, name, id: from }),
        await filesOfVersion(w, { kind, name, id: to }),
      ),
    };
    return diff;
  });
  write({ method: "post", path: "/api/ui/artifacts/:kind/:name/rollback" }, async (c, w) => {
    const { kind, name } = kindParam(c);
    const body = await jsonBody<{ version?: string }>(c);
    const version = typeof body.version === "string" ? body.version : "";
    if (!version.startsWith("snapshot:"))
      throw new SkillsyncError("USAGE", `only snapshot versions can be rolled back here (got '${version}')`);
    const r = await rollback(w, { id: version.slice("snapshot:".length), names: [`${kind}/${name}`] });
    w.statCache.flush();
    changed(`${kind}/${name}`);
    const now = readArtifactTree(w, findInCollection(w, { kind, name }));
    return okResult({
      artifact_name: name,
      direction: "rollback",
      snapshot_id: r.safety_snapshot,
      new_hash: now?.sha ?? null,
    });
  });
  read("/api/ui/conflicts", (_c, w) => pendingConflicts(w, ctx));
  read("/api/ui/conflicts/:id", (c, w) => conflictDetail({ ws: w, ctx }, c.req.param("id") ?? ""));
  write({ method: "post", path: "/api/ui/conflicts/:id/resolve" }, async (c, w) => {
    const detail = await conflictDetail({ ws: w, ctx }, c.req.param("id") ?? "");
    const req = await jsonBody<ResolveRequest>(c);
    const { project, kind, name } = parseConflictId(detail.id);
    if (!project)
      throw notYet(
        "Resolving a conflict the daemon recorded without a place",
        "the conflict's project or remote",
      );
    const others = await pendingConflicts(w, ctx);
    const result = await resolveConflict(w, { project, kind, name, req, detail, others });
    changed(`${kind}/${name}`);
    void ctx.requestSync("ui");
    return result;
  });
  read("/api/ui/daemon", () => daemonPanel(ctx));
  write({ method: "put", path: "/api/ui/daemon/auto" }, async (c) => {
    const body = await jsonBody<{ enabled?: unknown }>(c);
    if (typeof body.enabled !== "boolean")
      throw new SkillsyncError("USAGE", "'enabled' must be true or false");
    const enabled = body.enabled;
    await updateConfig(ctx.paths.config, (raw) => {
      const d = (raw.daemon ?? {}) as Record<string, unknown>;
      d.enabled = enabled;
      raw.daemon = d;
    });
    ctx.emit({ type: "config-changed", at: new Date(ctx.now()).toISOString() });
    return { ...daemonPanel(ctx), auto_sync: enabled };
  });
}

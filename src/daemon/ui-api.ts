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
import type { Context, Hono } from "hono";
import { fileChanges } from "../core/conflict-view.js";
import { isSkillsyncError, SkillsyncError } from "../core/errors.js";
import { isKind, type Kind } from "../core/names.js";
import { updateConfig } from "../store/config.js";
import { createArtifact, findInCollection, resolveConflict, saveArtifact } from "../sync/artifact-edit.js";
import { readArtifactTree } from "../sync/artifact-info.js";
import { publish } from "../sync/hub-sync.js";
import { rollback } from "../sync/snapshot.js";
import { transfer } from "../sync/transfer.js";
import { openWorkspace, type Workspace } from "../sync/workspace.js";
import type {
  CreateRequest,
  DaemonPanel,
  HistoryDiff,
  ResolveRequest,
  SaveRequest,
  SyncResultJson,
} from "../web/api-types.js";
import type { DaemonContext } from "./context.js";
import {
  artifactDetail,
  buildOverview,
  conflictDetail,
  deployPreview,
  filesOfVersion,
  historyOf,
  parseConflictId,
  pendingConflicts,
  publishPreview,
  requireProject,
  requireRemote,
} from "./ui-views.js";

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
    const req = await jsonBody<SaveRequest>(c);
    await saveArtifact(w, { kind, name, files: req.files, baseSha: req.base_sha });
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
      files: fileChanges(
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
  read(
    "/api/ui/conflicts/:id",
    async (c, w) => (await conflictDetail({ ws: w, ctx }, c.req.param("id") ?? "")).detail,
  );
  write({ method: "post", path: "/api/ui/conflicts/:id/resolve" }, async (c, w) => {
    const { detail, view } = await conflictDetail({ ws: w, ctx }, c.req.param("id") ?? "");
    const req = await jsonBody<ResolveRequest>(c);
    const { project, kind, name } = parseConflictId(detail.id);
    if (!project)
      throw notYet(
        "Resolving a conflict the daemon recorded without a place",
        "the conflict's project or remote",
      );
    const others = (await pendingConflicts(w, ctx))
      .map((x) => ({ ...parseConflictId(x.id), ...x }))
      .map((x) => ({ where: x.project, kind: x.kind, name: x.name }));
    const conflict = { where: project, kind, name };
    const result =
      (await resolveConflict(w, { conflict, files: req.files, view, others })) ??
      okResult({
        artifact_name: `${kind}/${name}`,
        direction: project.startsWith("remote:") ? "publish" : "push",
      });
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

/**
 * The hub's HTTP API v1 on Hono (docs/hub-api.md). The app takes a {@link HubStore} and options, so
 * tests run it in-process on port 0; `server.ts` puts it on a socket.
 *
 * Guarantees: every route but `/healthz` needs `Authorization: Bearer TOKEN`; a caller sees only its
 * own and its teams' artifacts, and anything else answers exactly like an absent artifact (same
 * status, same body, derived from the URL only); a request that fails validation changes nothing;
 * a write based on an old revision gets `409` with the current revision.
 */
import type { ServerResponse } from "node:http";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { isKind, type Kind, skillNameProblem } from "../core/names.js";
import { treeHashOfFiles } from "../core/tree-hash.js";
import { createBadTokenLimiter, hashToken } from "./auth.js";
import {
  DEFAULT_LIMITS,
  decodeFiles,
  type HubLimits,
  nameProblem,
  putBodySchema,
  zodProblem,
} from "./schemas.js";
import { nodeSink, SSE_HEADERS, SseFeed, type SseStats, webSink } from "./sse.js";
import type {
  ArtifactKey,
  ArtifactMeta,
  ArtifactWithFiles,
  HubStore,
  Precondition,
  Viewer,
} from "./store/types.js";

/** Options of {@link createHubApp}. */
export interface HubAppOptions {
  store: HubStore;
  /** Overrides of {@link DEFAULT_LIMITS}. */
  limits?: Partial<HubLimits>;
  /** Clock (default `() => new Date()`); token expiry and timestamps use it. */
  now?: () => Date;
  /** Bad tokens allowed per address per window before `429` (default 10 per 60,000 ms). */
  badTokens?: { limit: number; windowMs: number };
  /** Longest long-poll `wait` (seconds), default 60. */
  maxWaitSeconds?: number;
  /** SSE heartbeat interval (ms), default 15,000; the token is re-checked at each heartbeat. */
  heartbeatMs?: number;
  /** The client's address for the bad-token limiter (default: the socket's remote address). */
  clientAddress?: (c: Context) => string;
}

/** A built hub app. */
export interface HubApp {
  /** The Hono app (`app.fetch` is the request handler). */
  app: Hono<Env>;
  /** Ends every open SSE stream and long-poll (before closing the server). */
  close(): void;
  /** Counters of the SSE fan-out (open streams, user groups, reads, events written). */
  readonly sse: SseStats;
}

/** Error codes in `{error: {code, message}}` bodies. */
export type HubErrorCode =
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "precondition_required"
  | "payload_too_large"
  | "bad_request"
  | "rate_limited"
  | "internal";

type Env = { Variables: { viewer: Viewer } };

/** The body of a 404 for an artifact, identical whether it is absent or not the caller's. */
function absent(key: { owner: string; kind: string; name: string }): string {
  return `no artifact ${key.kind}/${key.name} owned by '${key.owner}' on this hub (or it is not shared with you)`;
}

function errorBody(code: HubErrorCode, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

function metaJson(m: ArtifactMeta): ArtifactMeta {
  return {
    owner: m.owner,
    kind: m.kind,
    name: m.name,
    version: m.version,
    tree_hash: m.tree_hash,
    revision: m.revision,
    created_at: m.created_at,
    updated_at: m.updated_at,
    updated_by: m.updated_by,
  };
}

function artifactJson(a: ArtifactWithFiles) {
  return {
    ...metaJson(a),
    files: a.files.map((f) => ({
      path: f.path,
      mode: f.mode,
      size: f.data.length,
      data: f.data.toString("base64"),
    })),
  };
}

/** Parses `If-Match: 3` or `If-Match: "3"`; undefined when absent; NaN when malformed. */
function parseRevisionHeader(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(v);
  return m ? Number(m[1]) : Number.NaN;
}

function parseNonNegInt(v: string | undefined, fallback: number): number {
  if (v === undefined || v === "") return fallback;
  if (!/^\d{1,15}$/.test(v)) return Number.NaN;
  return Number(v);
}

/**
 * Wakes waiters when the store reports a change; `version` counts wake-ups. {@link close} wakes
 * every waiter for good (long-polls; SSE streams are woken by {@link SseFeed}). The shared
 * shutdown is not an `AbortSignal` listener per waiter on purpose: with thousands of waiters,
 * adding and removing listeners on one `EventTarget` costs O(listeners) each, which made every
 * wake-up quadratic.
 */
class ChangeSignal {
  version = 0;
  closed = false;
  private waiters = new Set<() => void>();
  bump(): void {
    this.version++;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
  close(): void {
    this.closed = true;
    this.bump();
  }
  /** Resolves when version moves past `seen`, after `ms`, on {@link close}, or when a `signal` aborts. */
  wait(seen: number, ms: number, signals: AbortSignal[]): Promise<void> {
    if (this.closed || this.version !== seen || signals.some((s) => s.aborted)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        for (const s of signals) s.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      for (const s of signals) s.addEventListener("abort", done, { once: true });
    });
  }
}

/**
 * Builds the hub app over `opts.store` (already migrated).
 * Routes: see docs/hub-api.md. Never throws for bad input: every problem becomes a JSON error.
 */
export function createHubApp(opts: HubAppOptions): HubApp {
  const { store } = opts;
  const limits: HubLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const now = opts.now ?? (() => new Date());
  const maxWait = opts.maxWaitSeconds ?? 60;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const limiter = createBadTokenLimiter({
    limit: opts.badTokens?.limit ?? 10,
    windowMs: opts.badTokens?.windowMs ?? 60_000,
    nowMs: () => now().getTime(),
  });
  const shutdown = new AbortController();
  const signal = new ChangeSignal();
  const feed = new SseFeed({ store, heartbeatMs, now });
  const unsubscribe = store.onChange(() => {
    signal.bump();
    feed.wake();
  });
  const addressOf =
    opts.clientAddress ??
    ((c: Context): string => {
      const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
        ?.incoming;
      return incoming?.socket?.remoteAddress ?? "unknown";
    });

  const app = new Hono<Env>();

  app.onError((err, c) => {
    process.stderr.write(
      `hub: internal error on ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}\n`,
    );
    return c.json(errorBody("internal", "the hub failed to handle this request; see the hub's log"), 500);
  });
  app.notFound((c) => c.json(errorBody("not_found", `no route ${c.req.method} ${c.req.path}`), 404));

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.use("/api/*", async (c, next) => {
    const address = addressOf(c);
    const wait = limiter.retryAfter(address);
    if (wait > 0) {
      c.header("Retry-After", String(wait));
      return c.json(
        errorBody("rate_limited", `too many bad tokens from this address; retry in ${wait} s`),
        429,
      );
    }
    const auth = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    const viewer = m ? await store.viewerForToken(hashToken(m[1]!), now().toISOString()) : undefined;
    if (!viewer) {
      if (m) limiter.fail(address);
      c.header("WWW-Authenticate", 'Bearer realm="skillsync"');
      return c.json(
        errorBody(
          "unauthorized",
          m
            ? "the token is invalid, expired or revoked; get a new one from the hub admin"
            : "missing 'Authorization: Bearer TOKEN' header",
        ),
        401,
      );
    }
    c.set("viewer", viewer);
    await next();
  });

  app.get("/api/v1/me", (c) => {
    const v = c.get("viewer");
    return c.json({
      user: { name: v.user.name, created_at: v.user.created_at },
      teams: v.teams.map((t) => ({ name: t.team.name, role: t.role })),
      token: { id: v.token.id, created_at: v.token.created_at, expires_at: v.token.expires_at },
    });
  });

  app.get("/api/v1/changes", async (c) => {
    const v = c.get("viewer");
    const after = parseNonNegInt(c.req.query("after"), 0);
    const wait = parseNonNegInt(c.req.query("wait"), 0);
    const limit = parseNonNegInt(c.req.query("limit"), 500);
    if (Number.isNaN(after) || Number.isNaN(wait) || Number.isNaN(limit) || limit < 1)
      return c.json(errorBody("bad_request", "after, wait and limit must be whole numbers (limit ≥ 1)"), 400);
    const deadline = Date.now() + Math.min(wait, maxWait) * 1000;
    for (;;) {
      const seen = signal.version;
      const page = await store.changes(v, { after, limit: Math.min(limit, 1000) });
      const left = deadline - Date.now();
      if (page.changes.length > 0 || left <= 0 || shutdown.signal.aborted || c.req.raw.signal.aborted)
        return c.json(page);
      await signal.wait(seen, left, [c.req.raw.signal]);
    }
  });

  app.get("/api/v1/events", async (c) => {
    const v = c.get("viewer");
    const lastId = c.req.header("last-event-id") ?? c.req.query("after");
    const start = parseNonNegInt(lastId, -1);
    if (Number.isNaN(start))
      return c.json(
        errorBody("bad_request", "Last-Event-ID and after must be a cursor (a whole number)"),
        400,
      );
    const tokenHash = hashToken(/^Bearer\s+(\S+)/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "");
    const cursor = start >= 0 ? start : await store.headCursor(v);
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing && !outgoing.headersSent) {
      // Node's server: write straight to the response (the node server then sends nothing itself)
      feed.open(v, tokenHash, cursor, (first) => nodeSink(outgoing, first));
      return RESPONSE_ALREADY_SENT;
    }
    let body: ReadableStream<Uint8Array> | undefined;
    feed.open(v, tokenHash, cursor, (first) => {
      const web = webSink(first);
      body = web.body;
      return web.sink;
    });
    return new Response(body, { headers: SSE_HEADERS });
  });

  app.get("/api/v1/artifacts", async (c) => {
    const owner = c.req.query("owner");
    const kind = c.req.query("kind");
    if (kind !== undefined && !isKind(kind))
      return c.json(
        errorBody("bad_request", `unknown kind '${kind}'; use skill, command, agent or prompt`),
        400,
      );
    const list = await store.listArtifacts(c.get("viewer"), {
      ...(owner ? { owner } : {}),
      ...(kind ? { kind: kind as Kind } : {}),
    });
    return c.json({ artifacts: list.map(metaJson) });
  });

  /** Validates the `{owner}/{kind}/{name}` of a URL. */
  function keyOf(c: Context<Env>): { key: ArtifactKey } | { response: Response } {
    const owner = c.req.param("owner") ?? "";
    const kind = c.req.param("kind") ?? "";
    const name = c.req.param("name") ?? "";
    if (!isKind(kind))
      return {
        response: c.json(
          errorBody("bad_request", `unknown kind '${kind}'; use skill, command, agent or prompt`),
          400,
        ),
      };
    const op = skillNameProblem(owner);
    if (op) return { response: c.json(errorBody("bad_request", `owner: ${op}`), 400) };
    const np = nameProblem(kind, name);
    if (np) return { response: c.json(errorBody("bad_request", `${np} (${kind})`), 400) };
    return { key: { owner, kind, name } };
  }

  const base = "/api/v1/artifacts/:owner/:kind/:name";

  app.get(base, async (c) => {
    const k = keyOf(c);
    if ("response" in k) return k.response;
    const a = await store.getArtifact(c.get("viewer"), k.key);
    if (!a) return c.json(errorBody("not_found", absent(k.key)), 404);
    c.header("ETag", `"${a.revision}"`);
    return c.json(artifactJson(a));
  });

  app.get(`${base}/versions`, async (c) => {
    const k = keyOf(c);
    if ("response" in k) return k.response;
    const vs = await store.listVersions(c.get("viewer"), k.key);
    if (!vs) return c.json(errorBody("not_found", absent(k.key)), 404);
    return c.json({ versions: vs });
  });

  app.get(`${base}/versions/:n`, async (c) => {
    const k = keyOf(c);
    if ("response" in k) return k.response;
    const n = parseNonNegInt(c.req.param("n"), Number.NaN);
    if (Number.isNaN(n) || n < 1)
      return c.json(errorBody("bad_request", "the revision must be a whole number ≥ 1"), 400);
    const a = await store.getArtifact(c.get("viewer"), k.key, n);
    if (!a)
      return c.json(errorBody("not_found", `${absent(k.key)}, or it has no revision ${n} with files`), 404);
    return c.json(artifactJson(a));
  });

  app.put(
    base,
    bodyLimit({
      maxSize: limits.maxRequestBytes,
      onError: (c) =>
        c.json(
          errorBody(
            "payload_too_large",
            `the request body is over the limit of ${limits.maxRequestBytes} bytes`,
            {
              limit: limits.maxRequestBytes,
            },
          ),
          413,
        ),
    }),
    async (c) => {
      const k = keyOf(c);
      if ("response" in k) return k.response;
      const pre = precondition(c);
      if ("response" in pre) return pre.response;
      let raw: unknown;
      try {
        raw = JSON.parse(await c.req.text());
      } catch {
        return c.json(errorBody("bad_request", "the body is not valid JSON"), 400);
      }
      const parsed = putBodySchema.safeParse(raw);
      if (!parsed.success) return c.json(errorBody("bad_request", zodProblem(parsed.error)), 400);
      const decoded = decodeFiles(k.key.kind, parsed.data, limits);
      if ("problem" in decoded) {
        const p = decoded.problem;
        return p.status === 413
          ? c.json(errorBody("payload_too_large", p.message, { limit: p.limit }), 413)
          : c.json(errorBody("bad_request", p.message), 400);
      }
      if (parsed.data.tree_hash !== undefined) {
        const actual = treeHashOfFiles(decoded.files);
        if (actual !== parsed.data.tree_hash)
          return c.json(
            errorBody(
              "bad_request",
              `the files hash to ${actual}, not to the tree_hash sent (${parsed.data.tree_hash}); the upload was altered or the client hashed other files`,
            ),
            400,
          );
      }
      const r = await store.putArtifact(c.get("viewer"), {
        key: k.key,
        precondition: pre.precondition,
        version: parsed.data.version ?? "",
        files: decoded.files,
        now: now().toISOString(),
      });
      return writeResponse(c, k.key, r, "ifNoneMatch" in pre.precondition);
    },
  );

  app.delete(base, async (c) => {
    const k = keyOf(c);
    if ("response" in k) return k.response;
    const ifMatch = parseRevisionHeader(c.req.header("if-match"));
    if (ifMatch === undefined)
      return c.json(errorBody("precondition_required", "DELETE needs 'If-Match: REVISION'"), 428);
    if (Number.isNaN(ifMatch))
      return c.json(errorBody("bad_request", "If-Match must be a revision number"), 400);
    const r = await store.deleteArtifact(c.get("viewer"), { key: k.key, ifMatch, now: now().toISOString() });
    return writeResponse(c, k.key, r);
  });

  function precondition(c: Context<Env>): { precondition: Precondition } | { response: Response } {
    const ifMatch = parseRevisionHeader(c.req.header("if-match"));
    const ifNoneMatch = c.req.header("if-none-match");
    if (ifMatch !== undefined && ifNoneMatch !== undefined)
      return { response: c.json(errorBody("bad_request", "send If-Match or If-None-Match, not both"), 400) };
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.trim() !== "*")
        return { response: c.json(errorBody("bad_request", "If-None-Match must be '*' (create only)"), 400) };
      return { precondition: { ifNoneMatch: "*" } };
    }
    if (ifMatch === undefined)
      return {
        response: c.json(
          errorBody(
            "precondition_required",
            "PUT needs 'If-Match: REVISION' to replace or 'If-None-Match: *' to create",
          ),
          428,
        ),
      };
    if (Number.isNaN(ifMatch))
      return { response: c.json(errorBody("bad_request", "If-Match must be a revision number"), 400) };
    return { precondition: { ifMatch } };
  }

  function writeResponse(
    c: Context<Env>,
    key: ArtifactKey,
    r: Awaited<ReturnType<HubStore["putArtifact"]>>,
    create = false,
  ) {
    switch (r.status) {
      case "ok":
        c.header("ETag", `"${r.artifact.revision}"`);
        return c.json(
          { artifact: metaJson(r.artifact), unchanged: r.unchanged },
          create && !r.unchanged ? 201 : 200,
        );
      case "not_found":
        return c.json(errorBody("not_found", absent(key)), 404);
      case "forbidden":
        return c.json(
          errorBody("forbidden", `you may read but not write artifacts of team '${key.owner}' (role reader)`),
          403,
        );
      case "conflict":
        return c.json(
          errorBody(
            "conflict",
            r.current_revision === null
              ? `${key.kind}/${key.name} of '${key.owner}' does not exist (any more); create it with If-None-Match: *`
              : `${key.kind}/${key.name} of '${key.owner}' is at revision ${r.current_revision}; fetch, merge and retry with If-Match: ${r.current_revision}`,
            { current_revision: r.current_revision },
          ),
          409,
        );
    }
  }

  return {
    app,
    sse: feed.stats,
    close() {
      unsubscribe();
      shutdown.abort();
      signal.close();
      feed.close();
    },
  };
}

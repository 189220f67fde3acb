/**
 * A typed HTTP client for the hub API v1 (docs/hub-api.md). `publish`, `fetch`, the outbox and the
 * daemon's hub subscription are built on it.
 *
 * Errors: every failure is a {@link HubError} (`SkillsyncError` code `REMOTE`, exit 3) whose message
 * is one line naming the hub URL — never the token — except a `409`, which is a
 * {@link HubConflictError} (code `CONFLICT`, exit 1) carrying the hub's current revision so that the
 * caller turns it into a three-way merge instead of an overwrite. `get`, `versions` and `version`
 * answer `undefined` for a `404` (absent, deleted, or not shared with you: the hub does not say which).
 *
 * Retries: network errors and `5xx` are retried up to `retries` times (default 3) with exponential
 * backoff and full jitter (base 200 ms, cap 5 s); `4xx` is never retried. A retried `PUT` is safe:
 * the hub answers a write whose content equals the current version with `unchanged: true`.
 *
 * @example
 * const hub = createHubClient({ url: "http://127.0.0.1:7070", token });
 * const page = await hub.changes({ after: cursor, wait: 30 });
 * try { await hub.put({ owner: "alice", kind: "skill", name: "pdf" }, { files, ifMatch: base.revision }); }
 * catch (e) { if (e instanceof HubConflictError) mergeWith(e.currentRevision); else throw e; }
 */

import { z } from "zod";
import { SkillsyncError } from "../core/errors.js";
import {
  type ArtifactKey,
  type ArtifactMeta,
  artifactListSchema,
  artifactWithFilesSchema,
  type ChangeEntry,
  type ChangePage,
  changeEntrySchema,
  changePageSchema,
  type VersionMeta,
  versionListSchema,
  wireProblem,
  writeResultSchema,
} from "../core/hub-wire.js";
import type { Kind } from "../core/names.js";
import { parseSse } from "../core/sse.js";
import type { FileMode } from "../core/tree-hash.js";
import { HubConflictError, HubError } from "./hub-errors.js";

/** An artifact's address on a hub (core/hub-wire.ts). */
export type HubKey = ArtifactKey;
/** Metadata of an artifact version on the hub (core/hub-wire.ts). */
export type HubArtifactMeta = ArtifactMeta;
/** One change in the hub's feed (core/hub-wire.ts). */
export type HubChange = ChangeEntry;
/** A page of changes: pass `cursor` as `after` next; `more` means ask again at once (core/hub-wire.ts). */
export type HubChangePage = ChangePage;
/** One entry of an artifact's history (core/hub-wire.ts). */
export type HubVersion = VersionMeta;

/** One file of an artifact: relative `/` path, mode, bytes. */
export interface HubFile {
  path: string;
  mode: FileMode;
  data: Uint8Array;
}

/** An artifact with its files (decoded). */
export interface HubArtifact extends HubArtifactMeta {
  files: HubFile[];
}

/** `GET /api/v1/me`. */
export interface HubMe {
  user: { name: string; created_at: string };
  teams: { name: string; role: "reader" | "writer" | "admin" }[];
  token: { id: string; created_at: string; expires_at: string | null };
}

const meSchema = z.object({
  user: z.object({ name: z.string(), created_at: z.string() }),
  teams: z.array(z.object({ name: z.string(), role: z.enum(["reader", "writer", "admin"]) })),
  token: z.object({ id: z.string(), created_at: z.string(), expires_at: z.string().nullable() }),
});

/** The result of a successful `put`/`delete`. */
export interface HubWriteResult {
  artifact: HubArtifactMeta;
  /** True when the content equalled the current version: nothing was written. */
  unchanged: boolean;
}

export { HubConflictError, HubError, type HubErrorReason, isHubUnreachable } from "./hub-errors.js";

/** Options of {@link createHubClient}. */
export interface HubClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:7070` (a trailing `/` is fine). */
  url: string;
  /**
   * The API token (sent as `Authorization: Bearer`; never put in a message). Undefined sends no
   * `Authorization` (the daemon watching a remote it is not logged in to; the hub answers 401).
   */
  token: string | undefined;
  /** Remote name used in hints (`skillsync login NAME`), default `REMOTE`. */
  remoteName?: string;
  /** Injected fetch, default the global one (undici). */
  fetch?: typeof fetch;
  /** Retries after the first attempt for network errors and 5xx, default 3. */
  retries?: number;
  /** Told before each retry (attempt counts from 1; delay in ms). */
  onRetry?: (info: { attempt: number; delayMs: number; error: HubError }) => void;
  /** Backoff base (ms), default 200; delay = random(0, min(cap, base·2^attempt)). */
  baseDelayMs?: number;
  /** Backoff cap (ms), default 5,000. */
  maxDelayMs?: number;
  /** Per-attempt timeout (ms) on top of any long-poll wait, default 30,000. */
  timeoutMs?: number;
  /** Random source in [0, 1) for jitter (tests), default `Math.random`. */
  random?: () => number;
}

/** Options of {@link HubClient.subscribe}. */
export interface HubSubscribeOptions {
  /** Start after this cursor (sent as `Last-Event-ID`); default: only changes from now on. */
  after?: number;
  /** Called for each change, in cursor order; awaited before the next. */
  onChange: (change: HubChange) => void | Promise<void>;
  /** Called when the hub answers with an event stream (before its `ready` event). */
  onOpen?: () => void;
  /** Called when a (re)connection is established, with the cursor it resumes from. */
  onReady?: (cursor: number) => void;
  /** Told about a dropped connection before reconnecting. */
  onDisconnect?: (error: HubError) => void;
  /** Ends the subscription (the promise then resolves). */
  signal: AbortSignal;
  /**
   * Reconnect when the stream is silent this long (ms), default 45,000 (the hub pings every 15 s),
   * so a connection that died without a reset is noticed.
   */
  idleTimeoutMs?: number;
}

/** The typed hub API. Every method throws {@link HubError} (see the module comment). */
export interface HubClient {
  /** The base URL without a trailing slash. */
  readonly url: string;
  /** Who the token belongs to. */
  me(): Promise<HubMe>;
  /** Changes after `after` (default 0); `wait` seconds long-polls while nothing changed. */
  changes(opts?: {
    after?: number;
    wait?: number;
    limit?: number;
    signal?: AbortSignal;
  }): Promise<HubChangePage>;
  /** Current artifacts visible to the caller. */
  list(filter?: { owner?: string; kind?: Kind }): Promise<HubArtifactMeta[]>;
  /** The current version with files, or undefined when absent/deleted/not shared. */
  get(key: HubKey): Promise<HubArtifact | undefined>;
  /** The history, or undefined when absent/not shared. */
  versions(key: HubKey): Promise<HubVersion[] | undefined>;
  /** Revision `revision` with files, or undefined. */
  version(key: HubKey, revision: number): Promise<HubArtifact | undefined>;
  /**
   * Creates (`ifNoneMatch: true`) or replaces revision `ifMatch`.
   * @throws HubConflictError when the hub is at another revision (or the artifact exists on create)
   */
  put(
    key: HubKey,
    body: { files: readonly HubFile[]; version?: string; treeHash?: string } & (
      | { ifMatch: number; ifNoneMatch?: undefined }
      | { ifNoneMatch: true; ifMatch?: undefined }
    ),
  ): Promise<HubWriteResult>;
  /**
   * Deletes revision `ifMatch`. @throws HubConflictError when the hub is at another revision
   * @throws HubError not_found when it is already gone
   */
  delete(key: HubKey, opts: { ifMatch: number }): Promise<HubWriteResult>;
  /**
   * Follows `GET /api/v1/events` (SSE), reconnecting with `Last-Event-ID` after drops (backoff as
   * for retries, unbounded while `signal` is not aborted). Resolves when `signal` aborts.
   * Delivery: each change is passed to `onChange` once per connection, in cursor order; the cursor
   * advances only after `onChange` resolves, so after a drop a change is never skipped.
   * @throws HubError for 4xx answers (bad token, bad cursor), which reconnecting cannot fix, and
   *   `not_found` for a 2xx answer that is not `text/event-stream` (a proxy or a hub without events)
   * @throws whatever `onChange` throws (the subscription ends)
   */
  subscribe(opts: HubSubscribeOptions): Promise<void>;
}

interface ErrorBody {
  error?: { code?: string; message?: string; current_revision?: number | null; limit?: number };
}

function keyPath(k: HubKey): string {
  return `${encodeURIComponent(k.owner)}/${encodeURIComponent(k.kind)}/${encodeURIComponent(k.name)}`;
}

function toBase64(d: Uint8Array): string {
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString("base64");
}

function decodeArtifact(
  raw: HubArtifactMeta & { files: { path: string; mode: FileMode; data: string }[] },
): HubArtifact {
  return {
    ...raw,
    files: raw.files.map((f) => ({ path: f.path, mode: f.mode, data: Buffer.from(f.data, "base64") })),
  };
}

function networkCause(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } })?.cause;
  if (c?.code) return c.code;
  if ((e as Error)?.name === "TimeoutError") return "timed out";
  return c?.message ?? (e as Error)?.message ?? String(e);
}

/**
 * Creates a client for one hub.
 * @throws SkillsyncError USAGE when `url` is not an http(s) URL
 */
export function createHubClient(opts: HubClientOptions): HubClient {
  let base: string;
  try {
    const u = new URL(opts.url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("protocol");
    base = u.toString().replace(/\/+$/, "");
  } catch {
    throw new SkillsyncError("USAGE", `hub URL '${opts.url}' is not an http:// or https:// URL`);
  }
  const doFetch = opts.fetch ?? globalThis.fetch;
  const retries = opts.retries ?? 3;
  const baseDelay = opts.baseDelayMs ?? 200;
  const maxDelay = opts.maxDelayMs ?? 5000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const random = opts.random ?? Math.random;
  const remote = opts.remoteName ?? "REMOTE";
  const auth: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};

  const backoff = (attempt: number): number =>
    Math.floor(random() * Math.min(maxDelay, baseDelay * 2 ** attempt));
  const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    });

  function unreachable(e: unknown): HubError {
    return new HubError({
      reason: "unreachable",
      status: undefined,
      message: `hub at ${base} is unreachable (${networkCause(e)}); publish queues changes in the outbox until it is back`,
      cause: e,
    });
  }

  /** Turns a non-2xx answer into a HubError. */
  async function errorFrom(res: Response, what: string): Promise<HubError> {
    let body: ErrorBody = {};
    try {
      body = (await res.json()) as ErrorBody;
    } catch {
      // not JSON (a proxy's page): keep the status only
    }
    const msg = body.error?.message ?? res.statusText;
    const s = res.status;
    if (s === 401)
      return new HubError({
        reason: "unauthorized",
        status: s,
        message: `hub at ${base} refused the token (invalid, expired or revoked); get a new token and run 'skillsync login ${remote} --token TOKEN'`,
      });
    if (s === 403)
      return new HubError({
        reason: "forbidden",
        status: s,
        message: `hub at ${base} refused to ${what}: ${msg}`,
      });
    if (s === 404) return new HubError({ reason: "not_found", status: s, message: `hub at ${base}: ${msg}` });
    if (s === 409)
      return new HubConflictError({
        message: `hub at ${base} refused to ${what}: ${msg}`,
        currentRevision: body.error?.current_revision ?? null,
      });
    if (s === 413)
      return new HubError({
        reason: "too_large",
        status: s,
        message: `hub at ${base} refused to ${what}, too large: ${msg}`,
        details: { limit: body.error?.limit },
      });
    if (s === 429)
      return new HubError({
        reason: "rate_limited",
        status: s,
        message: `hub at ${base} is refusing this address after repeated bad tokens; retry in ${res.headers.get("retry-after") ?? "a few"} s`,
      });
    if (s >= 500)
      return new HubError({
        reason: "server",
        status: s,
        message: `hub at ${base} failed to ${what} (HTTP ${s}): ${msg}`,
      });
    return new HubError({
      reason: "bad_request",
      status: s,
      message: `hub at ${base} rejected the request to ${what} (HTTP ${s}): ${msg}`,
    });
  }

  /** One API call with retries; returns the response for 2xx and (when `allow404`) 404. */
  async function call(input: {
    method: string;
    path: string;
    what: string;
    headers?: Record<string, string>;
    body?: string;
    allow404?: boolean;
    extraTimeoutMs?: number;
    signal?: AbortSignal;
  }): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let error: HubError;
      try {
        const timeout = AbortSignal.timeout(timeoutMs + (input.extraTimeoutMs ?? 0));
        const res = await doFetch(`${base}${input.path}`, {
          method: input.method,
          headers: {
            ...auth,
            accept: "application/json",
            ...(input.body !== undefined ? { "content-type": "application/json" } : {}),
            ...input.headers,
          },
          ...(input.body !== undefined ? { body: input.body } : {}),
          signal: input.signal ? AbortSignal.any([timeout, input.signal]) : timeout,
        });
        if (res.ok || (input.allow404 && res.status === 404)) return res;
        error = await errorFrom(res, input.what);
        if (res.status < 500) throw error;
      } catch (e) {
        if (e instanceof HubError) throw e;
        if (input.signal?.aborted) throw unreachable(e);
        error = unreachable(e);
      }
      if (attempt >= retries) {
        if (error.reason === "server")
          throw new HubError({
            reason: "server",
            status: error.status,
            message: `${error.message} (after ${attempt + 1} attempts)`,
          });
        throw error;
      }
      const delayMs = backoff(attempt);
      opts.onRetry?.({ attempt: attempt + 1, delayMs, error });
      await sleep(delayMs, input.signal);
    }
  }

  /**
   * Reads a JSON answer and validates it against `schema` (names, paths, shapes: core/hub-wire.ts),
   * before any caller builds a path from it.
   * @throws HubError `invalid_response` (exit 3) naming the first problem; nothing has been written
   */
  async function json<T>(res: Response, schema: z.ZodType, what: string): Promise<T> {
    let body: unknown;
    try {
      body = await res.json();
    } catch (e) {
      throw invalidResponse(what, `not JSON (${(e as Error).message})`, res.status);
    }
    const r = schema.safeParse(body);
    if (!r.success) throw invalidResponse(what, wireProblem(r.error), res.status);
    return body as T;
  }

  function invalidResponse(what: string, problem: string, status: number | undefined): HubError {
    return new HubError({
      reason: "invalid_response",
      status,
      message: `hub ${base} answered '${what}' with something this client refuses: ${problem}; nothing was changed`,
    });
  }

  /** The answer about `key` must be about `key`: a hub answering another artifact is refused. */
  function sameKey<T extends ArtifactKey>(key: ArtifactKey, got: T): T {
    if (got.owner !== key.owner || got.kind !== key.kind || got.name !== key.name)
      throw invalidResponse(
        `read ${key.kind}/${key.name}`,
        `it answered ${got.kind}/${got.name} of '${got.owner}' instead of ${key.kind}/${key.name} of '${key.owner}'`,
        200,
      );
    return got;
  }

  const client: HubClient = {
    url: base,

    async me() {
      return json<HubMe>(
        await call({ method: "GET", path: "/api/v1/me", what: "say who you are" }),
        meSchema,
        "say who you are",
      );
    },

    async changes(o = {}) {
      const q = new URLSearchParams({ after: String(o.after ?? 0) });
      if (o.wait) q.set("wait", String(o.wait));
      if (o.limit) q.set("limit", String(o.limit));
      const res = await call({
        method: "GET",
        path: `/api/v1/changes?${q}`,
        what: "list changes",
        extraTimeoutMs: (o.wait ?? 0) * 1000,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      return json<HubChangePage>(res, changePageSchema, "list changes");
    },

    async list(filter = {}) {
      const q = new URLSearchParams();
      if (filter.owner) q.set("owner", filter.owner);
      if (filter.kind) q.set("kind", filter.kind);
      const qs = q.size > 0 ? `?${q}` : "";
      const res = await call({ method: "GET", path: `/api/v1/artifacts${qs}`, what: "list artifacts" });
      return (await json<{ artifacts: HubArtifactMeta[] }>(res, artifactListSchema, "list artifacts"))
        .artifacts;
    },

    async get(key) {
      const res = await call({
        method: "GET",
        path: `/api/v1/artifacts/${keyPath(key)}`,
        what: `read ${key.kind}/${key.name}`,
        allow404: true,
      });
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      return decodeArtifact(
        sameKey(
          key,
          await json<Parameters<typeof decodeArtifact>[0]>(
            res,
            artifactWithFilesSchema,
            `read ${key.kind}/${key.name}`,
          ),
        ),
      );
    },

    async versions(key) {
      const res = await call({
        method: "GET",
        path: `/api/v1/artifacts/${keyPath(key)}/versions`,
        what: `list versions of ${key.kind}/${key.name}`,
        allow404: true,
      });
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      return (await json<{ versions: HubVersion[] }>(res, versionListSchema, "list versions")).versions;
    },

    async version(key, revision) {
      const res = await call({
        method: "GET",
        path: `/api/v1/artifacts/${keyPath(key)}/versions/${revision}`,
        what: `read revision ${revision} of ${key.kind}/${key.name}`,
        allow404: true,
      });
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      return decodeArtifact(
        sameKey(
          key,
          await json<Parameters<typeof decodeArtifact>[0]>(
            res,
            artifactWithFilesSchema,
            `read ${key.kind}/${key.name}`,
          ),
        ),
      );
    },

    async put(key, body) {
      const headers: Record<string, string> =
        body.ifNoneMatch === true ? { "if-none-match": "*" } : { "if-match": String(body.ifMatch) };
      const payload = JSON.stringify({
        ...(body.version !== undefined ? { version: body.version } : {}),
        ...(body.treeHash !== undefined ? { tree_hash: body.treeHash } : {}),
        files: body.files.map((f) => ({ path: f.path, mode: f.mode, data: toBase64(f.data) })),
      });
      const res = await call({
        method: "PUT",
        path: `/api/v1/artifacts/${keyPath(key)}`,
        what: `publish ${key.kind}/${key.name} of '${key.owner}'`,
        headers,
        body: payload,
      });
      return json<HubWriteResult>(res, writeResultSchema, `publish ${key.kind}/${key.name}`);
    },

    async delete(key, o) {
      const res = await call({
        method: "DELETE",
        path: `/api/v1/artifacts/${keyPath(key)}`,
        what: `delete ${key.kind}/${key.name} of '${key.owner}'`,
        headers: { "if-match": String(o.ifMatch) },
      });
      return json<HubWriteResult>(res, writeResultSchema, `delete ${key.kind}/${key.name}`);
    },

    async subscribe(o) {
      let last: number | undefined = o.after;
      let failures = 0;
      const idleMs = o.idleTimeoutMs ?? 45_000;
      while (!o.signal.aborted) {
        let dropped: HubError;
        const conn = new AbortController();
        let idle: NodeJS.Timeout | undefined;
        const alive = (): void => {
          clearTimeout(idle);
          idle = setTimeout(() => conn.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
        };
        try {
          alive();
          const res = await doFetch(`${base}/api/v1/events`, {
            headers: {
              ...auth,
              accept: "text/event-stream",
              ...(last !== undefined ? { "last-event-id": String(last) } : {}),
            },
            signal: AbortSignal.any([o.signal, conn.signal]),
          });
          if (!res.ok) {
            const err = await errorFrom(res, "stream events");
            if (res.status < 500) throw err;
            dropped = err;
          } else if (!(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
            await res.body?.cancel().catch(() => {});
            throw new HubError({
              reason: "not_found",
              status: res.status,
              message: `hub at ${base} does not serve an event stream at /api/v1/events (content-type '${res.headers.get("content-type") ?? ""}')`,
            });
          } else {
            o.onOpen?.();
            dropped = await readEvents(res, {
              onChunk: alive,
              signal: AbortSignal.any([o.signal, conn.signal]),
              onEvent: async (ev) => {
                if (ev.event === "ready") {
                  failures = 0;
                  const c = (JSON.parse(ev.data) as { cursor: number }).cursor;
                  if (last === undefined) last = c;
                  o.onReady?.(c);
                } else if (ev.event === "change") {
                  const parsed = changeEntrySchema.safeParse(JSON.parse(ev.data));
                  if (!parsed.success)
                    throw invalidResponse("stream events", wireProblem(parsed.error), res.status);
                  const change = parsed.data as HubChange;
                  try {
                    await o.onChange(change);
                  } catch (e) {
                    throw new CallbackFailure(e);
                  }
                  last = change.cursor;
                } else if (ev.event === "error") {
                  throw await errorFrom(new Response(ev.data, { status: 401 }), "stream events");
                }
              },
            });
          }
        } catch (e) {
          if (e instanceof CallbackFailure) throw e.cause;
          if (o.signal.aborted) return;
          if (e instanceof HubError && e.reason !== "server" && e.reason !== "unreachable") throw e;
          dropped = e instanceof HubError ? e : unreachable(conn.signal.aborted ? conn.signal.reason : e);
        } finally {
          clearTimeout(idle);
          conn.abort();
        }
        if (o.signal.aborted) return;
        o.onDisconnect?.(dropped);
        await sleep(backoff(Math.min(failures++, 10)), o.signal);
      }
    },
  };
  return client;
}

/** Wraps an error thrown by a subscriber's own callback, so that it ends the subscription. */
class CallbackFailure extends Error {
  constructor(readonly original: unknown) {
    super("subscriber callback failed");
    this.cause = original;
  }
}

/** Reads an SSE body until it ends; returns the error describing the drop. */
async function readEvents(
  res: Response,
  handlers: {
    onEvent: (ev: { event: string; data: string; id: string | undefined }) => Promise<void>;
    onChunk: () => void;
    /** Aborting it ends the read at once (even when the body ignores aborts). */
    signal: AbortSignal;
  },
): Promise<HubError> {
  const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
  if (!reader)
    return new HubError({ reason: "server", status: res.status, message: "event stream has no body" });
  let buffer = "";
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(handlers.signal.reason);
    if (handlers.signal.aborted) onAbort();
    else handlers.signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    for (;;) {
      const { value, done } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      handlers.onChunk();
      buffer += value.replace(/\r\n?/g, "\n");
      const { events, rest } = parseSse(buffer);
      buffer = rest;
      for (const ev of events) await handlers.onEvent(ev);
    }
  } finally {
    reader.releaseLock();
  }
  return new HubError({
    reason: "unreachable",
    status: undefined,
    message: "the hub closed the event stream",
  });
}

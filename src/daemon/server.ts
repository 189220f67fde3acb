/**
 * The daemon's local HTTP API (Hono) on 127.0.0.1, plus the built web UI from `dist/web/`.
 *
 * Security rules (all routes): the `Host` header must name this daemon (127.0.0.1, localhost or
 * [::1] with its port), which defeats DNS rebinding; no CORS headers are ever sent. Mutating
 * routes (anything but GET/HEAD/OPTIONS) also need the per-home token in `X-Skillsync-Token` and,
 * when an `Origin` header is present, the daemon's own origin; otherwise 403.
 */
import { timingSafeEqual } from "node:crypto";
import { promises as fsp } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";
import type { FsmonitorRequest, FsmonitorResponse } from "../core/fsmonitor.js";
import type { DaemonContext, LocalSkill } from "./context.js";
import { parseFsmonitorRequest } from "./fsmonitor.js";
import { COLLECTION_LOCATION } from "./scan.js";

/** Options of {@link createApp}. */
export interface AppOptions {
  ctx: DaemonContext;
  /** The port the server listens on (known after listen). */
  port(): number;
  /** Folder of the built UI (`index.html` and assets); default `dist/web` beside this module. */
  webRoot?: string;
  /** Adds the web UI's routes (`registerUiRoutes` of ui-api.ts). */
  registerUi?: (app: Hono, ctx: DaemonContext) => void;
  /** Remote artifacts the daemon learned from hub fetches: remote → `kind/name` → tree hash. */
  remoteArtifacts?: () => Map<string, Map<string, string | null>>;
  /** Answers `POST /api/fsmonitor` (`Fsmonitor.query` of fsmonitor.ts); without it the route is absent. */
  fsmonitor?: (req: FsmonitorRequest) => Promise<FsmonitorResponse>;
}

/** Header carrying the per-home token. */
export const TOKEN_HEADER = "x-skillsync-token";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** The default web root: `dist/web` (this module is `dist/daemon/server.js` once built). */
export function defaultWebRoot(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const beside = resolve(here, "..", "web");
  // Running from source (tests): src/daemon → use the built dist/web of the package.
  return here.includes(`${sep}src${sep}daemon`) ? resolve(here, "..", "..", "dist", "web") : beside;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Injects the token as `<meta name="skillsync-token">` into an HTML page's head. */
export function injectToken(html: string, token: string): string {
  const meta = `<meta name="skillsync-token" content="${token}">`;
  return html.includes("</head>") ? html.replace("</head>", `${meta}</head>`) : `${meta}${html}`;
}

/** The merged view of `GET /api/skills`: every artifact by `kind/name`, per place. */
export function mergedView(
  rows: readonly LocalSkill[],
  remotes: Map<string, Map<string, string | null>>,
): {
  places: { id: string; kind: "collection" | "project" | "remote"; location: string }[];
  artifacts: {
    id: string;
    kind: string;
    name: string;
    places: Record<
      string,
      { tree_hash: string | null; valid: boolean; problems: string[]; version: string | null }
    >;
    in_sync: boolean;
  }[];
} {
  const places = new Map<
    string,
    { id: string; kind: "collection" | "project" | "remote"; location: string }
  >();
  places.set("collection", { id: "collection", kind: "collection", location: COLLECTION_LOCATION });
  const byId = new Map<
    string,
    {
      id: string;
      kind: string;
      name: string;
      places: Record<
        string,
        { tree_hash: string | null; valid: boolean; problems: string[]; version: string | null }
      >;
    }
  >();
  const entry = (kind: string, name: string) => {
    const id = `${kind}/${name}`;
    let e = byId.get(id);
    if (!e) {
      e = { id, kind, name, places: {} };
      byId.set(id, e);
    }
    return e;
  };
  for (const r of rows) {
    const placeId = r.location === COLLECTION_LOCATION ? "collection" : `project:${r.location}`;
    if (!places.has(placeId)) places.set(placeId, { id: placeId, kind: "project", location: r.location });
    entry(r.kind, r.name).places[placeId] = {
      tree_hash: r.tree_hash,
      valid: r.valid,
      problems: r.problems,
      version: r.version,
    };
  }
  for (const [remote, arts] of remotes) {
    const placeId = `remote:${remote}`;
    places.set(placeId, { id: placeId, kind: "remote", location: remote });
    for (const [id, hash] of arts) {
      const slash = id.indexOf("/");
      const kind = slash > 0 ? id.slice(0, slash) : "skill";
      const name = slash > 0 ? id.slice(slash + 1) : id;
      entry(kind, name).places[placeId] = { tree_hash: hash, valid: true, problems: [], version: null };
    }
  }
  const artifacts = [...byId.values()]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((a) => {
      const hashes = new Set(Object.values(a.places).map((p) => p.tree_hash));
      return { ...a, in_sync: hashes.size === 1 };
    });
  return { places: [...places.values()], artifacts };
}

/**
 * Builds the Hono app: the API routes, the UI's routes, and the static UI with the token injected
 * into `index.html` (served for any non-API GET that is not a file: SPA routing).
 */
export async function createApp(opts: AppOptions): Promise<Hono> {
  const { Hono } = await import("hono");
  const { streamSSE } = await import("hono/streaming");
  const { ctx } = opts;
  const app = new Hono();
  const webRoot = resolve(opts.webRoot ?? defaultWebRoot());
  const allowedHosts = () => {
    const p = opts.port();
    return new Set([`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`]);
  };
  const ownOrigins = () => {
    const p = opts.port();
    return new Set([`http://127.0.0.1:${p}`, `http://localhost:${p}`, `http://[::1]:${p}`]);
  };

  app.use("*", async (c, next) => {
    const host = c.req.header("host");
    if (!host || !allowedHosts().has(host.toLowerCase()))
      return c.json(
        { error: "forbidden: unexpected Host header; use http://127.0.0.1 with the daemon's port" },
        403,
      );
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD" && method !== "OPTIONS") {
      const origin = c.req.header("origin");
      if (origin !== undefined && !ownOrigins().has(origin))
        return c.json({ error: "forbidden: cross-origin request" }, 403);
      if (!sameToken(c.req.header(TOKEN_HEADER), ctx.token))
        return c.json(
          {
            error: `forbidden: missing or wrong ${TOKEN_HEADER} header (the token is in $SKILLSYNC_HOME/daemon.token)`,
          },
          403,
        );
    }
    await next();
  });

  app.get("/api/skills/sync/status", (c) => c.json(ctx.status()));
  app.get("/api/daemon/status", (c) => c.json(ctx.daemonStatus()));
  app.get("/api/skills", (c) => c.json(mergedView(ctx.localSkills(), opts.remoteArtifacts?.() ?? new Map())));
  app.get("/api/sync/history", (c) => {
    const n = Number(c.req.query("limit") ?? "50");
    return c.json(ctx.history(Number.isFinite(n) && n > 0 ? Math.min(n, 1000) : 50));
  });
  app.post("/api/sync", async (c) => {
    const wait = c.req.query("wait");
    const done = ctx.requestSync("manual");
    if (wait === "1" || wait === "true") {
      await done;
      return c.json({ done: true, status: ctx.status() });
    }
    return c.json({ queued: true }, 202);
  });
  app.get("/api/events", (c) =>
    streamSSE(c, async (stream) => {
      const queue: string[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = ctx.subscribe((e) => {
        queue.push(JSON.stringify(e));
        wake?.();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      await stream.writeSSE({
        data: JSON.stringify({ type: "hello", at: new Date(ctx.now()).toISOString() }),
      });
      try {
        while (open) {
          const next = queue.shift();
          if (next !== undefined) {
            await stream.writeSSE({ data: next });
            continue;
          }
          let ping: ReturnType<typeof setTimeout> | undefined;
          await new Promise<void>((r) => {
            wake = r;
            ping = setTimeout(r, 15_000);
          });
          clearTimeout(ping);
          wake = undefined;
          if (open && queue.length === 0) await stream.write(": ping\n\n");
        }
      } finally {
        unsubscribe();
      }
    }),
  );

  const fsmonitor = opts.fsmonitor;
  if (fsmonitor)
    // Mutating for the rules above (POST: token and Host checked): it writes a cookie file, and its
    // answer names paths under the user's projects.
    app.post("/api/fsmonitor", async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return c.json({ error: "invalid fsmonitor request: the body is not JSON" }, 400);
      }
      const parsed = parseFsmonitorRequest(body);
      if (!parsed.ok) return c.json({ error: parsed.error }, 400);
      return c.json(await fsmonitor(parsed.request));
    });

  opts.registerUi?.(app, ctx);

  app.all("/api/*", (c) => c.json({ error: `no such route: ${c.req.method} ${c.req.path}` }, 404));

  app.get("*", async (c) => {
    const rel = decodeURIComponent(c.req.path).replace(/^\/+/, "");
    const file = resolve(webRoot, rel);
    if (rel !== "" && (file === webRoot || file.startsWith(webRoot + sep)) && !rel.endsWith("index.html")) {
      try {
        const st = await fsp.stat(file);
        if (st.isFile()) {
          const body = await fsp.readFile(file);
          return c.body(body, 200, {
            "content-type": TYPES[extname(file)] ?? "application/octet-stream",
            "cache-control": rel.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache",
          });
        }
      } catch {}
    }
    let html: string;
    try {
      html = await fsp.readFile(join(webRoot, "index.html"), "utf8");
    } catch {
      html =
        "<!doctype html><html><head><title>skillsync</title></head><body><p>The skillsync web UI is not built. Run <code>npm run build</code>; the API is at <code>/api/skills/sync/status</code>.</p></body></html>";
    }
    return c.html(injectToken(html, ctx.token), 200, { "cache-control": "no-store" });
  });
  return app;
}

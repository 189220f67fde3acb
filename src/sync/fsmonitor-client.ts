import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { createRequire } from "node:module";
import { basename, dirname, join, sep } from "node:path";
import type { FsmonitorResponse, FsmonitorRootAnswer } from "../core/fsmonitor.js";
import type { Layout } from "../core/layout.js";
import { readToken, runningDaemon } from "../store/daemon-info.js";
import { readFsmonitorTokens, writeFsmonitorTokens } from "../store/state/fsmonitor-tokens.js";
import { openStateDb } from "../store/state-db.js";
import type { Workspace } from "./workspace.js";

/** One root to ask about: its absolute folder (as the caller spells it) and its layout. */
export interface MonitoredRoot {
  root: string;
  layout: Layout;
}

/** What the daemon vouched for, ready for `readSides`. */
export interface FsmonitorAnswer {
  /**
   * True when nothing under the artifact at `path` (absolute, as located under one of the roots
   * asked about) changed since the last committed status.
   */
  untouched(path: string): boolean;
  /** True when the daemon vouched for `root` (one of the roots asked about), i.e. did not answer `all`. */
  vouches(root: string): boolean;
  /** Per root: `all` (walk everything, with the daemon's reason) or the number of changed locations. */
  summary: Record<string, { all: true; reason: string } | { all: false; changed: number }>;
  /** Saves the answer's token(s) as the starting point of the next status. */
  commit(): void;
  /** Per root: the token the question started from ("" on first use). */
  since: ReadonlyMap<string, string>;
  /** Per root: the token of this answer (saved by {@link commit}). */
  tokens: ReadonlyMap<string, string>;
  /** True when the daemon vouched for every root and named no change at all. */
  quiet: boolean;
}

/** How long to wait for the daemon (ms) before walking everything instead. */
export const FSMONITOR_TIMEOUT_MS = 3000;

/** `node:http`'s `request`, loaded on first use: a status without `status.fsmonitor` asks no daemon. */
function request(options: RequestOptions, onResponse: (res: IncomingMessage) => void): ClientRequest {
  const http = createRequire(import.meta.url)("node:http") as typeof import("node:http");
  return http.request(options, onResponse);
}

function post(port: number, token: string, body: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/api/fsmonitor",
        agent: false,
        headers: {
          host: `127.0.0.1:${port}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-skillsync-token": token,
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode === 200) resolve(text);
          else reject(new Error(`daemon answered ${res.statusCode}: ${text.slice(0, 200)}`));
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** The running daemon's port and the home's API token, or a reason why there is none. */
async function findDaemon(ws: Workspace): Promise<{ port: number; token: string } | string> {
  const info = await runningDaemon(ws.paths);
  if (!info) return "no daemon is running for this home";
  const token = await readToken(ws.paths);
  if (!token) return "the daemon's token (daemon.token) cannot be read";
  return { port: info.port, token };
}

function validAnswer(a: unknown): a is FsmonitorRootAnswer {
  if (!a || typeof a !== "object") return false;
  const o = a as { all?: unknown; changed?: unknown };
  if (o.all === true) return true;
  return o.all === false && Array.isArray(o.changed) && o.changed.every((c) => typeof c === "string");
}

/**
 * The location a daemon-reported path stands for under `root`: the daemon may spell the root
 * differently (symlinks), but every location it reports is `<its root>/<layout dir>/<entry>`, so the
 * layout folder and entry at the end identify it.
 */
function relocate(changed: string, root: MonitoredRoot): string[] {
  const parent = dirname(changed);
  const entry = basename(changed);
  const out: string[] = [];
  for (const p of Object.values(root.layout)) {
    const dir = p.dir.split("/").join(sep);
    if (parent === dir || parent.endsWith(`${sep}${dir}`)) out.push(join(root.root, dir, entry));
  }
  return out;
}

/**
 * Asks the daemon about `roots`. Returns the answer, or a string saying why the monitor cannot be
 * used this time (the caller walks everything and may mention it). Never throws.
 */
export async function queryFsmonitor(
  ws: Workspace,
  roots: readonly MonitoredRoot[],
  timeoutMs = FSMONITOR_TIMEOUT_MS,
): Promise<FsmonitorAnswer | string> {
  const daemon = await findDaemon(ws);
  if (typeof daemon === "string") return daemon;
  const db = openStateDb(ws.paths.stateDb);
  const stored = readFsmonitorTokens(
    db,
    roots.map((r) => r.root),
  );
  // Roots last answered with the same token are asked about together; usually one request.
  const groups = new Map<string, MonitoredRoot[]>();
  const sinceByRoot = new Map<string, string>();
  for (const r of roots) {
    const since = stored.get(r.root) ?? "";
    sinceByRoot.set(r.root, since);
    const g = groups.get(since);
    if (g) g.push(r);
    else groups.set(since, [r]);
  }
  const all = new Set<string>();
  const changed = new Set<string>();
  let named = 0;
  const newTokens = new Map<string, string>();
  const summary: FsmonitorAnswer["summary"] = {};
  try {
    for (const [since, group] of groups) {
      const body = JSON.stringify({ roots: group.map((g) => g.root), since: since || null });
      const res = JSON.parse(await post(daemon.port, daemon.token, body, timeoutMs)) as FsmonitorResponse;
      if (typeof res?.token !== "string" || !res.roots || typeof res.roots !== "object")
        return "the daemon's answer is malformed";
      for (const g of group) {
        const a = res.roots[g.root];
        if (!validAnswer(a)) return `the daemon's answer for ${g.root} is malformed`;
        newTokens.set(g.root, res.token);
        if (a.all) {
          all.add(g.root);
          summary[g.root] = { all: true, reason: typeof a.reason === "string" ? a.reason : "unknown" };
        } else {
          named += a.changed.length;
          for (const c of a.changed) for (const loc of relocate(c, g)) changed.add(loc);
          summary[g.root] = { all: false, changed: a.changed.length };
        }
      }
    }
  } catch (e) {
    return `the daemon did not answer: ${(e as Error).message}`;
  }
  // A path belongs to the innermost root holding it (a collection may live inside a project).
  const innermostFirst = roots
    .map((r) => ({ prefix: r.root.endsWith(sep) ? r.root : r.root + sep, vouched: !all.has(r.root) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    untouched: (path) => {
      if (changed.has(path)) return false;
      return innermostFirst.find((r) => path.startsWith(r.prefix))?.vouched ?? false;
    },
    vouches: (root) => roots.some((r) => r.root === root) && !all.has(root),
    since: sinceByRoot,
    tokens: newTokens,
    quiet: all.size === 0 && named === 0,
    summary,
    commit: () => writeFsmonitorTokens(db, newTokens),
  };
}

/**
 * The skillsync MCP server (official `@modelcontextprotocol/sdk`, `McpServer`): codex documents and
 * collection skills as resources, cache and collection operations as tools. Every tool validates its
 * input with zod and reports failures as MCP tool errors (`isError: true`); nothing a client sends
 * can crash the server. Transport-agnostic: the CLI connects it to stdio or streamable HTTP, tests
 * to an in-memory transport.
 *
 * Resources:
 * - `codex://{org}/{project}/{+path}`: served from the project's doc cache; a miss or an expired
 *   entry is fetched from the codex repository and cached; when the repository is unreachable a
 *   stale copy is served with a warning in `_meta.warning`.
 * - `skill://{name}`: a collection skill's `SKILL.md`; `skill://{name}/{+path}`: its other files.
 */
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, ReadResourceResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { cacheRootFor, listCache, loadCacheIndex } from "../codex/cache.js";
import { CodexRepoCache, cacheHealth, clearCodexCache, readCodexDocument } from "../codex/fetch.js";
import { cacheStats } from "../codex/plan.js";
import type { CodexSettings } from "../codex/settings.js";
import { runCodexSync } from "../codex/sync.js";
import { SkillsyncError } from "../core/errors.js";
import type { Config } from "../store/config.js";
import { collectionDir } from "../store/home.js";
import { isTextual, listSkills, mimeTypeFor, readSkillFile, searchSkills, skillFiles } from "./skills.js";

/** Options for {@link createSkillsyncMcpServer}. */
export interface SkillsyncMcpOptions {
  /** `$SKILLSYNC_HOME` (absolute). */
  home: string;
  config: Config;
  /** Collection name. */
  collection: string;
  /** Codex settings for the project the server runs in (its cache lives in that project). */
  codex: CodexSettings;
  /** Clock, milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Shared clone handle (so several server instances fetch at most once per interval). */
  repos?: CodexRepoCache;
  /** Warnings (stale reads, skipped files); default: none. The CLI prints them to stderr. */
  warn?: (message: string) => void;
  /** Server version reported to clients. */
  version?: string;
}

/** The tool names, in registration order. */
export const TOOL_NAMES = [
  "codex_fetch",
  "codex_sync",
  "cache_list",
  "cache_stats",
  "cache_health",
  "cache_clear",
  "skill_list",
  "skill_search",
  "sync_status",
] as const;

function ok(value: unknown): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value, null, 2) }] };
}

function toolError(e: unknown): CallToolResult {
  const text =
    e instanceof SkillsyncError
      ? `${e.code}: ${e.toLine()}`
      : `internal error: ${(e as Error)?.message ?? String(e)}`;
  return { content: [{ type: "text", text }], isError: true };
}

/** Runs a tool body, turning any throw into a tool error. */
function guarded<A>(fn: (args: A) => Promise<unknown>): (args: A) => Promise<CallToolResult> {
  return async (args: A) => {
    try {
      return ok(await fn(args));
    } catch (e) {
      return toolError(e);
    }
  };
}

function contentFor(uri: string, bytes: Buffer, mimeType: string) {
  return isTextual(mimeType, bytes)
    ? { uri, mimeType, text: bytes.toString("utf8") }
    : { uri, mimeType, blob: bytes.toString("base64") };
}

/**
 * Builds the server with every resource and tool registered. Connect it with `server.connect(transport)`.
 */
export function createSkillsyncMcpServer(opts: SkillsyncMcpOptions): McpServer {
  const now = opts.now ?? (() => Date.now());
  const warn = opts.warn ?? (() => {});
  const settings = opts.codex;
  const repos = opts.repos ?? new CodexRepoCache(settings);
  const collDir = collectionDir(opts.home, opts.collection);
  const cacheRoot = cacheRootFor(settings.projectDir);
  const server = new McpServer(
    { name: "skillsync", version: opts.version ?? "0.0.0" },
    {
      capabilities: { resources: {}, tools: {} },
      instructions:
        "skillsync: read organisation docs as codex://org/project/path and collection skills as skill://name; " +
        "tools manage the doc cache (codex_sync, cache_*) and search the skill collection.",
    },
  );

  server.registerResource(
    "codex",
    new ResourceTemplate("codex://{org}/{project}/{+path}", {
      list: async () => {
        const rows = await listCache(cacheRoot, now());
        return {
          resources: rows.map((e) => ({
            uri: e.uri,
            name: e.path.split("/").slice(2).join("/"),
            description: `codex doc from ${e.source.slice(0, 12)}, cached ${e.cached_at}${e.expired ? " (expired)" : ""}`,
            mimeType: mimeTypeFor(e.path),
            size: e.size_bytes,
          })),
        };
      },
    }),
    {
      title: "Codex documents",
      description: "Organisation docs from the codex repository, served from the project's cache",
    },
    async (uri): Promise<ReadResourceResult> => {
      const doc = await readCodexDocument({ settings, repos, uri: uri.href, now });
      const content = contentFor(doc.uri, doc.bytes, mimeTypeFor(doc.entry.path));
      if (doc.warning) {
        warn(doc.warning);
        return {
          contents: [{ ...content, _meta: { warning: doc.warning, stale: true } }],
          _meta: { warning: doc.warning },
        };
      }
      return { contents: [content] };
    },
  );

  server.registerResource(
    "skill",
    new ResourceTemplate("skill://{name}", {
      list: async () => ({
        resources: listSkills(collDir).map((s) => ({
          uri: s.uri,
          name: s.name,
          title: s.name,
          description: s.description ?? `skill ${s.name}`,
          mimeType: "text/markdown",
        })),
      }),
    }),
    { title: "Skills", description: "SKILL.md of each skill in the collection", mimeType: "text/markdown" },
    async (uri, vars): Promise<ReadResourceResult> => {
      const name = String(vars.name);
      const { bytes, mimeType } = await readSkillFile({ collectionDir: collDir, name });
      return { contents: [contentFor(uri.href, bytes, mimeType)] };
    },
  );

  server.registerResource(
    "skill-file",
    new ResourceTemplate("skill://{name}/{+path}", {
      list: async () => {
        const resources = [];
        for (const s of listSkills(collDir))
          for (const f of await skillFiles(s.path))
            resources.push({
              uri: `skill://${s.name}/${f}`,
              name: `${s.name}/${f}`,
              description: `file of skill ${s.name}`,
              mimeType: mimeTypeFor(f),
            });
        return { resources };
      },
    }),
    { title: "Skill files", description: "Scripts, references and assets of collection skills" },
    async (uri, vars): Promise<ReadResourceResult> => {
      const name = String(vars.name);
      let relPath: string;
      try {
        relPath = decodeURIComponent(String(vars.path));
      } catch {
        throw new SkillsyncError("USAGE", `'${uri.href}' has a malformed percent-escape`);
      }
      const { bytes, mimeType } = await readSkillFile({ collectionDir: collDir, name, relPath });
      return { contents: [contentFor(uri.href, bytes, mimeType)] };
    },
  );

  server.registerTool(
    "codex_fetch",
    {
      title: "Fetch a codex document",
      description:
        "Read codex://org/project/path through the cache: fresh cache hit, else fetched from the codex repo; offline, a stale copy with a warning",
      inputSchema: { uri: z.string().min(1).describe("codex://<org>/<project>/<path>") },
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    guarded(async ({ uri }: { uri: string }) => {
      const doc = await readCodexDocument({ settings, repos, uri, now });
      const mimeType = mimeTypeFor(doc.entry.path);
      return {
        uri: doc.uri,
        origin: doc.origin,
        warning: doc.warning ?? null,
        mime_type: mimeType,
        entry: doc.entry,
        ...(isTextual(mimeType, doc.bytes)
          ? { text: doc.bytes.toString("utf8") }
          : { base64: doc.bytes.toString("base64") }),
      };
    }),
  );

  server.registerTool(
    "codex_sync",
    {
      title: "Sync the codex doc cache",
      description:
        "from-codex (default): refresh the project's doc cache from the codex repo; to-codex: push the project's docs to a branch of the codex repo",
      inputSchema: {
        direction: z.enum(["from-codex", "to-codex"]).optional(),
        dry_run: z.boolean().optional(),
        force: z.boolean().optional().describe("go ahead even when a deletion threshold is exceeded"),
      },
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    guarded(async (a: { direction?: "from-codex" | "to-codex"; dry_run?: boolean; force?: boolean }) => {
      const out = await runCodexSync({
        settings,
        direction: a.direction ?? "from-codex",
        dryRun: a.dry_run,
        force: a.force,
        now,
      });
      return { ...out.result, warnings: out.warnings, branch: out.branch ?? null };
    }),
  );

  server.registerTool(
    "cache_list",
    {
      title: "List cached codex documents",
      description: "Entries of the doc cache index with expiry",
      inputSchema: { expired_only: z.boolean().optional() },
      annotations: { readOnlyHint: true },
    },
    guarded(async ({ expired_only }: { expired_only?: boolean }) => {
      const rows = await listCache(cacheRoot, now());
      return { entries: expired_only ? rows.filter((r) => r.expired) : rows };
    }),
  );

  server.registerTool(
    "cache_stats",
    {
      title: "Doc cache statistics",
      description: "Count, size in bytes and freshness of the doc cache",
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    guarded(async () => cacheStats(await loadCacheIndex(cacheRoot), now())),
  );

  server.registerTool(
    "cache_health",
    {
      title: "Check the doc cache",
      description: "Find missing files, hash mismatches, expired entries and orphans; fix=true repairs them",
      inputSchema: { fix: z.boolean().optional() },
    },
    guarded(async ({ fix }: { fix?: boolean }) => cacheHealth({ settings, now, fix, repos })),
  );

  server.registerTool(
    "cache_clear",
    {
      title: "Clear the doc cache",
      description: "Remove all cached documents, or only expired ones",
      inputSchema: { expired: z.boolean().optional() },
      annotations: { destructiveHint: true },
    },
    guarded(async ({ expired }: { expired?: boolean }) =>
      clearCodexCache(settings, { now: now(), expiredOnly: expired }),
    ),
  );

  server.registerTool(
    "skill_list",
    {
      title: "List collection skills",
      description: "Every skill in the collection with description, version and validity",
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    guarded(async () => ({ collection: opts.collection, skills: listSkills(collDir).map(publicSkill) })),
  );

  server.registerTool(
    "skill_search",
    {
      title: "Search collection skills",
      description: "Skills whose name or description contains every word of the query",
      inputSchema: {
        query: z.string().trim().min(1).max(500),
        limit: z.number().int().min(1).max(100).optional(),
      },
      annotations: { readOnlyHint: true },
    },
    guarded(async ({ query, limit }: { query: string; limit?: number }) => ({
      query,
      skills: searchSkills(listSkills(collDir), query, limit ?? 20).map(publicSkill),
    })),
  );

  server.registerTool(
    "sync_status",
    {
      title: "Drift status of a project",
      description:
        "Drift between the collection and a project (default: the server's project), as `skillsync status --json`",
      inputSchema: { project_dir: z.string().min(1).optional() },
      annotations: { readOnlyHint: true },
    },
    guarded(async ({ project_dir }: { project_dir?: string }) => {
      const { openWorkspace, resolveProject } = await import("../sync/workspace.js");
      const { deploymentStatus } = await import("../sync/targets.js");
      const ws = await openWorkspace({ home: opts.home, collection: opts.collection, config: opts.config });
      const project = await resolveProject(ws, project_dir ?? settings.projectDir);
      return deploymentStatus(ws, project);
    }),
  );

  return server;
}

function publicSkill(s: {
  name: string;
  description: string | null;
  version: string;
  valid: boolean;
  uri: string;
}) {
  return { name: s.name, description: s.description, version: s.version, valid: s.valid, uri: s.uri };
}

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexRepoCache } from "../codex/fetch.js";
import { codexSettings } from "../codex/settings.js";
import { defaultConfig } from "../store/config.js";
import { closeStateDbs } from "../store/state-db.js";
import { createSkillsyncMcpServer, TOOL_NAMES } from "./server.js";

Object.assign(process.env, {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
});

const FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/skills/anthropics", import.meta.url));
const T0 = Date.parse("2026-03-01T10:00:00.000Z");
let tmp: string;
let home: string;
let project: string;
let bare: string;
let now = T0;
let client: Client;
const warnings: string[] = [];

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

type ToolResult = { isError?: boolean; content: { type: string; text: string }[] };

async function call(name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

async function callJson(name: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const r = await call(name, args);
  if (r.isError) throw new Error(`${name} failed: ${r.content[0]?.text}`);
  return JSON.parse(r.content[0]!.text);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-mcp-"));
  home = path.join(tmp, "home");
  project = path.join(tmp, "web");
  fs.mkdirSync(project);
  const skills = path.join(home, "collections", "default", "skills");
  for (const s of ["skill-creator", "mcp-builder", "algorithmic-art"])
    fs.cpSync(path.join(FIXTURES, s), path.join(skills, s), { recursive: true });
  fs.mkdirSync(path.join(home, "collections", "default", "commands"), { recursive: true });
  fs.writeFileSync(path.join(home, "collections", "default", "commands", "review.md"), "Review the diff.\n");
  // a symlink that points outside its skill must never be served
  fs.writeFileSync(path.join(tmp, "secret.txt"), "secret\n");
  fs.symlinkSync(path.join(tmp, "secret.txt"), path.join(skills, "mcp-builder", "leak.txt"));

  bare = path.join(tmp, "codex.git");
  const work = path.join(tmp, "codex-work");
  git(tmp, "init", "-q", "--bare", "-b", "main", bare);
  git(tmp, "init", "-q", "-b", "main", work);
  fs.mkdirSync(path.join(work, "projects/web/docs"), { recursive: true });
  fs.mkdirSync(path.join(work, "shared"), { recursive: true });
  fs.writeFileSync(path.join(work, "projects/web/docs/setup.md"), "# setup\n");
  fs.writeFileSync(path.join(work, "shared/style.md"), "# style\n");
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "init");
  git(work, "push", "-q", bare, "main");

  const config = defaultConfig();
  config.codex = { ...config.codex, repo: `file://${bare}`, org: "acme", project: "web", ttl: 60 };
  const codex = codexSettings({ config, projectDir: project, gitCacheDir: path.join(home, "cache", "git") });
  const server = createSkillsyncMcpServer({
    home,
    config,
    collection: "default",
    codex,
    now: () => now,
    repos: new CodexRepoCache(codex, 0),
    warn: (m) => warnings.push(m),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: "test", version: "1.0.0" });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
});

afterAll(async () => {
  await client?.close();
  closeStateDbs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("skillsync MCP server", () => {
  it("lists every tool with an input schema", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
    for (const t of tools) expect(t.inputSchema.type).toBe("object");
  });

  it("lists skill resources with names, descriptions and MIME types, and the templates", async () => {
    const { resources } = await client.listResources();
    const skill = resources.find((r) => r.uri === "skill://skill-creator");
    expect(skill).toMatchObject({ name: "skill-creator", mimeType: "text/markdown" });
    expect(skill?.description).toMatch(/^Create new skills/);
    expect(resources.map((r) => r.uri)).toContain("skill://algorithmic-art/LICENSE.txt");
    const py = resources.find(
      (r) => r.uri.startsWith("skill://skill-creator/scripts/") && r.uri.endsWith(".py"),
    );
    expect(py?.mimeType).toBe("text/x-python");
    expect(resources.some((r) => r.uri.startsWith("skill://review"))).toBe(false);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
      "codex://{org}/{project}/{+path}",
      "skill://{name}",
      "skill://{name}/{+path}",
    ]);
  });

  it("reads skill:// resources and refuses escapes and unknown skills", async () => {
    const r = await client.readResource({ uri: "skill://mcp-builder" });
    const c = r.contents[0] as { text: string; mimeType: string };
    expect(c.mimeType).toBe("text/markdown");
    expect(c.text).toBe(fs.readFileSync(path.join(FIXTURES, "mcp-builder/SKILL.md"), "utf8"));
    const lic = await client.readResource({ uri: "skill://algorithmic-art/LICENSE.txt" });
    expect((lic.contents[0] as { text: string }).text).toBe(
      fs.readFileSync(path.join(FIXTURES, "algorithmic-art/LICENSE.txt"), "utf8"),
    );
    await expect(client.readResource({ uri: "skill://nope" })).rejects.toThrow(/no file 'SKILL.md'/);
    await expect(client.readResource({ uri: "skill://mcp-builder/leak.txt" })).rejects.toThrow(/outside/);
    await expect(
      client.readResource({ uri: "skill://mcp-builder/..%2Fskill-creator%2FSKILL.md" }),
    ).rejects.toThrow(/escapes/);
  });

  it("reads codex:// resources: fetch on a miss, list them, serve stale offline with a warning", async () => {
    const r = await client.readResource({ uri: "codex://acme/web/docs/setup.md" });
    expect(r.contents[0]).toMatchObject({ uri: "codex://acme/web/docs/setup.md", text: "# setup\n" });
    expect(fs.existsSync(path.join(project, ".skillsync/codex/cache/acme/web/docs/setup.md"))).toBe(true);
    const { resources } = await client.listResources();
    expect(resources.find((x) => x.uri === "codex://acme/web/docs/setup.md")).toMatchObject({
      name: "docs/setup.md",
      mimeType: "text/markdown",
    });
    await expect(client.readResource({ uri: "codex://acme/web/docs/missing.md" })).rejects.toThrow(
      /does not exist/,
    );

    fs.renameSync(bare, `${bare}.offline`);
    try {
      now = T0 + 120_000;
      const stale = await client.readResource({ uri: "codex://acme/web/docs/setup.md" });
      expect(stale.contents[0]).toMatchObject({ text: "# setup\n" });
      expect(String(stale._meta?.warning)).toMatch(/stale copy.*unreachable/);
      expect(warnings.join("\n")).toMatch(/stale copy/);
      const viaTool = await callJson("codex_fetch", { uri: "codex://acme/web/docs/setup.md" });
      expect(viaTool).toMatchObject({ origin: "stale", text: "# setup\n" });
    } finally {
      fs.renameSync(`${bare}.offline`, bare);
      now = T0;
    }
  });

  it("runs the codex and cache tools", async () => {
    const sync = await callJson("codex_sync", { dry_run: true });
    expect(sync).toMatchObject({
      status: "success",
      direction: "from-codex",
      dry_run: true,
      files_synced: 2,
    });
    const real = await callJson("codex_sync", {});
    expect(real).toMatchObject({ cache_index_updated: true, files_synced: 2 });
    const list = await callJson("cache_list");
    expect((list.entries as { uri: string }[]).map((e) => e.uri)).toEqual([
      "codex://acme/web/docs/setup.md",
      "codex://acme/web/shared/style.md",
    ]);
    expect(await callJson("cache_stats")).toMatchObject({ entries: 2, total_bytes: 16 });
    fs.rmSync(path.join(project, ".skillsync/codex/cache/acme/web/shared/style.md"));
    const health = await callJson("cache_health");
    expect(health).toMatchObject({ healthy: false });
    expect(await callJson("cache_health", { fix: true })).toMatchObject({ healthy: true });
    const fetched = await callJson("codex_fetch", { uri: "codex://acme/web/shared/style.md" });
    expect(fetched).toMatchObject({ origin: "cache", text: "# style\n", mime_type: "text/markdown" });
    now = T0 + 120_000;
    expect((await callJson("cache_list", { expired_only: true })).entries).toHaveLength(2);
    expect(await callJson("cache_clear", { expired: true })).toMatchObject({ removed: 2 });
    now = T0;
    expect(await callJson("cache_clear", {})).toMatchObject({ removed: 0 });
  });

  it("lists and searches skills", async () => {
    const list = await callJson("skill_list");
    expect((list.skills as { name: string }[]).map((s) => s.name)).toEqual([
      "algorithmic-art",
      "mcp-builder",
      "skill-creator",
    ]);
    expect((list.skills as { valid: boolean }[]).every((s) => s.valid)).toBe(true);
    const byName = await callJson("skill_search", { query: "mcp" });
    expect((byName.skills as { name: string }[]).map((s) => s.name)[0]).toBe("mcp-builder");
    const byDesc = await callJson("skill_search", { query: "p5.js seeded" });
    expect((byDesc.skills as { name: string }[]).map((s) => s.name)).toEqual(["algorithmic-art"]);
    expect((await callJson("skill_search", { query: "zzzz-nothing" })).skills).toEqual([]);
  });

  it("reports drift status of the project", async () => {
    const status = await callJson("sync_status");
    expect(status).toHaveProperty("drift_detected");
    expect(Array.isArray(status.artifacts)).toBe(true);
    const missing = await call("sync_status", { project_dir: path.join(tmp, "nope") });
    expect(missing.isError).toBe(true);
    expect(missing.content[0]?.text).toMatch(/does not exist/);
  });

  it("turns bad inputs into tool errors and keeps serving", async () => {
    const bad = [
      await call("codex_fetch", {}),
      await call("codex_fetch", { uri: 42 }),
      await call("codex_fetch", { uri: "https://example.com/x" }),
      await call("codex_fetch", { uri: "codex://acme/web/../../etc/passwd" }),
      await call("codex_fetch", { uri: "codex://other-org/web/docs/setup.md" }),
      await call("codex_sync", { direction: "sideways" }),
      await call("skill_search", { query: "" }),
      await call("skill_search", { query: "x", limit: 0 }),
      await call("cache_clear", { expired: "yes" }),
    ];
    for (const r of bad) {
      expect(r.isError).toBe(true);
      expect(r.content[0]?.text.length).toBeGreaterThan(0);
    }
    expect(bad[2]?.content[0]?.text).toMatch(/not a codex URI/);
    expect(bad[3]?.content[0]?.text).toMatch(/escapes/);
    // still alive
    expect((await callJson("skill_list")).skills).toHaveLength(3);
  });
});

/**
 * End to end: the built binary's `skillsync mcp` over stdio (and `--http`) driven by the SDK's own
 * client. Build first: `npm run build`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANTHROPIC_SKILLS } from "../helpers/paths.js";

const BIN = path.resolve("dist/cli/main.cjs");
const FIXTURES = ANTHROPIC_SKILLS;
let tmp: string;
let home: string;
let project: string;

function env(): Record<string, string> {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) e[k] = v;
  return {
    ...e,
    SKILLSYNC_HOME: home,
    NO_COLOR: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
  };
}

beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing; run 'npm run build' first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-mcp-e2e-"));
  home = path.join(tmp, "home");
  project = path.join(tmp, "proj");
  fs.mkdirSync(project);
  for (const s of ["theme-factory", "webapp-testing"])
    fs.cpSync(path.join(FIXTURES, s), path.join(home, "collections", "default", "skills", s), {
      recursive: true,
    });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("skillsync mcp (binary)", () => {
  it("serves resources and tools over stdio", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "mcp", "--project-dir", project],
      env: env(),
      stderr: "pipe",
    });
    const client = new Client({ name: "e2e", version: "1.0.0" });
    await client.connect(transport);
    try {
      expect(client.getServerVersion()?.name).toBe("skillsync");
      const { resources } = await client.listResources();
      expect(resources.filter((r) => /^skill:\/\/[^/]+$/.test(r.uri)).map((r) => r.uri)).toEqual([
        "skill://theme-factory",
        "skill://webapp-testing",
      ]);
      const r = await client.readResource({ uri: "skill://webapp-testing" });
      expect((r.contents[0] as { text: string }).text).toBe(
        fs.readFileSync(path.join(FIXTURES, "webapp-testing/SKILL.md"), "utf8"),
      );
      const search = (await client.callTool({ name: "skill_search", arguments: { query: "theme" } })) as {
        content: { text: string }[];
      };
      expect(JSON.parse(search.content[0]!.text).skills[0].name).toBe("theme-factory");
      // no codex repo configured: a clear tool error, and the server keeps running
      const sync = (await client.callTool({ name: "codex_sync", arguments: {} })) as {
        isError?: boolean;
        content: { text: string }[];
      };
      expect(sync.isError).toBe(true);
      expect(sync.content[0]!.text).toMatch(/codex\.repo/);
      expect((await client.listTools()).tools).toHaveLength(9);
    } finally {
      await client.close();
    }
  });

  it("answers every request before exiting when the client closes stdin", () => {
    const lines = [
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "pipe", version: "1" },
        },
      },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "skill_list", arguments: {} } },
      {
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "skill_search", arguments: { query: 7 } },
      },
    ];
    const r = spawnSync(process.execPath, [BIN, "mcp", "--project-dir", project], {
      input: `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`,
      env: env(),
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.status).toBe(0);
    const replies = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .sort((a: { id: number }, b: { id: number }) => a.id - b.id);
    expect(replies.map((x: { id: number }) => x.id)).toEqual([1, 2, 3]);
    expect(JSON.parse(replies[1].result.content[0].text).skills).toHaveLength(2);
    expect(replies[2].result.isError).toBe(true);
  });

  it("serves streamable HTTP on 127.0.0.1 with --http", async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, "mcp", "--http", "0", "--project-dir", project],
      {
        env: env(),
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = "";
        child.stderr?.on("data", (d: Buffer) => {
          err += d.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(err);
          if (m) resolve(m[1]!);
        });
        child.on("exit", (code) => reject(new Error(`mcp --http exited ${code}: ${err}`)));
      });
      const client = new Client({ name: "e2e-http", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const list = (await client.callTool({ name: "skill_list", arguments: {} })) as {
        content: { text: string }[];
      };
      expect(JSON.parse(list.content[0]!.text).skills.map((s: { name: string }) => s.name)).toEqual([
        "theme-factory",
        "webapp-testing",
      ]);
      await client.close();
    } finally {
      child.kill("SIGTERM");
    }
  });
});

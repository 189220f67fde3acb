import { resolve } from "node:path";
import type { Command } from "commander";
import { SkillsyncError } from "../../core/errors.js";
import { contextFor } from "../context.js";
import { wrapCommand } from "../run.js";

interface McpFlags {
  http?: string;
  projectDir?: string;
}

/** Registers `skillsync mcp`. The MCP SDK is imported inside the action, not here. */
export function registerMcp(program: Command): void {
  program
    .command("mcp")
    .description(
      "run the MCP server: codex:// docs and skill:// skills as resources, cache and skill tools (stdio by default)",
    )
    .option("--http <port>", "serve streamable HTTP on 127.0.0.1:<port>/mcp instead of stdio")
    .option(
      "--project-dir <dir>",
      "project whose codex cache and status are served (default: the current folder)",
    )
    .addHelpText(
      "after",
      '\nClaude Code (.mcp.json): {"mcpServers": {"skillsync": {"command": "skillsync", "args": ["mcp"]}}}\nSee docs/mcp.md.',
    )
    .action(
      wrapCommand(async (flags: McpFlags, cmd: Command) => {
        const ctx = await contextFor(cmd);
        let port: number | undefined;
        if (flags.http !== undefined) {
          port = Number(flags.http);
          if (!Number.isInteger(port) || port < 0 || port > 65535)
            throw new SkillsyncError("USAGE", `--http needs a port number 0-65535, not '${flags.http}'`);
        }
        const { assertProjectDir, codexSettings } = await import("../../codex/settings.js");
        const { CodexRepoCache } = await import("../../codex/fetch.js");
        const { createSkillsyncMcpServer } = await import("../../mcp/server.js");
        const { VERSION } = await import("../version.js");
        const codex = codexSettings({
          config: ctx.config,
          projectDir: assertProjectDir(resolve(flags.projectDir ?? process.cwd())),
          gitCacheDir: ctx.paths.gitCache,
          locksDir: ctx.paths.locks,
        });
        const repos = new CodexRepoCache(codex);
        const makeServer = () =>
          createSkillsyncMcpServer({
            home: ctx.home,
            config: ctx.config,
            collection: ctx.collection,
            codex,
            repos,
            version: VERSION,
            warn: (m) => ctx.out.warn(m),
          });
        if (port === undefined) {
          const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
          const server = makeServer();
          const closed = new Promise<void>((done) => {
            server.server.onclose = () => done();
          });
          await server.connect(new StdioServerTransport());
          // When the client closes stdin the process ends by itself once in-flight requests are
          // answered (nothing else keeps the event loop alive); closing here would drop them.
          await closed;
          return 0;
        }
        const { serveMcpHttp } = await import("../../mcp/http.js");
        const handle = await serveMcpHttp({ port, makeServer });
        process.stderr.write(`skillsync MCP server listening on ${handle.url}\n`);
        await new Promise<void>((done) => {
          const stop = () => void handle.close().then(done);
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
        return 0;
      }),
    );
}

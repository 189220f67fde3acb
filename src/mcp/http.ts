/**
 * Streamable HTTP for the MCP server, bound to 127.0.0.1 only, at path `/mcp`. Stateless: each
 * POST gets a fresh server and transport (the codex clone handle is shared through the factory), so
 * no session state can leak between clients. Host headers other than `127.0.0.1:<port>` and
 * `localhost:<port>` are refused (DNS-rebinding protection).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { SkillsyncError } from "../core/errors.js";

/** A running HTTP endpoint. */
export interface McpHttpHandle {
  /** The port bound (useful with port 0). */
  port: number;
  /** `http://127.0.0.1:<port>/mcp` */
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` (0 = any free port).
 * @throws SkillsyncError USAGE when the port is taken
 */
export async function serveMcpHttp(opts: {
  port: number;
  makeServer: () => McpServer;
}): Promise<McpHttpHandle> {
  let port = opts.port;
  const http: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/mcp") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found; the MCP endpoint is /mcp\n");
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405, { "content-type": "application/json", allow: "POST" }).end(
        JSON.stringify({
          jsonrpc: "2.0",
          error: { code: -32000, message: "Method not allowed." },
          id: null,
        }),
      );
      return;
    }
    const server = opts.makeServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableDnsRebindingProtection: true,
      allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`],
    });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch((e: unknown) => {
        if (!res.headersSent)
          res.writeHead(500, { "content-type": "application/json" }).end(
            JSON.stringify({
              jsonrpc: "2.0",
              error: { code: -32603, message: (e as Error)?.message ?? "internal error" },
              id: null,
            }),
          );
      });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new SkillsyncError(
              "USAGE",
              `port ${opts.port} on 127.0.0.1 is in use; pick another with --http PORT`,
            )
          : e,
      ),
    );
    http.listen(opts.port, "127.0.0.1", () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

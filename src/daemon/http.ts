/**
 * The daemon's HTTP server on 127.0.0.1: the core API (`server.ts`), the web UI's routes
 * (`ui-api.ts`, loaded lazily; when they cannot load, the core API is still served and the reason
 * logged) and the built web UI.
 */
import type { AddressInfo } from "node:net";
import type { Hono } from "hono";
import { SkillsyncError } from "../core/errors.js";
import type { DaemonContext } from "./context.js";
import type { Fsmonitor } from "./fsmonitor.js";
import type { DaemonRuntime } from "./runtime.js";
import { createApp } from "./server.js";

/** Options of {@link listenHttp}. */
export interface ListenOptions {
  ctx: DaemonContext;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  webRoot: string | undefined;
  registerUi: ((app: Hono, ctx: DaemonContext) => void) | undefined;
  fsmonitor: Fsmonitor;
}

/** A listening server. */
export interface DaemonHttp {
  port: number;
  /** Closes the server and every open connection (SSE streams included). */
  close(): Promise<void>;
}

/**
 * Builds the app and listens.
 * @throws SkillsyncError USAGE when the port is taken
 */
export async function listenHttp(rt: DaemonRuntime, opts: ListenOptions): Promise<DaemonHttp> {
  let registerUi = opts.registerUi;
  if (!registerUi) {
    try {
      registerUi = (await import("./ui-api.js")).registerUiRoutes;
    } catch (e) {
      // Syncing matters more than the UI: serve the core API and say why the UI routes are missing.
      rt.log.error("web UI routes unavailable", { error: (e as Error).message });
    }
  }
  const app = await createApp({
    ctx: opts.ctx,
    port: () => rt.port,
    ...(opts.webRoot ? { webRoot: opts.webRoot } : {}),
    ...(registerUi ? { registerUi } : {}),
    remoteArtifacts: () => rt.remoteArtifacts,
    fsmonitor: (req) => opts.fsmonitor.query(req),
  });
  const { serve } = await import("@hono/node-server");
  const wanted = opts.port;
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: wanted }, () => resolve(s));
    s.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new SkillsyncError("USAGE", `port ${wanted} on 127.0.0.1 is in use; pick another with --port`)
          : e,
      ),
    );
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

import type { Command } from "commander";
import { contextFor } from "../context.js";
import { wrapCommand } from "../run.js";

interface DaemonOptions {
  port?: string;
  verbose?: boolean;
}

/**
 * Registers `skillsync daemon [--port N] [--verbose]`: runs the daemon in the foreground until
 * SIGINT/SIGTERM (exit 0). A second daemon for the same home exits 2 naming the running one.
 * The daemon, Hono, chokidar and croner are imported inside the action.
 */
export function registerDaemon(program: Command): void {
  program
    .command("daemon")
    .description(
      "run the sync daemon in the foreground: watch the collection and projects, run schedules, follow hubs, serve the local API and web UI on 127.0.0.1",
    )
    .option("--port <n>", "port on 127.0.0.1 (default config daemon.port, 7077; 0 = any free port)")
    .option("--verbose", "mirror the JSON log lines to stderr")
    .addHelpText(
      "after",
      `
Automatic sync runs only while 'daemon.enabled' is true ('skillsync auto enable'); the API and UI
are served either way. Logs: $SKILLSYNC_HOME/logs/daemon.log. See docs/daemon.md.`,
    )
    .action(
      wrapCommand(async (opts: DaemonOptions, cmd: Command) => {
        const ctx = await contextFor(cmd);
        let port: number | undefined;
        if (opts.port !== undefined) {
          port = Number(opts.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535) {
            const { SkillsyncError } = await import("../../core/errors.js");
            throw new SkillsyncError(
              "USAGE",
              `--port must be an integer from 0 to 65535, got '${opts.port}'`,
            );
          }
        }
        const { loadSyncEngine } = await import("../../daemon/engine.js");
        const { startDaemon } = await import("../../daemon/daemon.js");
        const { runUntilSignal } = await import("../../daemon/foreground.js");
        const engine = await loadSyncEngine();
        return runUntilSignal({
          start: async () => {
            const handle = await startDaemon({
              home: ctx.home,
              collection: ctx.collection,
              ...(port !== undefined ? { port } : {}),
              runner: engine.runner,
              hubFetcher: engine.hubFetcher,
              verbose: Boolean(opts.verbose),
            });
            const enabled = ctx.config.daemon.enabled;
            process.stderr.write(
              `skillsync daemon listening on ${handle.url} (home ${ctx.home}; automatic sync ${enabled ? "on" : "off"})\n`,
            );
            if (!enabled)
              process.stderr.write(
                "automatic sync is off: edits are watched but not synced until you run 'skillsync auto enable' (or sync by hand)\n",
              );
            return handle;
          },
          onSignal: (signal, forced) =>
            process.stderr.write(
              forced ? `${signal}: stopping now\n` : `${signal}: stopping (finishing the sync in flight)…\n`,
            ),
        });
      }),
    );
}

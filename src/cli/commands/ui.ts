import type { Command } from "commander";
import { SkillsyncError } from "../../core/errors.js";
import { contextFor } from "../context.js";
import { wrapCommand } from "../run.js";

/** Options of `skillsync ui`. */
interface UiOptions {
  print?: boolean;
}

/**
 * True when a graphical browser can plausibly be opened: macOS and Windows always, elsewhere only
 * with `DISPLAY` or `WAYLAND_DISPLAY` set (xdg-open on a headless box would open a text browser or fail).
 */
function canOpenBrowser(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform === "darwin" || process.platform === "win32") return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Starts the platform's URL opener detached; resolves false when it cannot be started. */
async function openUrl(url: string): Promise<boolean> {
  const { spawn } = await import("node:child_process");
  const [cmd, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", "", url]]
        : ["xdg-open", [url]];
  return new Promise((resolve) => {
    const child = spawn(cmd, args as string[], { detached: true, stdio: "ignore" });
    child.once("error", () => resolve(false));
    child.once("spawn", () => {
      child.unref();
      resolve(true);
    });
  });
}

/**
 * Registers `skillsync ui`: opens the running daemon's web UI (URL from `$SKILLSYNC_HOME/daemon.json`
 * `{pid, port}`) in the browser, or prints the URL when there is no browser or with `--print`.
 * Exit 2 when no daemon runs for this home.
 */
export function registerUi(program: Command): void {
  program
    .command("ui")
    .description("open the web UI of the running daemon (prints the URL when there is no browser)")
    .option("--print", "only print the URL")
    .addHelpText(
      "after",
      "\nThe daemon serves the UI at http://127.0.0.1:PORT/ (default port 7077); start it with 'skillsync daemon'.",
    )
    .action(
      wrapCommand(async (opts: UiOptions, cmd: Command) => {
        const ctx = await contextFor(cmd);
        const { runningDaemon } = await import("../../store/daemon-info.js");
        const info = await runningDaemon(ctx.paths);
        if (!info)
          throw new SkillsyncError(
            "NOT_FOUND",
            `no daemon is running for ${ctx.home}; start it with 'skillsync daemon' (or 'skillsync daemon --port 7077 &'), then run 'skillsync ui' again`,
          );
        const url = `http://127.0.0.1:${info.port}/`;
        if (!opts.print && canOpenBrowser() && (await openUrl(url))) {
          ctx.out.line(`opened ${url}`);
          return 0;
        }
        ctx.out.line(url);
        return 0;
      }),
    );
}

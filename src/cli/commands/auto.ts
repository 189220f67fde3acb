import type { Command } from "commander";
import { EXIT } from "../../core/errors.js";
import { setConfigValue } from "../../store/config.js";
import { type CliContext, contextFor } from "../context.js";
import { color } from "../output.js";
import { wrapCommand } from "../run.js";

/** The running daemon's status over its API, or undefined when none answers within 2 s. */
async function liveStatus(
  ctx: CliContext,
): Promise<import("../../daemon/context.js").DaemonStatus | undefined> {
  const { runningDaemon } = await import("../../store/daemon-info.js");
  const info = await runningDaemon(ctx.paths);
  if (!info) return undefined;
  try {
    const res = await fetch(`http://127.0.0.1:${info.port}/api/daemon/status`, {
      signal: AbortSignal.timeout(2000),
    });
    if (!res.ok) return undefined;
    return (await res.json()) as import("../../daemon/context.js").DaemonStatus;
  } catch {
    return undefined;
  }
}

async function openDb(ctx: CliContext) {
  const { openStateDb } = await import("../../store/state-db.js");
  return openStateDb(ctx.paths.stateDb);
}

async function setEnabled(cmd: Command, on: boolean): Promise<number> {
  const ctx = await contextFor(cmd);
  await setConfigValue(ctx.paths.config, "daemon.enabled", on);
  const { runningDaemon } = await import("../../store/daemon-info.js");
  const info = await runningDaemon(ctx.paths);
  if (ctx.out.jsonMode) ctx.out.json({ enabled: on, daemon_running: Boolean(info) });
  else {
    ctx.out.line(`automatic sync ${on ? "on" : "off"}`);
    if (info) ctx.out.line(`the running daemon (pid ${info.pid}) picks this up now`);
    else if (on) ctx.out.line("no daemon is running for this home; start one with 'skillsync daemon'");
  }
  return 0;
}

/**
 * Registers `skillsync auto status|enable|disable|history [--json]`: turns automatic sync on/off
 * (config `daemon.enabled`), shows the daemon's state, and lists past syncs from state.db.
 */
export function registerAuto(program: Command): void {
  const auto = program
    .command("auto")
    .description("automatic sync by the daemon: status, enable, disable, history");

  auto
    .command("status")
    .description(
      "Whether automatic sync is on, the last sync and its outcome, pending and conflicting artifacts, next run, backoff",
    )
    .option("--json", "print as JSON")
    .addHelpText("after", "\nExit status 1 when unresolved conflicts are recorded, else 0.")
    .action(
      wrapCommand(async (_opts: unknown, cmd: Command) => {
        const ctx = await contextFor(cmd);
        const { daemonHistory, offlineStatus } = await import("../../daemon/offline-status.js");
        const db = await openDb(ctx);
        const live = await liveStatus(ctx);
        const s = live ?? offlineStatus(db, ctx.config);
        const last = daemonHistory(db, 1)[0];
        if (ctx.out.jsonMode)
          ctx.out.json({
            ...s,
            daemon: { running: live !== undefined, pid: live?.pid ?? null, port: live?.port ?? null },
            last_run: last ?? null,
          });
        else {
          const light =
            s.state === "green"
              ? color.green(s.state)
              : s.state === "red"
                ? color.red(s.state)
                : color.yellow(s.state);
          const rows: [string, string][] = [
            ["automatic sync", s.enabled ? "on" : "off ('skillsync auto enable')"],
            [
              "daemon",
              live ? `running, pid ${s.pid}, http://127.0.0.1:${s.port}` : "not running ('skillsync daemon')",
            ],
            ["state", light],
            [
              "last sync",
              last
                ? `${last.finished_at} ${last.outcome} (trigger ${last.trigger}, ${last.artifacts.length} artifact(s), ${last.duration_ms} ms)${last.error ? `: ${last.error}` : ""}`
                : "never",
            ],
            ["pending", s.pending_updates.length ? s.pending_updates.join(", ") : "none"],
            [
              "conflicts",
              s.conflicts.length
                ? s.conflicts.map((c) => `${c.artifact} in ${c.project}`).join(", ")
                : "none",
            ],
            [
              "held back",
              s.invalid.length
                ? s.invalid.map((i) => `${i.artifact} (${i.problems[0] ?? "invalid"})`).join(", ")
                : "none",
            ],
            ["next scheduled", s.next_scheduled ?? (live ? "no schedules" : "-")],
            [
              "backoff",
              s.backoff.failures > 0
                ? `${s.backoff.failures} failure(s)${s.backoff.until ? `, next try after ${s.backoff.until}` : ""}; last error: ${s.backoff.last_error ?? "?"}`
                : "none",
            ],
          ];
          for (const [k, v] of rows) ctx.out.line(`${k.padEnd(15)} ${v}`);
        }
        return s.conflicts.length > 0 ? EXIT.drift : EXIT.ok;
      }),
    );

  auto
    .command("enable")
    .description("turn automatic sync on (config daemon.enabled = true)")
    .option("--json", "print as JSON")
    .action(wrapCommand(async (_opts: unknown, cmd: Command) => setEnabled(cmd, true)));

  auto
    .command("disable")
    .description("turn automatic sync off; the daemon keeps serving the API and UI")
    .option("--json", "print as JSON")
    .action(wrapCommand(async (_opts: unknown, cmd: Command) => setEnabled(cmd, false)));

  auto
    .command("history")
    .description("past syncs, newest first: time, trigger, artifacts, result, duration")
    .option("--limit <n>", "how many (default 20)", "20")
    .option("--json", "print as JSON")
    .action(
      wrapCommand(async (opts: { limit: string }, cmd: Command) => {
        const ctx = await contextFor(cmd);
        const n = Number(opts.limit);
        if (!Number.isInteger(n) || n < 1) {
          const { SkillsyncError } = await import("../../core/errors.js");
          throw new SkillsyncError("USAGE", `--limit must be a positive integer, got '${opts.limit}'`);
        }
        const { daemonHistory } = await import("../../daemon/offline-status.js");
        const rows = daemonHistory(await openDb(ctx), n);
        if (ctx.out.jsonMode) ctx.out.json({ history: rows });
        else if (rows.length === 0) ctx.out.line("no syncs recorded yet");
        else
          ctx.out.table(
            ["time", "trigger", "artifacts", "result", "duration"],
            rows.map((r) => [
              r.started_at,
              r.trigger,
              r.artifacts.length <= 3
                ? r.artifacts.join(", ") || "-"
                : `${r.artifacts.slice(0, 3).join(", ")} +${r.artifacts.length - 3}`,
              r.outcome +
                (r.invalid.length ? ` (${r.invalid.length} held back)` : "") +
                (r.conflicts.length ? ` (${r.conflicts.length} conflict(s))` : "") +
                (r.error ? `: ${r.error}` : ""),
              `${r.duration_ms} ms`,
            ]),
          );
        return 0;
      }),
    );
}

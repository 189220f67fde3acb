/**
 * The daemon's clocks: the cron `daemon.schedules` (croner, `protect`: a run never overlaps itself),
 * each asking for a `schedule` sync, and the `daemon.rescan_interval` timer that rescans everything
 * (catching what a watcher missed).
 */
import type { RequestAuto } from "./runtime.js";
import { type DaemonRuntime, iso } from "./runtime.js";

/** The schedules of one daemon. */
export interface Schedules {
  /** (Re)starts the cron jobs from the live config; an invalid expression is logged and skipped. */
  startCrons(): Promise<void>;
  /** (Re)arms the rescan timer from the live config. */
  armRescan(): void;
  /** The next cron run (ISO 8601 UTC), or null. */
  nextScheduled(): string | null;
  stop(): void;
}

/** Builds the schedules; nothing runs before `startCrons` / `armRescan`. */
export function createSchedules(
  rt: DaemonRuntime,
  parts: { requestAuto: RequestAuto; fullRescan: (why: string) => Promise<void> },
): Schedules {
  let crons: { nextRun(): Date | null; stop(): void }[] = [];
  let rescanTimer: unknown;
  const armRescan = () => {
    if (rescanTimer !== undefined) rt.timers.clearTimeout(rescanTimer);
    rescanTimer = rt.timers.setTimeout(() => {
      void parts
        .fullRescan("interval")
        .catch((e) => rt.log.error("rescan failed", { error: String(e) }))
        .finally(armRescan);
    }, rt.config.daemon.rescan_interval * 1000);
  };
  return {
    async startCrons() {
      for (const c of crons) c.stop();
      crons = [];
      if (rt.config.daemon.schedules.length === 0) return;
      const { Cron } = await import("croner");
      for (const expr of rt.config.daemon.schedules) {
        try {
          crons.push(new Cron(expr, { protect: true }, () => parts.requestAuto("schedule")));
        } catch (e) {
          rt.log.error("invalid schedule; skipped", { schedule: expr, error: (e as Error).message });
        }
      }
    },
    armRescan,
    nextScheduled() {
      let min: number | undefined;
      for (const c of crons) {
        const t = c.nextRun()?.getTime();
        if (t !== undefined && (min === undefined || t < min)) min = t;
      }
      return min === undefined ? null : iso(min);
    },
    stop() {
      for (const c of crons) c.stop();
      if (rescanTimer !== undefined) rt.timers.clearTimeout(rescanTimer);
    },
  };
}

/**
 * Reloading the daemon's configuration: `config.toml` and `credentials.toml` in `$SKILLSYNC_HOME`
 * are watched (debounced 150 ms, at most 2 s); a changed config is validated first (an invalid one is
 * logged and the previous one kept), then only the parts whose settings changed restart.
 */
import { type FSWatcher, watch as fsWatch } from "node:fs";
import { SkillsyncError } from "../core/errors.js";
import { type Config, loadConfig } from "../store/config.js";
import type { HubSubscription } from "./hub-subscription.js";
import type { ChangeIntake } from "./intake.js";
import { type DaemonRuntime, emit, iso } from "./runtime.js";
import { Debouncer, type SyncScheduler } from "./scheduler.js";
import type { Schedules } from "./schedules.js";

/** The parts a reload restarts. */
export interface ReloadParts {
  intake: ChangeIntake;
  schedules: Schedules;
  hubs: HubSubscription;
  scheduler: SyncScheduler;
  changed: () => void;
}

/** Re-reads config.toml and applies what changed (see the module comment). */
export async function reloadConfig(rt: DaemonRuntime, parts: ReloadParts): Promise<void> {
  let next: Config;
  try {
    next = await loadConfig(rt.paths.config, rt.paths.stateDb);
  } catch (e) {
    rt.log.error("config invalid; keeping the previous one", {
      error: e instanceof SkillsyncError ? e.toLine() : String(e),
    });
    return;
  }
  const prev = rt.config;
  rt.config = next;
  const same = (f: (c: Config) => unknown) => JSON.stringify(f(prev)) === JSON.stringify(f(next));
  rt.log.info("config reloaded", { enabled: next.daemon.enabled });
  if (!same((c) => [c.projects, c.profile, c.daemon.triggers, c.daemon.exclusions]))
    await parts.intake.reconfigure();
  if (!same((c) => c.daemon.schedules)) await parts.schedules.startCrons();
  if (!same((c) => [c.remotes, c.daemon.poll_interval])) parts.hubs.start();
  if (!same((c) => c.daemon.rescan_interval)) parts.schedules.armRescan();
  if (next.daemon.enabled && !prev.daemon.enabled) {
    const queued = [...rt.pendingAuto];
    rt.pendingAuto.clear();
    for (const s of queued.length > 0 ? queued : ["startup"]) void parts.scheduler.request(s);
  }
  emit(rt, { type: "config-changed", at: iso(rt.timers.now()) });
  parts.changed();
}

/** Watches `$SKILLSYNC_HOME` for config and credentials changes. @returns a function that stops it */
export function watchConfigFiles(rt: DaemonRuntime, parts: ReloadParts): () => void {
  const configDebounce = new Debouncer({
    timers: rt.timers,
    delayMs: () => 150,
    maxWaitMs: () => 2000,
    fire: () => void reloadConfig(rt, parts),
  });
  const credsDebounce = new Debouncer({
    timers: rt.timers,
    delayMs: () => 150,
    maxWaitMs: () => 2000,
    fire: () => parts.hubs.start(),
  });
  let configWatch: FSWatcher | undefined;
  try {
    configWatch = fsWatch(rt.paths.root, (_event, file) => {
      if (file === "config.toml") configDebounce.touch();
      else if (file === "credentials.toml") credsDebounce.touch();
    });
    configWatch.on("error", (e) => rt.log.warn("config watch error", { error: e.message }));
  } catch (e) {
    rt.log.warn("cannot watch config.toml; restart the daemon after changing it", {
      error: (e as Error).message,
    });
  }
  return () => {
    configDebounce.cancel();
    credsDebounce.cancel();
    configWatch?.close();
  };
}

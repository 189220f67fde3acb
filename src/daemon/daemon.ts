/**
 * The long-running daemon: scans the collection and registered projects into `local_skills`, watches
 * them, runs cron schedules, follows hub remotes, and hands every resulting sync to one
 * {@link SyncScheduler}; serves the local HTTP API and web UI on 127.0.0.1. The sync engine itself is
 * injected ({@link SyncRunner}), so the daemon is tested with fakes and runs the real `syncAll`.
 *
 * This file is the lifecycle (lock, boot order, stop order); each part has its own module:
 * `intake.ts` (scan roots, file watcher, debounced changes → requests), `scheduler.ts` (one run at a
 * time, limits, backoff), `sync-run.ts` (what one run does), `schedules.ts` (cron, rescan timer),
 * `hub-subscription.ts` (hub events), `config-reload.ts` (config and credentials changes),
 * `status.ts` (status and its persistence), `http.ts` (the local API and web UI). They share a
 * {@link DaemonRuntime}.
 */
import type { Hono } from "hono";
import { loadConfig } from "../store/config.js";
import { homePaths } from "../store/home.js";
import { StatCache } from "../store/stat-cache.js";
import { readPersistedState } from "../store/state/daemon-state.js";
import { listLocalSkills } from "../store/state/local-skills.js";
import { openStateDb } from "../store/state-db.js";
import { watchConfigFiles } from "./config-reload.js";
import type { DaemonContext, SyncRunEntry } from "./context.js";
import { listenHttp } from "./http.js";
import { createHubSubscription } from "./hub-subscription.js";
import {
  acquireDaemonLock,
  ensureToken,
  type ReleaseDaemonLock,
  removeDaemonInfo,
  writeDaemonInfo,
} from "./instance.js";
import { type ChangeIntake, createChangeIntake } from "./intake.js";
import { createFileLogger, type Logger } from "./log.js";
import { daemonHistory } from "./offline-status.js";
import { type DaemonRuntime, emit, iso } from "./runtime.js";
import { realTimers, SyncScheduler, type Timers } from "./scheduler.js";
import { createSchedules } from "./schedules.js";
import { createStatusReporter } from "./status.js";
import { createSyncRun } from "./sync-run.js";
import type { HubFetcher, SyncRunner } from "./sync-types.js";

/** Options of {@link startDaemon}. */
export interface StartDaemonOptions {
  /** Absolute `$SKILLSYNC_HOME`. */
  home: string;
  /** Collection name; default from config. */
  collection?: string;
  /** Port on 127.0.0.1; default config `daemon.port` (7077); 0 picks a free port. */
  port?: number;
  /** The sync engine. */
  runner: SyncRunner;
  /** Fetches a hub remote's changes into the collection before a hub-triggered run. */
  hubFetcher?: HubFetcher;
  /** Mirror log lines to stderr. */
  verbose?: boolean;
  /** Log sink; default `$SKILLSYNC_HOME/logs/daemon.log`. */
  logger?: Logger;
  /** Clock and timers; default the real ones. */
  timers?: Timers;
  /** Jitter source for the backoff. */
  random?: () => number;
  /** Folder of the built web UI; default `dist/web`. */
  webRoot?: string;
  /** File watcher backend: `folders` (default: one OS watch per folder) or `chokidar`. */
  watcherBackend?: "folders" | "chokidar";
  /** Registers the web UI's API routes; default `registerUiRoutes` from `./ui-api.js`. */
  registerUi?: (app: Hono, ctx: DaemonContext) => void;
}

/** A running daemon. */
export interface DaemonHandle {
  /** The port it listens on. */
  port: number;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  ctx: DaemonContext;
  scheduler: SyncScheduler;
  /** Resolves when the file watcher has finished its initial crawl. */
  watching: Promise<void>;
  /** Full rescan now (as after a watcher error); requests a sync when something changed. */
  rescan(): Promise<void>;
  /** Stops everything: aborts and awaits the run in flight, closes the server, releases the lock. */
  stop(): Promise<void>;
}

/**
 * Starts the daemon and returns once it listens.
 * @throws SkillsyncError LOCKED when another daemon runs for this home; INVALID_CONFIG; USAGE when the port is taken
 */
export async function startDaemon(opts: StartDaemonOptions): Promise<DaemonHandle> {
  const paths = homePaths(opts.home);
  const timers = opts.timers ?? realTimers;
  const log = opts.logger ?? createFileLogger({ dir: paths.logs, verbose: opts.verbose ?? false });
  const config = await loadConfig(paths.config, paths.stateDb);
  const collection = opts.collection ?? config.collection;
  const release: ReleaseDaemonLock = await acquireDaemonLock(paths, (e) =>
    log.error("daemon lock compromised", { error: e.message }),
  );
  try {
    return await boot({ opts, paths, timers, log, config, collection, release });
  } catch (e) {
    await release().catch(() => {});
    throw e;
  }
}

/** Builds the parts in order, starts them, and returns the handle whose `stop` ends them in reverse. */
async function boot(input: {
  opts: StartDaemonOptions;
  paths: ReturnType<typeof homePaths>;
  timers: Timers;
  log: Logger;
  config: Awaited<ReturnType<typeof loadConfig>>;
  collection: string;
  release: ReleaseDaemonLock;
}): Promise<DaemonHandle> {
  const { opts, paths, timers, log, release } = input;
  const token = await ensureToken(paths);
  const db = openStateDb(paths.stateDb);
  const persisted = readPersistedState(db);
  const rt: DaemonRuntime = {
    home: opts.home,
    paths,
    collection: input.collection,
    config: input.config,
    db,
    cache: new StatCache(db),
    log,
    timers,
    pending: new Set<string>(persisted.pending),
    pendingAuto: new Set<string>(),
    expected: new Map(),
    remoteArtifacts: new Map(),
    mediumCount: 0,
    stopping: false,
    port: 0,
    listeners: new Set(),
  };

  // The parts refer to each other through these getters; all exist before anything runs.
  let intake: ChangeIntake | undefined;
  const reporter = createStatusReporter(rt, {
    scheduler: () => scheduler,
    nextScheduled: () => schedules.nextScheduled(),
  });
  const scheduler = new SyncScheduler({
    timers,
    run: createSyncRun(rt, { runner: opts.runner, hubFetcher: opts.hubFetcher }),
    ...(opts.random ? { random: opts.random } : {}),
    limits: () => ({
      minIntervalMs: rt.config.daemon.min_interval * 1000,
      cooldownMs: rt.config.daemon.cooldown * 1000,
      backoffCapMs: rt.config.daemon.backoff_cap * 1000,
    }),
    onChange: () => {
      intake?.afterSchedulerChange();
      reporter.changed();
    },
  });
  /** An automatic request: runs only while `daemon.enabled`; otherwise remembered until enabled. */
  const requestAuto = (source: string, exempt = false) => {
    if (rt.stopping) return;
    if (!rt.config.daemon.enabled) {
      rt.pendingAuto.add(source);
      reporter.changed();
      return;
    }
    void scheduler.request(source, { exempt });
  };
  intake = createChangeIntake(rt, {
    scheduler: () => scheduler,
    requestAuto,
    changed: reporter.changed,
    watcherBackend: opts.watcherBackend,
  });
  const changes = intake;
  const schedules = createSchedules(rt, { requestAuto, fullRescan: changes.fullRescan });
  const hubs = createHubSubscription(rt, { requestAuto });
  const stopConfigWatch = watchConfigFiles(rt, {
    intake: changes,
    schedules,
    hubs,
    scheduler,
    changed: reporter.changed,
  });

  const ctx: DaemonContext = {
    home: opts.home,
    paths,
    getConfig: () => rt.config,
    collection: rt.collection,
    token,
    stateDb: db,
    emit: (e) => emit(rt, e),
    subscribe(l) {
      rt.listeners.add(l);
      return () => rt.listeners.delete(l);
    },
    requestSync: (trigger) => scheduler.request(trigger, { force: true }),
    status: reporter.status,
    daemonStatus: reporter.daemonStatus,
    history: (limit?: number): SyncRunEntry[] => daemonHistory(db, limit),
    localSkills: () => listLocalSkills(db),
    now: () => timers.now(),
  };

  await changes.fullRescan("startup");

  const http = await listenHttp(rt, {
    ctx,
    port: opts.port ?? rt.config.daemon.port,
    webRoot: opts.webRoot,
    registerUi: opts.registerUi,
    fsmonitor: changes.fsmonitor,
  });
  rt.port = http.port;
  const port = http.port;
  await writeDaemonInfo(paths, { pid: process.pid, port, started_at: iso(timers.now()) });
  log.info("daemon started", { pid: process.pid, port, home: opts.home, enabled: rt.config.daemon.enabled });

  await changes.restartWatcher();
  await schedules.startCrons();
  hubs.start();
  schedules.armRescan();
  for (const s of persisted.queued) if (s !== "retry") rt.pendingAuto.add(s);
  if (rt.config.daemon.enabled) {
    const queued = [...rt.pendingAuto];
    rt.pendingAuto.clear();
    requestAuto("startup");
    for (const s of queued) requestAuto(s);
  }
  reporter.changed();

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      rt.stopping = true;
      log.info("daemon stopping");
      stopConfigWatch();
      schedules.stop();
      hubs.stop();
      await changes.close();
      await scheduler.stop();
      reporter.changed();
      rt.listeners.clear();
      await http.close();
      await removeDaemonInfo(paths, process.pid);
      await release().catch(() => {});
      log.info("daemon stopped");
    })();
    return stopped;
  };

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    ctx,
    scheduler,
    get watching() {
      return changes.watching();
    },
    rescan: () => changes.fullRescan("manual"),
    stop,
  };
}

/**
 * The long-running daemon: scans the collection and registered projects into `local_skills`, watches
 * them, runs cron schedules, follows hub remotes, and hands every resulting sync to one
 * {@link SyncScheduler}; serves the local HTTP API and web UI on 127.0.0.1. The sync engine itself is
 * injected ({@link SyncRunner}), so the daemon is tested with fakes and runs the real `syncAll`.
 */
import { existsSync, type FSWatcher, watch as fsWatch } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Hono } from "hono";
import { SkillsyncError } from "../core/errors.js";
import { type Config, loadConfig } from "../store/config.js";
import { readCredentials } from "../store/credentials.js";
import { type HomePaths, homePaths } from "../store/home.js";
import { StatCache } from "../store/stat-cache.js";
import { recordRun } from "../store/state/daemon-history.js";
import { readPersistedState, writePersistedState } from "../store/state/daemon-state.js";
import { listLocalSkills } from "../store/state/local-skills.js";
import { openStateDb, type StateDb } from "../store/state-db.js";
import { type Classifier, createClassifier, type Priority } from "./classify.js";
import type {
  DaemonContext,
  DaemonEvent,
  DaemonStatus,
  RunOutcome,
  SyncRunEntry,
  SyncStatus,
} from "./context.js";
import { Fsmonitor } from "./fsmonitor.js";
import { type HubWatch, watchHub } from "./hub-watch.js";
import {
  acquireDaemonLock,
  ensureToken,
  type ReleaseDaemonLock,
  removeDaemonInfo,
  writeDaemonInfo,
} from "./instance.js";
import { createFileLogger, type Logger } from "./log.js";
import { daemonHistory, lastRuns } from "./offline-status.js";
import { artifactForPath, type ScanRoot, scanAll, scanArtifact, scanRootsFor } from "./scan.js";
import {
  Debouncer,
  type RunRequest,
  type RunResult,
  realTimers,
  SyncScheduler,
  type Timers,
} from "./scheduler.js";
import { createApp } from "./server.js";
import { statusColor } from "./status-color.js";
import type { HubFetcher, SyncResult, SyncRunner, SyncRunReport } from "./sync-types.js";
import { startWatcher, type Watcher } from "./watcher.js";

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

const FULL_SOURCES = new Set(["startup", "schedule", "manual", "retry", "rescan"]);

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The hub tokens by remote; an invalid or open credentials file is logged and ignored (no tokens). */
function hubTokens(paths: HomePaths, log: Logger): Record<string, { token?: string }> {
  try {
    return readCredentials(paths.credentials).remotes;
  } catch (e) {
    log.error("credentials not used", { error: (e as Error).message });
    return {};
  }
}

/**
 * Starts the daemon and returns once it listens.
 * @throws SkillsyncError LOCKED when another daemon runs for this home; INVALID_CONFIG; USAGE when the port is taken
 */
export async function startDaemon(opts: StartDaemonOptions): Promise<DaemonHandle> {
  const paths = homePaths(opts.home);
  const timers = opts.timers ?? realTimers;
  const log = opts.logger ?? createFileLogger({ dir: paths.logs, verbose: opts.verbose ?? false });
  let config = await loadConfig(paths.config);
  const collection = opts.collection ?? config.collection;
  const release: ReleaseDaemonLock = await acquireDaemonLock(paths, (e) =>
    log.error("daemon lock compromised", { error: e.message }),
  );
  try {
    return await boot();
  } catch (e) {
    await release().catch(() => {});
    throw e;
  }

  async function boot(): Promise<DaemonHandle> {
    const token = await ensureToken(paths);
    const db: StateDb = openStateDb(paths.stateDb);
    const cache = new StatCache(db);
    const listeners = new Set<(e: DaemonEvent) => void>();
    const persisted = readPersistedState(db);
    const pending = new Set<string>(persisted.pending);
    const pendingAuto = new Set<string>();
    /** Tree hashes the last runs wrote, by `kind/name` and by name: such changes are not user edits. */
    const expected = new Map<string, Set<string>>();
    const remoteArtifacts = new Map<string, Map<string, string | null>>();
    let roots: ScanRoot[] = scanRootsFor({ home: opts.home, config, collection });
    let classifier: Classifier = createClassifier(config.daemon);
    let mediumCount = 0;
    let stopping = false;
    let port = 0;

    const emit = (e: DaemonEvent) => {
      for (const l of [...listeners]) {
        try {
          l(e);
        } catch {}
      }
    };

    // --- status -----------------------------------------------------------------------------
    let crons: { nextRun(): Date | null; stop(): void }[] = [];
    const nextScheduled = (): string | null => {
      let min: number | undefined;
      for (const c of crons) {
        const t = c.nextRun()?.getTime();
        if (t !== undefined && (min === undefined || t < min)) min = t;
      }
      return min === undefined ? null : iso(min);
    };
    const status = (): SyncStatus => {
      const { last, ok } = lastRuns(db);
      const sched = scheduler.status();
      const conflicts = ok?.conflicts ?? [];
      const pendingList = [...pending].sort();
      return {
        last_sync: last?.finished_at ?? null,
        synced_skills: ok ? ok.results.filter((r) => r.success).length : 0,
        pending_updates: pendingList,
        conflicts,
        state: statusColor({
          lastOutcome: last?.outcome ?? null,
          conflicts: conflicts.length,
          pending: pendingList.length,
          invalid: ok?.invalid.length ?? 0,
          busy: sched.running || sched.queued.length > 0,
        }),
      };
    };
    const daemonStatus = (): DaemonStatus => {
      const s = status();
      const sched = scheduler.status();
      const { last, ok } = lastRuns(db);
      return {
        ...s,
        enabled: config.daemon.enabled,
        running: sched.running,
        queued: [...new Set([...sched.queued, ...pendingAuto])],
        next_scheduled: nextScheduled(),
        backoff: {
          failures: sched.failures,
          until: sched.blockedUntil > 0 ? iso(sched.blockedUntil) : null,
          last_error: sched.lastError,
        },
        last_outcome: last?.outcome ?? null,
        invalid: ok?.invalid ?? [],
        pid: process.pid,
        port,
      };
    };
    let lastColor: string | undefined;
    const changed = () => {
      if (stopping && !db.open) return;
      const d = daemonStatus();
      writePersistedState(db, {
        pending: d.pending_updates,
        backoff: d.backoff,
        next_scheduled: d.next_scheduled,
        queued: d.queued,
      });
      const key = JSON.stringify([d.state, d.pending_updates, d.conflicts, d.last_sync]);
      if (key !== lastColor) {
        lastColor = key;
        emit({ type: "status-changed", at: iso(timers.now()), status: status() });
      }
    };

    // --- runs -------------------------------------------------------------------------------
    const run = async (req: RunRequest): Promise<RunResult> => {
      const cfg = config;
      const trigger = req.sources.join(",");
      const started = timers.now();
      const served = new Set(pending);
      mediumCount = 0;
      log.info("sync started", { trigger });
      emit({ type: "sync-started", at: iso(started), trigger });
      const errors: string[] = [];
      const fetched: SyncResult[] = [];
      let report: SyncRunReport = { results: [], conflicts: [], invalid: [], errors: [] };
      if (opts.hubFetcher) {
        const all = req.sources.some((s) => FULL_SOURCES.has(s));
        const remotes = Object.keys(cfg.remotes).filter((r) => all || req.sources.includes(`hub:${r}`));
        for (const remote of remotes) {
          if (req.signal.aborted) break;
          try {
            const results = await opts.hubFetcher({ home: opts.home, config: cfg, collection, remote });
            fetched.push(...results);
            const seen = remoteArtifacts.get(remote) ?? new Map<string, string | null>();
            for (const r of results) seen.set(r.artifact_name, r.new_hash);
            remoteArtifacts.set(remote, seen);
          } catch (e) {
            errors.push(`hub ${remote}: ${(e as Error).message}`);
          }
        }
      }
      if (!req.signal.aborted) {
        try {
          report = await opts.runner({
            home: opts.home,
            config: cfg,
            collection,
            projects: cfg.projects,
            trigger,
            signal: req.signal,
          });
        } catch (e) {
          errors.push((e as Error)?.message ?? String(e));
        }
      } else errors.push("stopped before the sync started");
      errors.push(...report.errors);
      const results = [...fetched, ...report.results];
      const wrote = new Map<string, Set<string>>();
      for (const r of results)
        if (r.new_hash) wrote.set(r.artifact_name, (wrote.get(r.artifact_name) ?? new Set()).add(r.new_hash));
      for (const [name, hashes] of wrote) expected.set(name, hashes);
      const outcome: RunOutcome =
        errors.length > 0
          ? "failed"
          : report.conflicts.length > 0 || report.invalid.length > 0
            ? "partial"
            : "ok";
      const finished = timers.now();
      const error = errors.length > 0 ? errors.join("; ") : null;
      const entry = {
        started_at: iso(started),
        finished_at: iso(finished),
        duration_ms: finished - started,
        trigger,
        artifacts: [...new Set(results.map((r) => r.artifact_name))],
        outcome,
        error,
        conflicts: report.conflicts,
        invalid: report.invalid,
        results,
      };
      const id = db.open ? recordRun(db, entry) : 0;
      // backup.auto: commit the collection to the backup repo after a sync that changed something.
      if (cfg.backup.auto && outcome !== "failed" && results.some((r) => r.success && r.new_hash)) {
        try {
          const { runBackup } = await import("../sync/backup.js");
          const b = await runBackup({ home: opts.home, config: cfg, collection, warn: (m) => log.warn(m) });
          log.info("backup finished", { committed: b.committed });
        } catch (e) {
          log.error("backup failed", { error: (e as Error).message });
        }
      }
      if (outcome !== "failed") for (const p of served) pending.delete(p);
      for (const inv of report.invalid) pending.add(inv.artifact);
      log[outcome === "failed" ? "error" : "info"]("sync finished", {
        trigger,
        outcome,
        duration_ms: entry.duration_ms,
        artifacts: entry.artifacts.length,
        conflicts: report.conflicts.length,
        invalid: report.invalid.map((i) => i.artifact),
        ...(error ? { error } : {}),
      });
      emit({
        type: "sync-finished",
        at: iso(finished),
        trigger,
        outcome,
        duration_ms: entry.duration_ms,
        error,
        history_id: id,
      });
      return error ? { ok: false, error } : { ok: true };
    };

    const scheduler = new SyncScheduler({
      timers,
      run,
      ...(opts.random ? { random: opts.random } : {}),
      limits: () => ({
        minIntervalMs: config.daemon.min_interval * 1000,
        cooldownMs: config.daemon.cooldown * 1000,
        backoffCapMs: config.daemon.backoff_cap * 1000,
      }),
      onChange: () => {
        if (deferredFlush && !scheduler.status().running) {
          deferredFlush = false;
          flush();
        }
        changed();
      },
    });

    /** An automatic request: runs only while `daemon.enabled`; otherwise remembered until enabled. */
    const requestAuto = (source: string, exempt = false) => {
      if (stopping) return;
      if (!config.daemon.enabled) {
        pendingAuto.add(source);
        changed();
        return;
      }
      void scheduler.request(source, { exempt });
    };

    // --- scanning and watching --------------------------------------------------------------
    const isExpected = (kind: string, name: string, hash: string | null | undefined) =>
      hash != null &&
      (expected.get(`${kind}/${name}`)?.has(hash) === true || expected.get(name)?.has(hash) === true);

    /** Roots that existed when the watcher started: a root created later is watched after a rescan. */
    let watchedRoots = "";
    const existingRoots = () =>
      roots
        .filter((r) => existsSync(r.root))
        .map((r) => r.root)
        .join("\n");
    const fullRescan = async (why: string) => {
      if (watcher && why !== "startup" && existingRoots() !== watchedRoots) await restartWatcher();
      const r = await scanAll({ db, cache, roots, seenAt: iso(timers.now()) });
      const real = r.changed.filter((c) => !isExpected(c.kind, c.name, c.tree_hash));
      log.info("scan finished", { why, artifacts: r.count, changed: real.length });
      emit({ type: "scan-finished", at: iso(timers.now()), artifacts: r.count });
      if (real.length > 0 && why !== "startup") {
        for (const c of real) pending.add(`${c.kind}/${c.name}`);
        requestAuto("rescan");
      }
    };

    const dirty = new Map<string, { priority: Priority; root: ScanRoot; abs: string }>();
    /** Set when changes arrived during a run: they are examined once it ended (and its writes are known). */
    let deferredFlush = false;
    const flush = () => {
      if (stopping) return;
      if (scheduler.status().running) {
        deferredFlush = true;
        return;
      }
      const byPriority: Record<Priority, string[]> = { high: [], medium: [], low: [] };
      const seenAt = iso(timers.now());
      const done = new Set<string>();
      for (const [key, d] of dirty) {
        const hit = artifactForPath(roots, d.abs);
        if (!hit) {
          byPriority[d.priority].push(key);
          continue;
        }
        if (done.has(hit.loc.path)) continue;
        done.add(hit.loc.path);
        let out: ReturnType<typeof scanArtifact>;
        try {
          out = scanArtifact({ db, cache, root: hit.root, loc: hit.loc, seenAt });
        } catch (e) {
          log.warn("cannot scan artifact", { path: hit.loc.path, error: (e as Error).message });
          continue;
        }
        if (!out.changed || isExpected(hit.loc.kind, hit.loc.name, out.row?.tree_hash)) continue;
        byPriority[d.priority].push(`${hit.loc.kind}/${hit.loc.name}`);
      }
      dirty.clear();
      const all = [...byPriority.high, ...byPriority.medium, ...byPriority.low];
      if (all.length === 0) return;
      for (const a of all) pending.add(a);
      log.debug("changes", byPriority);
      if (byPriority.high.length > 0) requestAuto("watch", true);
      mediumCount += byPriority.medium.length;
      if (byPriority.medium.length > 0 && mediumCount >= config.daemon.min_changes)
        requestAuto("watch:medium");
      changed();
    };
    const debouncer = new Debouncer({
      timers,
      delayMs: () => config.daemon.debounce_ms,
      maxWaitMs: () => Math.max(config.daemon.debounce_ms * 20, 10_000),
      fire: flush,
    });

    let watcher: Watcher | undefined;
    let rescanSoon: unknown;
    let watching: Promise<void> = Promise.resolve();
    /** `POST /api/fsmonitor`: which artifact locations changed since a token (docs/daemon.md). */
    const fsmonitor = new Fsmonitor({ cookieDir: join(paths.root, "fsmonitor") });
    const restartWatcher = async () => {
      fsmonitor.watchStopped();
      await watcher?.close();
      watcher = undefined;
      if (stopping) return;
      watchedRoots = existingRoots();
      const backend = opts.watcherBackend ?? config.daemon.watcher;
      const watchRoots = roots;
      watcher = await startWatcher({
        roots: watchRoots,
        classifier,
        triggerPatterns: config.daemon.triggers.map((t) => t.pattern),
        backend,
        // Every change under a root, before exclusions and triggers: the fsmonitor log must name
        // an artifact whose excluded or non-trigger file changed, though no sync follows.
        onObserved: (c) => fsmonitor.observe(c),
        onChange: (c) => {
          const prev = dirty.get(c.abs);
          const rank = { low: 0, medium: 1, high: 2 } as const;
          if (!prev || rank[c.priority] > rank[prev.priority])
            dirty.set(c.abs, { priority: c.priority, root: c.root, abs: c.abs });
          debouncer.touch();
        },
        onError: (e) => {
          fsmonitor.watcherError(e);
          // A burst of errors (e.g. one per folder when the OS runs out of watches) is one rescan.
          if (rescanSoon !== undefined) return;
          const hint = /ENOSPC|EMFILE/.test(e.message)
            ? "; the OS ran out of file watches (Linux: raise fs.inotify.max_user_watches)"
            : "";
          log.warn(`watcher error; rescanning everything${hint}`, { error: e.message });
          rescanSoon = timers.setTimeout(() => {
            rescanSoon = undefined;
            void fullRescan("watcher-error").catch((err) =>
              log.error("rescan failed", { error: String(err) }),
            );
          }, 1000);
        },
      });
      const started = watcher;
      watching = watcher.ready;
      await watching;
      // Still the current watcher (not closed by a restart meanwhile): its roots are watched now.
      if (watcher === started && !stopping) fsmonitor.watchStarted(watchRoots, backend);
    };

    // --- schedules, hub, rescan timer -------------------------------------------------------
    const startCrons = async () => {
      for (const c of crons) c.stop();
      crons = [];
      if (config.daemon.schedules.length === 0) return;
      const { Cron } = await import("croner");
      for (const expr of config.daemon.schedules) {
        try {
          crons.push(new Cron(expr, { protect: true }, () => requestAuto("schedule")));
        } catch (e) {
          log.error("invalid schedule; skipped", { schedule: expr, error: (e as Error).message });
        }
      }
    };

    let hubs: HubWatch[] = [];
    const startHubs = () => {
      for (const h of hubs) h.stop();
      hubs = [];
      const creds = hubTokens(paths, log);
      for (const [remote, r] of Object.entries(config.remotes)) {
        hubs.push(
          watchHub({
            remote,
            url: r.url,
            token: creds[remote]?.token,
            pollIntervalMs: () => config.daemon.poll_interval * 1000,
            log,
            timers,
            onChange: (info) => {
              log.info("hub change", { remote, cursor: info.cursor });
              emit({ type: "hub-change", at: iso(timers.now()), remote });
              requestAuto(`hub:${remote}`);
            },
          }),
        );
      }
    };

    let rescanTimer: unknown;
    const armRescan = () => {
      if (rescanTimer !== undefined) timers.clearTimeout(rescanTimer);
      rescanTimer = timers.setTimeout(() => {
        void fullRescan("interval")
          .catch((e) => log.error("rescan failed", { error: String(e) }))
          .finally(armRescan);
      }, config.daemon.rescan_interval * 1000);
    };

    // --- config reload ----------------------------------------------------------------------
    const reload = async () => {
      let next: Config;
      try {
        next = await loadConfig(paths.config);
      } catch (e) {
        log.error("config invalid; keeping the previous one", {
          error: e instanceof SkillsyncError ? e.toLine() : String(e),
        });
        return;
      }
      const prev = config;
      config = next;
      const same = (f: (c: Config) => unknown) => JSON.stringify(f(prev)) === JSON.stringify(f(next));
      log.info("config reloaded", { enabled: next.daemon.enabled });
      if (!same((c) => [c.projects, c.profile, c.daemon.triggers, c.daemon.exclusions])) {
        roots = scanRootsFor({ home: opts.home, config: next, collection });
        classifier = createClassifier(next.daemon);
        await fullRescan("config");
        await restartWatcher();
      }
      if (!same((c) => c.daemon.schedules)) await startCrons();
      if (!same((c) => [c.remotes, c.daemon.poll_interval])) startHubs();
      if (!same((c) => c.daemon.rescan_interval)) armRescan();
      if (next.daemon.enabled && !prev.daemon.enabled) {
        const queued = [...pendingAuto];
        pendingAuto.clear();
        for (const s of queued.length > 0 ? queued : ["startup"]) void scheduler.request(s);
      }
      emit({ type: "config-changed", at: iso(timers.now()) });
      changed();
    };
    let configWatch: FSWatcher | undefined;
    const configDebounce = new Debouncer({
      timers,
      delayMs: () => 150,
      maxWaitMs: () => 2000,
      fire: () => void reload(),
    });
    const credsDebounce = new Debouncer({
      timers,
      delayMs: () => 150,
      maxWaitMs: () => 2000,
      fire: () => startHubs(),
    });
    try {
      configWatch = fsWatch(paths.root, (_event, file) => {
        if (file === "config.toml") configDebounce.touch();
        else if (file === "credentials.toml") credsDebounce.touch();
      });
      configWatch.on("error", (e) => log.warn("config watch error", { error: e.message }));
    } catch (e) {
      log.warn("cannot watch config.toml; restart the daemon after changing it", {
        error: (e as Error).message,
      });
    }

    // --- context and server -----------------------------------------------------------------
    const ctx: DaemonContext = {
      home: opts.home,
      paths,
      getConfig: () => config,
      collection,
      token,
      stateDb: db,
      emit,
      subscribe(l) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      requestSync: (trigger) => scheduler.request(trigger, { force: true }),
      status,
      daemonStatus,
      history: (limit?: number): SyncRunEntry[] => daemonHistory(db, limit),
      localSkills: () => listLocalSkills(db),
      now: () => timers.now(),
    };

    await fullRescan("startup");

    let registerUi = opts.registerUi;
    if (!registerUi) {
      try {
        registerUi = (await import("./ui-api.js")).registerUiRoutes;
      } catch (e) {
        // Syncing matters more than the UI: serve the core API and say why the UI routes are missing.
        log.error("web UI routes unavailable", { error: (e as Error).message });
      }
    }
    const app = await createApp({
      ctx,
      port: () => port,
      ...(opts.webRoot ? { webRoot: opts.webRoot } : {}),
      ...(registerUi ? { registerUi } : {}),
      remoteArtifacts: () => remoteArtifacts,
      fsmonitor: (req) => fsmonitor.query(req),
    });
    const { serve } = await import("@hono/node-server");
    const wanted = opts.port ?? config.daemon.port;
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
    port = (server.address() as AddressInfo).port;
    const startedAt = iso(timers.now());
    await writeDaemonInfo(paths, { pid: process.pid, port, started_at: startedAt });
    log.info("daemon started", { pid: process.pid, port, home: opts.home, enabled: config.daemon.enabled });

    await restartWatcher();
    await startCrons();
    startHubs();
    armRescan();
    for (const s of persisted.queued) if (s !== "retry") pendingAuto.add(s);
    if (config.daemon.enabled) {
      const queued = [...pendingAuto];
      pendingAuto.clear();
      requestAuto("startup");
      for (const s of queued) requestAuto(s);
    }
    changed();

    let stopped: Promise<void> | undefined;
    const stop = () => {
      stopped ??= (async () => {
        stopping = true;
        log.info("daemon stopping");
        debouncer.cancel();
        configDebounce.cancel();
        credsDebounce.cancel();
        configWatch?.close();
        for (const c of crons) c.stop();
        for (const h of hubs) h.stop();
        if (rescanTimer !== undefined) timers.clearTimeout(rescanTimer);
        if (rescanSoon !== undefined) timers.clearTimeout(rescanSoon);
        fsmonitor.watchStopped();
        fsmonitor.close();
        await watcher?.close();
        await scheduler.stop();
        changed();
        listeners.clear();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
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
        return watching;
      },
      rescan: () => fullRescan("manual"),
      stop,
    };
  }
}

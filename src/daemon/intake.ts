/**
 * The daemon's watcher wiring: the scan roots (collection and registered projects), full rescans
 * into `local_skills`, the file watcher, and turning its bursts (debounced) into pending artifacts and
 * automatic sync requests by priority (`daemon.triggers`, `daemon.min_changes`). Changes caused by
 * the daemon's own runs (their tree hashes) are not user edits and request nothing; changes that
 * arrive during a run are examined once it ended. Also feeds the fsmonitor (`POST /api/fsmonitor`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Classifier, createClassifier, type Priority } from "./classify.js";
import { Fsmonitor } from "./fsmonitor.js";
import { type DaemonRuntime, emit, isExpected, iso, type RequestAuto } from "./runtime.js";
import { artifactForPath, type ScanRoot, scanAll, scanArtifact, scanRootsFor } from "./scan.js";
import { Debouncer, type SyncScheduler } from "./scheduler.js";
import { startWatcher, type Watcher } from "./watcher.js";

/** The watcher wiring of one daemon. */
export interface ChangeIntake {
  /** `POST /api/fsmonitor`: which artifact locations changed since a token (docs/daemon.md). */
  readonly fsmonitor: Fsmonitor;
  /** Resolves when the current watcher finished its initial crawl. */
  watching(): Promise<void>;
  /** Scans every root; outside startup, real changes become pending and request a sync. */
  fullRescan(why: string): Promise<void>;
  /** (Re)starts the file watcher on the current roots. */
  restartWatcher(): Promise<void>;
  /** Takes new roots and triggers from the live config, rescans and restarts the watcher. */
  reconfigure(): Promise<void>;
  /** Called by the scheduler on each change: examines changes that waited for a run to end. */
  afterSchedulerChange(): void;
  /** Stops the debouncer, the rescan timer, the watcher and the fsmonitor. */
  close(): Promise<void>;
}

/** Builds the intake; nothing is watched before {@link ChangeIntake.restartWatcher}. */
export function createChangeIntake(
  rt: DaemonRuntime,
  parts: {
    scheduler: () => SyncScheduler;
    requestAuto: RequestAuto;
    changed: () => void;
    watcherBackend: "folders" | "chokidar" | undefined;
  },
): ChangeIntake {
  const { log, timers } = rt;
  let roots: ScanRoot[] = scanRootsFor({ home: rt.home, config: rt.config, collection: rt.collection });
  let classifier: Classifier = createClassifier(rt.config.daemon);

  /** Roots that existed when the watcher started: a root created later is watched after a rescan. */
  let watchedRoots = "";
  const existingRoots = () =>
    roots
      .filter((r) => existsSync(r.root))
      .map((r) => r.root)
      .join("\n");
  const fullRescan = async (why: string) => {
    if (watcher && why !== "startup" && existingRoots() !== watchedRoots) await restartWatcher();
    const r = await scanAll({ db: rt.db, cache: rt.cache, roots, seenAt: iso(timers.now()) });
    const real = r.changed.filter((c) => !isExpected(rt, c.kind, c.name, c.tree_hash));
    log.info("scan finished", { why, artifacts: r.count, changed: real.length });
    emit(rt, { type: "scan-finished", at: iso(timers.now()), artifacts: r.count });
    if (real.length > 0 && why !== "startup") {
      for (const c of real) rt.pending.add(`${c.kind}/${c.name}`);
      parts.requestAuto("rescan");
    }
  };

  const dirty = new Map<string, { priority: Priority; root: ScanRoot; abs: string }>();
  /** Set when changes arrived during a run: they are examined once it ended (and its writes are known). */
  let deferredFlush = false;
  const flush = () => {
    if (rt.stopping) return;
    if (parts.scheduler().status().running) {
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
        out = scanArtifact({ db: rt.db, cache: rt.cache, root: hit.root, loc: hit.loc, seenAt });
      } catch (e) {
        log.warn("cannot scan artifact", { path: hit.loc.path, error: (e as Error).message });
        continue;
      }
      if (!out.changed || isExpected(rt, hit.loc.kind, hit.loc.name, out.row?.tree_hash)) continue;
      byPriority[d.priority].push(`${hit.loc.kind}/${hit.loc.name}`);
    }
    dirty.clear();
    const all = [...byPriority.high, ...byPriority.medium, ...byPriority.low];
    if (all.length === 0) return;
    for (const a of all) rt.pending.add(a);
    log.debug("changes", byPriority);
    if (byPriority.high.length > 0) parts.requestAuto("watch", true);
    rt.mediumCount += byPriority.medium.length;
    if (byPriority.medium.length > 0 && rt.mediumCount >= rt.config.daemon.min_changes)
      parts.requestAuto("watch:medium");
    parts.changed();
  };
  const debouncer = new Debouncer({
    timers,
    delayMs: () => rt.config.daemon.debounce_ms,
    maxWaitMs: () => Math.max(rt.config.daemon.debounce_ms * 20, 10_000),
    fire: flush,
  });

  let watcher: Watcher | undefined;
  let rescanSoon: unknown;
  let watching: Promise<void> = Promise.resolve();
  const fsmonitor = new Fsmonitor({ cookieDir: join(rt.paths.root, "fsmonitor") });
  const restartWatcher = async () => {
    fsmonitor.watchStopped();
    await watcher?.close();
    watcher = undefined;
    if (rt.stopping) return;
    watchedRoots = existingRoots();
    const backend = parts.watcherBackend ?? rt.config.daemon.watcher;
    const watchRoots = roots;
    watcher = await startWatcher({
      roots: watchRoots,
      classifier,
      triggerPatterns: rt.config.daemon.triggers.map((t) => t.pattern),
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
          void fullRescan("watcher-error").catch((err) => log.error("rescan failed", { error: String(err) }));
        }, 1000);
      },
    });
    const started = watcher;
    watching = watcher.ready;
    await watching;
    // Still the current watcher (not closed by a restart meanwhile): its roots are watched now.
    if (watcher === started && !rt.stopping) fsmonitor.watchStarted(watchRoots, backend);
  };

  return {
    fsmonitor,
    watching: () => watching,
    fullRescan,
    restartWatcher,
    async reconfigure() {
      roots = scanRootsFor({ home: rt.home, config: rt.config, collection: rt.collection });
      classifier = createClassifier(rt.config.daemon);
      await fullRescan("config");
      await restartWatcher();
    },
    afterSchedulerChange() {
      if (deferredFlush && !parts.scheduler().status().running) {
        deferredFlush = false;
        flush();
      }
    },
    async close() {
      debouncer.cancel();
      if (rescanSoon !== undefined) timers.clearTimeout(rescanSoon);
      fsmonitor.watchStopped();
      fsmonitor.close();
      await watcher?.close();
    },
  };
}

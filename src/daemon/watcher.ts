/**
 * One watcher over the collection and the registered projects. Only the folders that can hold
 * artifacts are descended into (the layouts' folders, e.g. `.claude/skills`, and the fixed part of
 * each trigger glob). Ignored segments (`.git`, `node_modules`) and skillsync's own temp files are
 * never reported, nor descended into. Excluded paths are not descended into either, except inside an
 * artifact location: every file there is part of the artifact's tree (the tree reader skips only
 * ignored segments and temp files), so the fsmonitor log ({@link WatcherOptions.onObserved}) must
 * hear it even though the daemon does not sync on it ({@link WatcherOptions.onChange} never sees it).
 *
 * Two backends behind one interface:
 * - `folders` (default): one `fs.watch` per folder and none per file, as issue 5 asks ("at most one
 *   OS watch per folder"); a folder watch reports changes to the files directly inside it
 *   (inotify, FSEvents, ReadDirectoryChangesW all do). With 10,000 skills it starts in about a second
 *   and adds ~30 MiB, where chokidar (which also watches every file) took ~10 s and ~200 MiB.
 * - `chokidar`: chokidar 5, for platforms where folder watches miss file changes.
 */
import { readFileSync } from "node:fs";
import picomatch from "picomatch";
import { placeChange } from "../core/fsmonitor.js";
import { IGNORED_SEGMENTS } from "../core/tree-hash.js";
import { TEMP_MARKER } from "../store/fs.js";
import type { Classifier, Priority } from "./classify.js";
import { relativeInside, type ScanRoot } from "./scan.js";

/** One reported change. */
export interface WatchedChange {
  /** Absolute path of the file or folder that changed. */
  abs: string;
  /** Path relative to its root, `/`-separated. */
  rel: string;
  root: ScanRoot;
  priority: Priority;
  /** chokidar's event name (`add`, `change`, `unlink`, `addDir`, `unlinkDir`). */
  event: string;
}

/** A change as the watcher saw it, before the sync's exclusions and trigger filters. */
export interface ObservedChange {
  /** Absolute path of the file or folder that changed. */
  abs: string;
  /** Path relative to its root, `/`-separated; `""` for the root itself. */
  rel: string;
  root: ScanRoot;
  event: string;
}

/** Options of {@link startWatcher}. */
export interface WatcherOptions {
  roots: readonly ScanRoot[];
  classifier: Classifier;
  /** Trigger globs, to find the folders worth watching. */
  triggerPatterns: readonly string[];
  onChange(change: WatchedChange): void;
  /**
   * Every change under a root, before exclusions and triggers filter it for {@link onChange} (only
   * ignored segments, temp files and paths off the watched folders are left out): the fsmonitor
   * log. Called synchronously while the OS event is handled.
   */
  onObserved?(change: ObservedChange): void;
  /** A watcher error (e.g. out of inotify watches): the daemon rescans everything. */
  onError(error: Error): void;
  /** `folders` (default) or `chokidar`. */
  backend?: "folders" | "chokidar";
}

/** A running watcher. */
export interface Watcher {
  /** Resolves once the initial crawl is done (events after this are reported). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Length of the kernel's inotify event queue (`/proc/sys/fs/inotify/max_queued_events`; 16384 where
 * it cannot be read). `SKILLSYNC_WATCH_QUEUE` overrides it (tests).
 */
export function maxQueuedEvents(): number {
  const forced = Number(process.env.SKILLSYNC_WATCH_QUEUE);
  if (Number.isInteger(forced) && forced > 0) return forced;
  try {
    const n = Number(readFileSync("/proc/sys/fs/inotify/max_queued_events", "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : 16384;
  } catch {
    return 16384;
  }
}

/** The folders (relative to a root) worth watching: layout folders plus each trigger's fixed base. */
export function watchedDirs(root: ScanRoot, triggerPatterns: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const p of Object.values(root.layout)) dirs.add(p.dir);
  for (const d of root.extraDirs ?? []) dirs.add(d);
  for (const t of triggerPatterns) dirs.add(picomatch.scan(t).base);
  return [...dirs];
}

/** True when `rel` is inside one of the root's other targets' skills folders. */
function inExtraDir(root: ScanRoot, rel: string): boolean {
  return (root.extraDirs ?? []).some((d) => rel.startsWith(`${d}/`));
}

/** True when `rel` is one of `dirs`, inside one, or an ancestor of one (`""` is everyone's ancestor). */
export function onWatchedPath(rel: string, dirs: readonly string[]): boolean {
  if (rel === "") return true;
  return dirs.some((d) => d === "" || rel === d || rel.startsWith(`${d}/`) || d.startsWith(`${rel}/`));
}

interface Placement {
  locate(abs: string): { root: ScanRoot; rel: string } | undefined;
  ignored(abs: string): boolean;
  report(abs: string, event: string): void;
}

function placement(opts: WatcherOptions, roots: readonly ScanRoot[]): Placement {
  const dirsByRoot = new Map(roots.map((r) => [r.root, watchedDirs(r, opts.triggerPatterns)]));
  const locate = (abs: string): { root: ScanRoot; rel: string } | undefined => {
    let best: { root: ScanRoot; rel: string } | undefined;
    for (const root of roots) {
      const rel = relativeInside(root.root, abs);
      if (rel !== undefined && (!best || root.root.length > best.root.root.length)) best = { root, rel };
    }
    return best;
  };
  return {
    locate,
    ignored(abs) {
      const hit = locate(abs);
      if (!hit) return true;
      const { rel, root } = hit;
      if (rel === "") return false;
      if (rel.split("/").some((s) => IGNORED_SEGMENTS.has(s) || s.includes(TEMP_MARKER))) return true;
      if (!onWatchedPath(rel, dirsByRoot.get(root.root) ?? [])) return true;
      // Inside an artifact an excluded path is still watched (for the fsmonitor log); report()
      // drops it for the sync, as classify() refuses excluded paths.
      return opts.classifier.excluded(rel) && placeChange(root.layout, rel).place === "outside";
    },
    report(abs, event) {
      const hit = locate(abs);
      if (!hit) return;
      opts.onObserved?.({ abs, rel: hit.rel, root: hit.root, event });
      if (hit.rel === "") return;
      // A change in another target's skills folder (issue 11) syncs as a Claude Code skill edit does.
      const priority =
        opts.classifier.classify(hit.rel) ??
        (inExtraDir(hit.root, hit.rel) && !opts.classifier.excluded(hit.rel) ? "high" : undefined);
      if (priority === undefined) return;
      opts.onChange({ abs, rel: hit.rel, root: hit.root, priority, event });
    },
  };
}

/** Starts watching (backend per `opts.backend`). Heavy modules are imported here, at daemon start. */
export async function startWatcher(opts: WatcherOptions): Promise<Watcher> {
  const { existsSync } = await import("node:fs");
  const roots = opts.roots.filter((r) => existsSync(r.root));
  if (roots.length === 0) return { ready: Promise.resolve(), close: async () => {} };
  const place = placement(opts, roots);
  return opts.backend === "chokidar"
    ? startChokidar(opts, roots, place)
    : startFolderWatcher(opts, roots, place);
}

async function startChokidar(
  opts: WatcherOptions,
  roots: readonly ScanRoot[],
  place: Placement,
): Promise<Watcher> {
  const { watch } = await import("chokidar");
  const watcher = watch(
    roots.map((r) => r.root),
    {
      ignoreInitial: true,
      ignored: (p: string) => place.ignored(p),
      persistent: true,
      followSymlinks: false,
    },
  );
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  watcher.on("all", (event, abs) => place.report(abs, event));
  watcher.on("error", (e) => opts.onError(e instanceof Error ? e : new Error(String(e))));
  return { ready, close: () => watcher.close() };
}

async function startFolderWatcher(
  opts: WatcherOptions,
  roots: readonly ScanRoot[],
  place: Placement,
): Promise<Watcher> {
  const fs = await import("node:fs");
  const { join, sep } = await import("node:path");
  /** Watched folder → its watch and the folder's identity (`dev:ino`) when the watch was added. */
  const watchers = new Map<string, { w: import("node:fs").FSWatcher; id: string }>();
  let closed = false;
  const identity = (st: import("node:fs").Stats) => `${st.dev}:${st.ino}`;

  const unwatchTree = (dir: string) => {
    for (const [d, { w }] of watchers)
      if (d === dir || d.startsWith(dir + sep)) {
        w.close();
        watchers.delete(d);
      }
  };

  /**
   * Watches `dir` and every allowed folder below it; `announce` reports each file found (a folder
   * moved in). Synchronous, so a folder created inside a watched one is watched before the next OS
   * event is handled (the fsmonitor's cookie barrier relies on that).
   */
  const watchTree = (dir: string, announce: boolean) => {
    if (closed || watchers.has(dir) || place.ignored(dir)) return;
    let w: import("node:fs").FSWatcher;
    let id: string;
    try {
      id = identity(fs.statSync(dir));
      w = fs.watch(dir, { persistent: true }, (event, name) => onEvent(dir, event, name));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return;
      opts.onError(new Error(`cannot watch ${dir}: ${err.message}`));
      return;
    }
    w.on("error", (e) => {
      unwatchTree(dir);
      if (!closed && fs.existsSync(dir)) opts.onError(e);
    });
    watchers.set(dir, { w, id });
    let entries: import("node:fs").Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = join(dir, e.name);
      if (e.isDirectory()) watchTree(child, announce);
      else if (announce && !place.ignored(child)) place.report(child, "add");
    }
  };

  // Queue overflow guard. Node does not report inotify's IN_Q_OVERFLOW, but an overflow means the
  // kernel held max_queued_events unread events, and libuv then reads the whole queue in one poll
  // phase: so when half that many events arrive in one phase, some may have been dropped. It is then
  // reported as a watcher error (the daemon rescans; the fsmonitor answers "all").
  const burstLimit = Math.max(64, Math.floor(maxQueuedEvents() / 2));
  let burst = 0;
  let burstReported = false;
  const countEvent = () => {
    if (burst++ === 0)
      setImmediate(() => {
        burst = 0;
        burstReported = false;
      });
    if (burst >= burstLimit && !burstReported) {
      burstReported = true;
      opts.onError(
        new Error(
          `${burst} file events in one read: the OS event queue may have overflowed and dropped some`,
        ),
      );
    }
  };

  const onEvent = (dir: string, event: string, name: string | Buffer | null) => {
    if (closed) return;
    countEvent();
    if (name === null || name === undefined) {
      place.report(dir, "change");
      return;
    }
    const abs = join(dir, String(name));
    if (place.ignored(abs)) return;
    let st: import("node:fs").Stats | undefined;
    try {
      st = fs.lstatSync(abs);
    } catch {
      st = undefined;
    }
    if (!st) {
      if (watchers.has(abs)) unwatchTree(abs);
      place.report(abs, "unlink");
      return;
    }
    if (st.isDirectory()) {
      const had = watchers.get(abs);
      // A folder replaced under the same name (moved away and another moved in, as an atomic
      // replace does) keeps the old folder's watch, which would miss every later change in it.
      if (had && had.id !== identity(st)) unwatchTree(abs);
      if (!watchers.has(abs)) {
        place.report(abs, "addDir");
        watchTree(abs, true);
        return;
      }
    }
    place.report(abs, event === "rename" ? "add" : "change");
  };

  for (const r of roots) watchTree(r.root, false);
  return {
    ready: Promise.resolve(),
    close: async () => {
      closed = true;
      for (const { w } of watchers.values()) w.close();
      watchers.clear();
    },
  };
}

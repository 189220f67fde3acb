/**
 * One chokidar 5 watcher over the collection and the registered projects. Only the folders that can
 * hold artifacts are descended into (the layouts' folders, e.g. `.claude/skills`, and the fixed part
 * of each trigger glob), so a large project costs a few OS watches (chokidar uses one per folder).
 * Excluded paths, ignored segments (`.git`, `node_modules`) and skillsync's own temp files are never
 * reported.
 */
import picomatch from "picomatch";
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

/** Options of {@link startWatcher}. */
export interface WatcherOptions {
  roots: readonly ScanRoot[];
  classifier: Classifier;
  /** Trigger globs, to find the folders worth watching. */
  triggerPatterns: readonly string[];
  onChange(change: WatchedChange): void;
  /** A watcher error (e.g. out of inotify watches): the daemon rescans everything. */
  onError(error: Error): void;
}

/** A running watcher. */
export interface Watcher {
  /** Resolves once the initial crawl is done (events after this are reported). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** The folders (relative to a root) worth watching: layout folders plus each trigger's fixed base. */
export function watchedDirs(root: ScanRoot, triggerPatterns: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const p of Object.values(root.layout)) dirs.add(p.dir);
  for (const t of triggerPatterns) dirs.add(picomatch.scan(t).base);
  return [...dirs];
}

/** True when `rel` is one of `dirs`, inside one, or an ancestor of one (`""` is everyone's ancestor). */
export function onWatchedPath(rel: string, dirs: readonly string[]): boolean {
  if (rel === "") return true;
  return dirs.some((d) => d === "" || rel === d || rel.startsWith(`${d}/`) || d.startsWith(`${rel}/`));
}

/** Starts watching. chokidar is imported here, when the daemon starts, not at CLI start-up. */
export async function startWatcher(opts: WatcherOptions): Promise<Watcher> {
  const { watch } = await import("chokidar");
  const { existsSync } = await import("node:fs");
  const roots = opts.roots.filter((r) => existsSync(r.root));
  const dirsByRoot = new Map(roots.map((r) => [r.root, watchedDirs(r, opts.triggerPatterns)]));
  const locate = (abs: string): { root: ScanRoot; rel: string } | undefined => {
    let best: { root: ScanRoot; rel: string } | undefined;
    for (const root of roots) {
      const rel = relativeInside(root.root, abs);
      if (rel !== undefined && (!best || root.root.length > best.root.root.length)) best = { root, rel };
    }
    return best;
  };
  const ignored = (abs: string): boolean => {
    const hit = locate(abs);
    if (!hit) return true;
    const { rel, root } = hit;
    if (rel === "") return false;
    if (rel.split("/").some((s) => IGNORED_SEGMENTS.has(s) || s.includes(TEMP_MARKER))) return true;
    if (opts.classifier.excluded(rel)) return true;
    return !onWatchedPath(rel, dirsByRoot.get(root.root) ?? []);
  };
  if (roots.length === 0) return { ready: Promise.resolve(), close: async () => {} };
  const watcher = watch(
    roots.map((r) => r.root),
    { ignoreInitial: true, ignored, persistent: true, followSymlinks: false },
  );
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  watcher.on("all", (event, abs) => {
    const hit = locate(abs);
    if (!hit || hit.rel === "") return;
    const priority = opts.classifier.classify(hit.rel);
    if (priority === undefined) return;
    opts.onChange({ abs, rel: hit.rel, root: hit.root, priority, event });
  });
  watcher.on("error", (e) => opts.onError(e instanceof Error ? e : new Error(String(e))));
  return { ready, close: () => watcher.close() };
}

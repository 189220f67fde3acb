/**
 * Durability and fault injection for store/fs.ts (split out of it; it writes no file itself): the
 * fault points every write step passes ({@link setFaultPlan}, `SKILLSYNC_FAULT`), bounded
 * parallelism, and making a batch of staged paths durable before a transaction's commit point (one
 * fsync each, or one `syncfs` per file system for a large batch on Linux 5.8+).
 */
import { execFile } from "node:child_process";
import {
  closeSync,
  constants as fsConstants,
  promises as fsp,
  fsyncSync,
  openSync,
  statfsSync,
  statSync,
} from "node:fs";
import { release } from "node:os";
import { dirname } from "node:path";
import { SkillsyncError } from "../core/errors.js";

/** The kinds of step a write goes through; each is a fault point. */
export type WriteStep = "write" | "fsync" | "rename" | "fsync-dir" | "remove" | "journal" | "mkdir";

/** A plan that makes the `at`-th fault point (1-based) fail with an error or kill the process. */
export interface FaultPlan {
  at: number;
  action: "error" | "kill";
}

let faultPlan: FaultPlan | undefined = parseFaultEnv(process.env.SKILLSYNC_FAULT);
let faultCounter = 0;

function parseFaultEnv(v: string | undefined): FaultPlan | undefined {
  if (!v) return undefined;
  const m = /^at=(\d+)(?:,action=(error|kill))?$/.exec(v.trim());
  if (!m) return undefined;
  return { at: Number(m[1]), action: (m[2] as "error" | "kill" | undefined) ?? "error" };
}

/** Installs (or clears, with `undefined`) a fault plan and resets the step counter. For tests. */
export function setFaultPlan(plan: FaultPlan | undefined): void {
  faultPlan = plan;
  faultCounter = 0;
}

/** How many fault points have been passed since the last {@link setFaultPlan}. For tests. */
export function faultPointsPassed(): number {
  return faultCounter;
}

/** Counts one fault point of `step` on `path`; fails or kills the process when the plan says so. */
export function faultPoint(step: WriteStep, path: string): void {
  faultCounter++;
  if (!faultPlan || faultCounter !== faultPlan.at) return;
  if (faultPlan.action === "kill") process.kill(process.pid, "SIGKILL");
  throw new SkillsyncError(
    "WRITE_FAILED",
    `injected failure at ${step} of ${path} (fault point ${faultCounter})`,
  );
}

/** How many files are written at once by {@link Transaction.replaceDir} and the object store. */
export const WRITE_CONCURRENCY = 16;

/**
 * Runs `fn` over `items` with at most `limit` calls in flight; rejects with the first error after
 * every started call has settled (so no write is left running behind the caller's back).
 */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        await fn(items[index]!, index);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

/** fsync of `path` (a fault point of `step`); a folder whose file system refuses fsync is let through. */
export async function fsyncPath(path: string, step: WriteStep): Promise<void> {
  faultPoint(step, path);
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(path, fsConstants.O_RDONLY);
    await fh.sync();
  } catch (e) {
    // Some file systems refuse fsync on folders; the rename is still atomic there.
    if (step !== "fsync-dir") throw e;
  } finally {
    await fh?.close();
  }
}

/**
 * {@link fsyncPath} on the calling thread: for a transaction's commit, where the next step waits for
 * this one anyway and a round trip through libuv's pool per path only adds latency (issue 13).
 */
export function fsyncPathSync(path: string, step: WriteStep): void {
  faultPoint(step, path);
  let fd: number | undefined;
  try {
    fd = openSync(path, fsConstants.O_RDONLY);
    fsyncSync(fd);
  } catch (e) {
    // Some file systems refuse fsync on folders; the rename is still atomic there.
    if (step !== "fsync-dir") throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Batches of at least this many files and folders are made durable with one `syncfs` per file system
 * (Linux) instead of one fsync each. Set by {@link setBatchSyncThreshold} (tests).
 */
let syncfsMinPaths = 256;
/**
 * How many batches took the `syncfs` path since the process started (a `sync -f`, or nothing at all
 * when every file system of the batch is held in memory). For tests.
 */
let syncfsBatches = 0;
/** How many of those needed no `sync -f`: all their file systems are tmpfs or ramfs. For tests. */
let memoryOnlyBatches = 0;

/** Sets the batch size from which {@link syncBatch} uses `syncfs` (`Infinity`: never). For tests. */
export function setBatchSyncThreshold(paths: number): void {
  syncfsMinPaths = paths;
}

/** How many batches took the `syncfs` path so far (see {@link syncBatch}). For tests. */
export function syncfsBatchCount(): number {
  return syncfsBatches;
}

/** How many syncfs-path batches lay on memory file systems only, so no `sync -f` ran. For tests. */
export function memoryOnlyBatchCount(): number {
  return memoryOnlyBatches;
}

/** True when `dir` is on tmpfs or ramfs (false when that cannot be told). */
function inMemory(dir: string): boolean {
  try {
    return MEMORY_FILE_SYSTEMS.has(statfsSync(dir).type);
  } catch {
    return false;
  }
}

/**
 * True when `syncfs` reports write-back errors (Linux 5.8 and later); before that it returned 0 even
 * when the write-back failed, so only fsync can be trusted there.
 */
const SYNCFS_REPORTS_ERRORS = (() => {
  if (process.platform !== "linux") return false;
  const m = /^(\d+)\.(\d+)/.exec(release());
  return m !== null && (Number(m[1]) > 5 || (Number(m[1]) === 5 && Number(m[2]) >= 8));
})();

/** Runs `sync -f <paths>` (coreutils, busybox: one `syncfs` per path's file system). */
function syncfs(paths: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("sync", ["-f", ...paths], { timeout: 10 * 60 * 1000 }, (err) => (err ? reject(err) : resolve()));
  });
}

/** `statfs` types of Linux file systems held in memory only: tmpfs, ramfs. */
const MEMORY_FILE_SYSTEMS = new Set([0x01021994, 0x858458f6]);

/** How many staged files {@link Transaction.replaceDir} writes between two {@link startWriteback} calls. */
export const WRITEBACK_EVERY_FILES = 1024;

/**
 * Starts the write-back of the dirty data on `dir`'s file system (`sync -f` in the background) and
 * returns at once, so that a large transaction's {@link syncBatch}, which must come after its last
 * write, finds most of the data on the disk already instead of writing all of it then (issue 13:
 * ~0.1–0.25 s for a deploy of 112 MiB on ext4). A hint that guarantees nothing: errors are ignored.
 * Linux only, and not on tmpfs or ramfs, which have no disk to write to (undefined then: nothing
 * started); the promise settles when the child has exited.
 */
export function startWriteback(dir: string): Promise<void> | undefined {
  if (process.platform !== "linux" || inMemory(dir)) return undefined;
  return syncfs([dir]).catch(() => undefined);
}

/**
 * Makes `files` and the folder entries in `dirs` durable (every byte written and every name in those
 * folders on the disk), before a transaction's commit point. Up to a few hundred paths: one fsync
 * each, many in flight (they share the file system's journal commits). A larger batch on Linux 5.8+:
 * one `syncfs` per file system that holds them (`sync -f`), which writes the same data with one
 * journal commit instead of thousands (issue 13: 3,334 files, ~0.7 s of fsyncs against ~0.3 s). It
 * also flushes other processes' dirty data on those file systems; when `sync` is missing or fails,
 * the per-path fsyncs run instead (and report the error, if there is one, on the file it hit). A file
 * system held in memory (tmpfs, ramfs: often `/tmp`) has no disk, so its syncfs would do nothing:
 * it is left out, and when every file system of the batch is one, no `sync` process is started
 * (~5–15 ms of fork and exec per deploy).
 * @param fileSystemsOf folders that between them lie on every file system holding `files` and `dirs`,
 *   when the caller knows (a transaction stages everything directly in the folders its marker lists):
 *   looking up the file systems then takes one `stat` each instead of one per folder of the batch
 * @throws SkillsyncError WRITE_FAILED on an injected fault; Node's errors from fsync otherwise
 */
export async function syncBatch(
  files: readonly string[],
  dirs: readonly string[],
  fileSystemsOf?: readonly string[],
): Promise<void> {
  if (files.length + dirs.length === 0) return;
  if (SYNCFS_REPORTS_ERRORS && files.length + dirs.length >= syncfsMinPaths) {
    faultPoint("fsync", files[0] ?? dirs[0]!);
    const byDevice = new Map<number, string>();
    // The folders to look at: `dirs`, and the folders of the files (a batch of temps alone, as the
    // object store's, has no `dirs`: it took the fsync path every time before).
    const folders = new Set(fileSystemsOf ?? dirs);
    if (!fileSystemsOf) for (const f of files) folders.add(dirname(f));
    for (const d of folders) {
      try {
        const dev = statSync(d).dev;
        if (!byDevice.has(dev)) byDevice.set(dev, d);
      } catch {
        byDevice.clear(); // a folder vanished under us: let the fsyncs report it
        break;
      }
    }
    if (byDevice.size > 0) {
      const onDisk = [...byDevice.values()].filter((d) => !inMemory(d));
      if (onDisk.length === 0) {
        syncfsBatches++;
        memoryOnlyBatches++;
        return;
      }
      try {
        await syncfs(onDisk);
        syncfsBatches++;
        return;
      } catch {
        // no usable `sync`: one fsync per path below
      }
    }
  }
  await inParallel(files, WRITE_CONCURRENCY, (p) => fsyncPath(p, "fsync"));
  await inParallel(dirs, WRITE_CONCURRENCY, (d) => fsyncPath(d, "fsync-dir"));
}

/**
 * Temporary folders that clean up after themselves.
 */
import {
  accessSync,
  chmodSync,
  constants,
  lstatSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary folder: its absolute `path` and `cleanup()` (idempotent; also handles chmod 000 entries). */
export interface TempDir {
  path: string;
  cleanup(): void;
}

const live = new Set<TempDir>();

function makeRemovable(dir: string): void {
  // A folder without rwx for its owner cannot be emptied; give the bits back first.
  let entries: string[];
  try {
    chmodSync(dir, 0o700);
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const p = join(dir, name);
    try {
      if (lstatSync(p).isDirectory()) makeRemovable(p);
    } catch {
      // gone already
    }
  }
}

/** Options for {@link tempDir}. */
export interface TempDirOptions {
  /**
   * Prefer a memory file system (`/dev/shm` when it is a writable folder) over the OS temp folder.
   * For tests that make thousands of small writes, each with fsync (the crash test): on a slow disk
   * fsync and unlink dominate their time. Such tests must not be about durability across power loss.
   */
  memory?: boolean;
}

function memoryRoot(): string | undefined {
  try {
    if (!statSync("/dev/shm").isDirectory()) return undefined;
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return undefined;
  }
}

/**
 * Creates a fresh folder `<tmp>/<prefix>XXXXXX` under the OS temp folder (or `/dev/shm`, see
 * {@link TempDirOptions.memory}). Call `cleanup()` (or {@link cleanupTempDirs} in `afterAll`) to remove it.
 */
export function tempDir(prefix = "skillsync-test-", opts: TempDirOptions = {}): TempDir {
  const base = (opts.memory ? memoryRoot() : undefined) ?? tmpdir();
  const path = mkdtempSync(join(base, prefix));
  const t: TempDir = {
    path,
    cleanup() {
      if (!live.has(t)) return;
      live.delete(t);
      makeRemovable(path);
      rmSync(path, { recursive: true, force: true });
    },
  };
  live.add(t);
  return t;
}

/** Removes every temp folder made by {@link tempDir} that is still there. */
export function cleanupTempDirs(): void {
  for (const t of [...live]) t.cleanup();
}

/**
 * One writer at a time per collection and per project: an exclusive lock (proper-lockfile, a lock
 * folder with a heartbeat so a crashed holder's lock goes stale). A second process waits up to a
 * timeout, then fails with a clear message.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { createHash } from "../core/lazy-crypto.js";

/** Releases a held lock. */
export type Release = () => Promise<void>;

/** A lock to take: the folder under `$SKILLSYNC_HOME/locks`, what it guards (for messages), and a key. */
export interface LockSpec {
  lockDir: string;
  /** What is locked, e.g. an absolute project path or `collection:default`. */
  key: string;
  /** Human name for messages, e.g. `project /x` or `collection 'default'`. */
  what: string;
}

/**
 * Takes the lock `spec`, waiting up to `timeoutMs` (ms).
 * @throws SkillsyncError LOCKED when another process still holds it after the timeout
 */
export async function acquireLock(spec: LockSpec, timeoutMs: number): Promise<Release> {
  mkdirSync(spec.lockDir, { recursive: true });
  const name = createHash("sha256").update(spec.key).digest("hex").slice(0, 16);
  const path = join(spec.lockDir, name);
  const retries = Math.max(0, Math.ceil(timeoutMs / 100));
  try {
    // One registry key per lock: proper-lockfile tracks held locks by this path.
    // Imported here: commands that take no lock (status, list) do not pay for loading it.
    const lockfile = await import("proper-lockfile");
    return await lockfile.lock(path, {
      // A holder refreshes its lock every second; a lock not refreshed for 5 s belongs to a process
      // that died, and is taken over (well within the default 10 s wait).
      stale: 5_000,
      update: 1_000,
      retries: { retries, factor: 1, minTimeout: 100, maxTimeout: 100 },
      realpath: false,
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOCKED")
      throw new SkillsyncError(
        "LOCKED",
        `${spec.what} is locked by another skillsync process (waited ${timeoutMs} ms); try again when it finishes`,
      );
    throw e;
  }
}

/** Runs `fn` holding the locks on every path in `paths` (taken in sorted order to avoid deadlock). */
export async function withLocks<T>(locks: LockSpec[], timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const sorted = [...new Map(locks.map((l) => [l.key, l])).values()].sort((a, b) =>
    a.key.localeCompare(b.key),
  );
  const held: Release[] = [];
  try {
    for (const l of sorted) held.push(await acquireLock(l, timeoutMs));
    return await fn();
  } finally {
    for (const r of held.reverse()) await r().catch(() => {});
  }
}

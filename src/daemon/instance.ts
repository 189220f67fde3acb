/**
 * One daemon per `$SKILLSYNC_HOME`: a lock (proper-lockfile, `locks/daemon.lock`, refreshed every
 * 5 s; a crashed daemon's lock is taken over at once when its pid is gone, else after 60 s), `daemon.json` (`{pid, port, started_at}`) so the
 * CLI finds the running daemon, and the per-home secret `daemon.token` (mode 0600).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { SkillsyncError } from "../core/errors.js";
import { type DaemonInfo, daemonInfoPath, isAlive, readDaemonInfo, readToken } from "../store/daemon-info.js";
import { removePath, setMode, writeFileAtomic } from "../store/fs.js";
import type { HomePaths } from "../store/home.js";

/** Writes `daemon.json` atomically. */
export async function writeDaemonInfo(paths: HomePaths, info: DaemonInfo): Promise<void> {
  await writeFileAtomic(daemonInfoPath(paths), `${JSON.stringify(info)}\n`);
}

/** Removes `daemon.json` when it still names `pid` (never another daemon's). */
export async function removeDaemonInfo(paths: HomePaths, pid: number): Promise<void> {
  const info = await readDaemonInfo(paths);
  if (info?.pid === pid) await removePath(daemonInfoPath(paths));
}

/** Releases the daemon lock. */
export type ReleaseDaemonLock = () => Promise<void>;

/**
 * Takes the one-daemon-per-home lock. A lock left by a daemon that died (its pid in `daemon.json`
 * is gone) is taken over at once; otherwise proper-lockfile's staleness (60 s without refresh) applies.
 * @param onCompromised told when the lock could not be refreshed (e.g. the folder vanished)
 * @throws SkillsyncError LOCKED naming the running daemon's pid and port, with how to stop it
 */
export async function acquireDaemonLock(
  paths: HomePaths,
  onCompromised: (e: Error) => void = () => {},
): Promise<ReleaseDaemonLock> {
  mkdirSync(paths.locks, { recursive: true });
  const lockPath = join(paths.locks, "daemon.lock");
  const take = () =>
    lockfile.lock(paths.locks, {
      lockfilePath: lockPath,
      // Long enough that a daemon busy with a big synchronous scan is not taken over; a crashed
      // daemon's lock is taken over at once by the pid check below.
      stale: 60_000,
      update: 5_000,
      retries: 0,
      realpath: false,
      onCompromised,
    });
  try {
    return await take();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ELOCKED") throw e;
  }
  const info = await readDaemonInfo(paths);
  if (info && !isAlive(info.pid)) {
    await removePath(lockPath);
    try {
      return await take();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ELOCKED") throw e;
    }
  }
  const who = info ? ` (pid ${info.pid}, port ${info.port}, started ${info.started_at})` : "";
  throw new SkillsyncError(
    "LOCKED",
    `a skillsync daemon is already running for ${paths.root}${who}; stop it first${info ? ` (kill ${info.pid})` : ""} or use another --home`,
  );
}

/**
 * The per-home secret for mutating API routes: read from `daemon.token`, or created (32 random
 * bytes, hex) with mode 0600 on first use. A token file readable by others is tightened to 0600.
 */
export async function ensureToken(paths: HomePaths): Promise<string> {
  const existing = await readToken(paths);
  if (existing) {
    if ((statSync(paths.daemonToken).mode & 0o077) !== 0) await setMode(paths.daemonToken, 0o600);
    return existing;
  }
  const token = randomBytes(32).toString("hex");
  await writeFileAtomic(paths.daemonToken, `${token}\n`, { mode: 0o600 });
  return token;
}

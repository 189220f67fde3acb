/**
 * Finding the running daemon of a home: `daemon.json` (`{pid, port, started_at}`, written by the
 * daemon, src/daemon/instance.ts) and the per-home API secret `daemon.token`. Read by the CLI and by
 * `status`'s file-system monitor client; no daemon code is loaded for it.
 */
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import type { HomePaths } from "./home.js";

/** What `daemon.json` holds. `started_at` is ISO 8601 UTC. */
export interface DaemonInfo {
  pid: number;
  port: number;
  started_at: string;
}

/** Path of `daemon.json` under a home. */
export function daemonInfoPath(paths: HomePaths): string {
  return join(paths.root, "daemon.json");
}

/** Reads `daemon.json`, undefined when missing or unreadable. */
export async function readDaemonInfo(paths: HomePaths): Promise<DaemonInfo | undefined> {
  try {
    const v = JSON.parse(await fsp.readFile(daemonInfoPath(paths), "utf8")) as Partial<DaemonInfo>;
    if (typeof v.pid !== "number" || typeof v.port !== "number") return undefined;
    return { pid: v.pid, port: v.port, started_at: String(v.started_at ?? "") };
  } catch {
    return undefined;
  }
}

/** True when a process with `pid` exists (signal 0 probe; EPERM means it exists but is not ours). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The running daemon of this home per `daemon.json`, or undefined when none is alive. */
export async function runningDaemon(paths: HomePaths): Promise<DaemonInfo | undefined> {
  const info = await readDaemonInfo(paths);
  return info && isAlive(info.pid) ? info : undefined;
}

/** The token in `daemon.token`, or undefined when there is none. */
export async function readToken(paths: HomePaths): Promise<string | undefined> {
  try {
    const t = (await fsp.readFile(paths.daemonToken, "utf8")).trim();
    return t.length > 0 ? t : undefined;
  } catch {
    return undefined;
  }
}

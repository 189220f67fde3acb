/**
 * What the parts of a running daemon share (`daemon.ts` builds it once at boot): the home, the live
 * config, the state database, the log and clock, and the few sets that tie changes to runs: what is
 * pending, what waits for `daemon.enabled`, and which tree hashes the daemon's own runs wrote.
 */
import type { Config } from "../store/config.js";
import type { HomePaths } from "../store/home.js";
import type { StatCache } from "../store/stat-cache.js";
import type { StateDb } from "../store/state-db.js";
import type { DaemonEvent } from "./context.js";
import type { Logger } from "./log.js";
import type { Timers } from "./scheduler.js";

/** The daemon's shared state; fields without `readonly` change while it runs. */
export interface DaemonRuntime {
  readonly home: string;
  readonly paths: HomePaths;
  readonly collection: string;
  /** The live config (replaced on reload). */
  config: Config;
  readonly db: StateDb;
  readonly cache: StatCache;
  readonly log: Logger;
  readonly timers: Timers;
  /** `kind/name` (or paths) waiting for the next sync. */
  readonly pending: Set<string>;
  /** Automatic requests (sources) remembered while `daemon.enabled` is off. */
  readonly pendingAuto: Set<string>;
  /** Tree hashes the last runs wrote, by `kind/name` and by name: such changes are not user edits. */
  readonly expected: Map<string, Set<string>>;
  /** Per remote: what the last hub fetches brought (`kind/name` → tree hash or null). */
  readonly remoteArtifacts: Map<string, Map<string, string | null>>;
  /** Medium-priority changes seen since the last run started (`daemon.min_changes`). */
  mediumCount: number;
  /** True once `stop()` began. */
  stopping: boolean;
  /** The HTTP port once listening, else 0. */
  port: number;
  readonly listeners: Set<(e: DaemonEvent) => void>;
}

/** ISO 8601 UTC of `ms`. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Tells every listener (a throwing listener does not stop the others). */
export function emit(rt: DaemonRuntime, e: DaemonEvent): void {
  for (const l of [...rt.listeners]) {
    try {
      l(e);
    } catch {}
  }
}

/** Whether `hash` of `kind/name` is what one of the daemon's own runs wrote (not a user edit). */
export function isExpected(
  rt: DaemonRuntime,
  kind: string,
  name: string,
  hash: string | null | undefined,
): boolean {
  return (
    hash != null &&
    (rt.expected.get(`${kind}/${name}`)?.has(hash) === true || rt.expected.get(name)?.has(hash) === true)
  );
}

/** An automatic request: runs only while `daemon.enabled`; otherwise remembered until enabled. */
export type RequestAuto = (source: string, exempt?: boolean) => void;

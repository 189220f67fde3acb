/**
 * Loads the real sync engine for the daemon: `syncAll` from `src/sync/sync.ts` and `fetchFromHub`
 * from `src/sync/hub-sync.ts`, imported when the daemon starts. When a module is missing (a build
 * without it) the runner fails every run with a clear message instead of crashing the daemon.
 */
import type { HubFetcher, SyncRunner } from "./sync-types.js";

/** The engine the daemon runs, and whether the real one was found. */
export interface LoadedEngine {
  runner: SyncRunner;
  hubFetcher: HubFetcher | undefined;
  /** False when `syncAll` could not be loaded; runs then fail with "sync engine not available". */
  available: boolean;
  /** Why it is not available. */
  reason?: string;
}

async function importOptional(spec: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(spec)) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw e;
  }
}

/** Imports the sync engine. */
export async function loadSyncEngine(): Promise<LoadedEngine> {
  // Specifiers are variables so this file compiles before src/sync/sync.ts exists.
  const syncSpec = "../sync/sync.js";
  const hubSpec = "../sync/hub-sync.js";
  const sync = await importOptional(syncSpec);
  const hub = await importOptional(hubSpec);
  const hubFetcher = typeof hub?.fetchFromHub === "function" ? (hub.fetchFromHub as HubFetcher) : undefined;
  if (typeof sync?.syncAll !== "function") {
    const reason = "sync engine not available (src/sync/sync.ts has no syncAll in this build)";
    return {
      available: false,
      reason,
      hubFetcher,
      runner: async () => ({ results: [], conflicts: [], invalid: [], errors: [reason] }),
    };
  }
  return { available: true, runner: sync.syncAll as SyncRunner, hubFetcher };
}

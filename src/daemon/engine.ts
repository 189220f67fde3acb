/**
 * Loads the real sync engine for the daemon: `syncAll` from `src/sync/sync.ts` and `fetchFromHub`
 * from `src/sync/hub-sync.ts`, imported when the daemon starts (not when the CLI starts).
 */
import type { HubFetcher, SyncRunner } from "./sync-types.js";

/** The engine the daemon runs. */
export interface LoadedEngine {
  runner: SyncRunner;
  hubFetcher: HubFetcher;
}

/** Imports the sync engine. */
export async function loadSyncEngine(): Promise<LoadedEngine> {
  const { syncAll } = await import("../sync/sync.js");
  const { fetchFromHub } = await import("../sync/hub-sync.js");
  return { runner: syncAll, hubFetcher: fetchFromHub };
}

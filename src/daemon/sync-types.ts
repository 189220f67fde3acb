/**
 * The daemon's view of the sync engine: the shapes `src/sync/sync.ts` (`syncAll`) and
 * `src/sync/hub-sync.ts` (`fetchFromHub`) return, restated here so the daemon can be built and
 * tested with an injected runner before (and independently of) the real engine.
 */
import type { SyncResult } from "../core/sync-result.js";
import type { Config } from "../store/config.js";

/** One artifact's sync outcome (DESIGN.md "JSON output … of sync operations"), from `core/`. */
export type { SyncResult };

/** A conflict the engine left for a human: `artifact` is `kind/name`, `project` an absolute path. */
export interface SyncConflict {
  project: string;
  artifact: string;
  kind: string;
}

/** An artifact held back by the validation gate, with its problems (one line each). */
export interface SyncInvalid {
  artifact: string;
  problems: string[];
}

/** What one full sync run reports. `errors` non-empty means the run failed (the daemon backs off). */
export interface SyncRunReport {
  results: SyncResult[];
  conflicts: SyncConflict[];
  invalid: SyncInvalid[];
  errors: string[];
}

/** Input of a {@link SyncRunner}: one full sync of the collection with the registered projects. */
export interface SyncRunInput {
  home: string;
  config: Config;
  collection: string;
  /** Absolute project folders. */
  projects: string[];
  /** Why the run happens, e.g. `watch`, `schedule`, `hub:work`, `manual` (comma-joined when merged). */
  trigger: string;
  /** Aborted when the daemon stops; the runner should finish the artifact in hand or roll back, then return. */
  signal?: AbortSignal;
}

/** The sync engine as the daemon calls it (real one: `syncAll` from `src/sync/sync.ts`). */
export type SyncRunner = (input: SyncRunInput) => Promise<SyncRunReport>;

/** Input of a {@link HubFetcher}. */
export interface HubFetchInput {
  home: string;
  config: Config;
  collection: string;
  /** Name of the remote in config `remotes`. */
  remote: string;
}

/** Fetches a remote's changes into the collection (real one: `fetchFromHub` from `src/sync/hub-sync.ts`). */
export type HubFetcher = (input: HubFetchInput) => Promise<SyncResult[]>;

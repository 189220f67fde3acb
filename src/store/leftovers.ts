/**
 * Leftovers of single-file writes killed mid-way in the home's own folder: `config.toml`,
 * `credentials.toml`, `daemon.json`, `daemon.token` are written by {@link writeFileAtomic} as a temp
 * beside the file (`.<name>.skillsync-tmp-<pid>-<hex>`) and renamed over it; a kill between the two
 * leaves the temp. The collection's and projects' temps are handled by the transaction recovery
 * (`recoverTransactions`), the journal, snapshot and object temps by `openWorkspace`; this sweeps the
 * rest of the home's flat files. Cheap: one `readdir` of the home root and of `logs/`, no deep walk.
 * Temps of a live process (its pid still running) are kept.
 */
import { sweepTemps } from "./fs.js";
import type { HomePaths } from "./home.js";

/**
 * Removes temp leftovers directly inside the home root and its `logs/` and `locks/` folders.
 * Never throws (a leftover that cannot be removed now is removed by a later command).
 * @returns the paths removed
 */
export async function removeHomeLeftovers(paths: HomePaths): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of [paths.root, paths.logs, paths.locks]) {
    try {
      removed.push(...(await sweepTemps(dir, 1)));
    } catch {
      // best effort: retried by the next command
    }
  }
  return removed;
}

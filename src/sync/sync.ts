/**
 * One full sync of the collection with a set of projects — what the daemon runs on every trigger:
 * for each project, `sync` (merge strategy, conflicts left untouched and reported), with the
 * validation gate on, so an invalid artifact is held back while the rest sync. A failure in one
 * project does not stop the others; it is reported in `errors`.
 */
import { isSkillsyncError } from "../core/errors.js";
import type { SyncResult } from "../core/sync-result.js";
import type { Config } from "../store/config.js";
import { transfer } from "./transfer.js";
import { openWorkspace } from "./workspace.js";

/** Input of {@link syncAll}. */
export interface SyncAllInput {
  home: string;
  config: Config;
  collection: string;
  /** Absolute project folders. */
  projects: string[];
  /** Why the run happens (recorded by the caller). */
  trigger: string;
  /** Checked between projects: an aborted run stops before the next project. */
  signal?: AbortSignal;
}

/** What one run did. `errors` non-empty means the run failed. */
export interface SyncAllReport {
  results: (SyncResult & { project: string })[];
  conflicts: { project: string; artifact: string; kind: string }[];
  invalid: { artifact: string; problems: string[] }[];
  errors: string[];
}

/** Syncs every project with the collection (see the module comment). */
export async function syncAll(input: SyncAllInput): Promise<SyncAllReport> {
  const report: SyncAllReport = { results: [], conflicts: [], invalid: [], errors: [] };
  const ws = await openWorkspace({ home: input.home, collection: input.collection, config: input.config });
  for (const project of input.projects) {
    if (input.signal?.aborted) break;
    try {
      const r = await transfer(ws, {
        op: "sync",
        project,
        strategy: "merge",
        autoResolve: "abort",
        validationGate: true,
      });
      for (const x of r.results) {
        report.results.push({ ...x, project: r.project });
        if (x.conflicts_remaining > 0)
          report.conflicts.push({
            project: r.project,
            artifact: x.artifact_name,
            kind: x.artifact_name.split("/")[0] ?? "skill",
          });
      }
      for (const i of r.invalid)
        if (!report.invalid.some((k) => k.artifact === i.artifact)) report.invalid.push(i);
    } catch (e) {
      report.errors.push(`${project}: ${isSkillsyncError(e) ? e.toLine() : (e as Error).message}`);
    }
  }
  return report;
}

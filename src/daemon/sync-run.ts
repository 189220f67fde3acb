/**
 * One daemon sync run, as the scheduler calls it: fetch the hub remotes the run is for, run the sync
 * engine over the collection and the registered projects, remember the tree hashes it wrote (so the
 * watcher does not take them for user edits), record the run in history, back up when configured,
 * and settle what was pending. Never throws: failures become the run's `error`.
 */
import { recordRun } from "../store/state/daemon-history.js";
import type { RunOutcome } from "./context.js";
import { type DaemonRuntime, emit, iso } from "./runtime.js";
import type { RunRequest, RunResult } from "./scheduler.js";
import type { HubFetcher, SyncResult, SyncRunner, SyncRunReport } from "./sync-types.js";

/** Sources that fetch every remote (others fetch only `hub:NAME`'s remote). */
const FULL_SOURCES = new Set(["startup", "schedule", "manual", "retry", "rescan"]);

/** Builds the scheduler's `run` for this daemon. */
export function createSyncRun(
  rt: DaemonRuntime,
  engine: { runner: SyncRunner; hubFetcher: HubFetcher | undefined },
): (req: RunRequest) => Promise<RunResult> {
  const { log, timers } = rt;
  return async (req) => {
    const cfg = rt.config;
    const collection = rt.collection;
    const trigger = req.sources.join(",");
    const started = timers.now();
    const served = new Set(rt.pending);
    rt.mediumCount = 0;
    log.info("sync started", { trigger });
    emit(rt, { type: "sync-started", at: iso(started), trigger });
    const errors: string[] = [];
    const fetched: SyncResult[] = [];
    let report: SyncRunReport = { results: [], conflicts: [], invalid: [], errors: [] };
    if (engine.hubFetcher) {
      const all = req.sources.some((s) => FULL_SOURCES.has(s));
      const remotes = Object.keys(cfg.remotes).filter((r) => all || req.sources.includes(`hub:${r}`));
      for (const remote of remotes) {
        if (req.signal.aborted) break;
        try {
          const results = await engine.hubFetcher({ home: rt.home, config: cfg, collection, remote });
          fetched.push(...results);
          const seen = rt.remoteArtifacts.get(remote) ?? new Map<string, string | null>();
          for (const r of results) seen.set(r.artifact_name, r.new_hash);
          rt.remoteArtifacts.set(remote, seen);
        } catch (e) {
          errors.push(`hub ${remote}: ${(e as Error).message}`);
        }
      }
    }
    if (!req.signal.aborted) {
      try {
        report = await engine.runner({
          home: rt.home,
          config: cfg,
          collection,
          projects: cfg.projects,
          trigger,
          signal: req.signal,
        });
      } catch (e) {
        errors.push((e as Error)?.message ?? String(e));
      }
    } else errors.push("stopped before the sync started");
    errors.push(...report.errors);
    const results = [...fetched, ...report.results];
    const wrote = new Map<string, Set<string>>();
    for (const r of results)
      if (r.new_hash) wrote.set(r.artifact_name, (wrote.get(r.artifact_name) ?? new Set()).add(r.new_hash));
    for (const [name, hashes] of wrote) rt.expected.set(name, hashes);
    const outcome: RunOutcome =
      errors.length > 0
        ? "failed"
        : report.conflicts.length > 0 || report.invalid.length > 0
          ? "partial"
          : "ok";
    const finished = timers.now();
    const error = errors.length > 0 ? errors.join("; ") : null;
    const entry = {
      started_at: iso(started),
      finished_at: iso(finished),
      duration_ms: finished - started,
      trigger,
      artifacts: [...new Set(results.map((r) => r.artifact_name))],
      outcome,
      error,
      conflicts: report.conflicts,
      invalid: report.invalid,
      results,
    };
    const id = rt.db.open ? recordRun(rt.db, entry) : 0;
    // backup.auto: commit the collection to the backup repo after a sync that changed something.
    if (cfg.backup.auto && outcome !== "failed" && results.some((r) => r.success && r.new_hash)) {
      try {
        const { runBackup } = await import("../sync/backup.js");
        const b = await runBackup({ home: rt.home, config: cfg, collection, warn: (m) => log.warn(m) });
        log.info("backup finished", { committed: b.committed });
      } catch (e) {
        log.error("backup failed", { error: (e as Error).message });
      }
    }
    if (outcome !== "failed") for (const p of served) rt.pending.delete(p);
    for (const inv of report.invalid) rt.pending.add(inv.artifact);
    log[outcome === "failed" ? "error" : "info"]("sync finished", {
      trigger,
      outcome,
      duration_ms: entry.duration_ms,
      artifacts: entry.artifacts.length,
      conflicts: report.conflicts.length,
      invalid: report.invalid.map((i) => i.artifact),
      ...(error ? { error } : {}),
    });
    emit(rt, {
      type: "sync-finished",
      at: iso(finished),
      trigger,
      outcome,
      duration_ms: entry.duration_ms,
      error,
      history_id: id,
    });
    return error ? { ok: false, error } : { ok: true };
  };
}

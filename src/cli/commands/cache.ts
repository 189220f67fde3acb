import { resolve } from "node:path";
import type { Command } from "commander";
import { EXIT } from "../../core/errors.js";
import { type CliContext, contextFor } from "../context.js";
import { wrapCommand } from "../run.js";

interface CacheFlags {
  projectDir?: string;
  json?: boolean;
  expired?: boolean;
  fix?: boolean;
  dryRun?: boolean;
}

async function settingsFor(ctx: CliContext, flags: CacheFlags) {
  const { assertProjectDir, codexSettings } = await import("../../codex/settings.js");
  return codexSettings({
    config: ctx.config,
    projectDir: assertProjectDir(resolve(flags.projectDir ?? process.cwd())),
    gitCacheDir: ctx.paths.gitCache,
    locksDir: ctx.paths.locks,
  });
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Registers `skillsync cache list|stats|health|clear`. Heavy modules are imported inside actions. */
export function registerCache(program: Command): void {
  const cache = program
    .command("cache")
    .description("inspect and repair the project's codex doc cache (.skillsync/codex/cache/)");
  const common = (c: Command) =>
    c
      .option("--project-dir <dir>", "project folder (default: the current folder)")
      .option("--json", "print JSON");

  common(cache.command("list").description("list cached documents with their URI, size and expiry")).action(
    wrapCommand(async (flags: CacheFlags, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const s = await settingsFor(ctx, flags);
      const { cacheRootFor, listCache } = await import("../../codex/cache.js");
      const rows = await listCache(cacheRootFor(s.projectDir), Date.now());
      if (ctx.out.jsonMode) ctx.out.json({ entries: rows });
      else if (rows.length === 0) ctx.out.line("the cache is empty; run 'skillsync codex sync' to fill it");
      else
        ctx.out.table(
          ["uri", "size", "cached at", "expires at", "state"],
          rows.map((r) => [
            r.uri,
            kib(r.size_bytes),
            r.cached_at,
            r.expires_at,
            r.expired ? "expired" : "fresh",
          ]),
        );
    }),
  );

  common(cache.command("stats").description("count, total size and freshness of the cache")).action(
    wrapCommand(async (flags: CacheFlags, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const s = await settingsFor(ctx, flags);
      const { cacheRootFor, loadCacheIndex } = await import("../../codex/cache.js");
      const { cacheStats } = await import("../../codex/plan.js");
      const stats = cacheStats(await loadCacheIndex(cacheRootFor(s.projectDir)), Date.now());
      if (ctx.out.jsonMode) ctx.out.json(stats);
      else {
        ctx.out.line(
          `${stats.entries} documents, ${kib(stats.total_bytes)}; ${stats.fresh} fresh, ${stats.expired} expired`,
        );
        if (stats.oldest_cached_at)
          ctx.out.line(`oldest cached ${stats.oldest_cached_at}, newest ${stats.newest_cached_at}`);
        for (const p of stats.by_project)
          ctx.out.line(`  ${p.org}/${p.project}: ${p.entries} documents, ${kib(p.bytes)}`);
      }
    }),
  );

  common(
    cache
      .command("health")
      .description("find missing files, hash mismatches, expired entries and orphans; --fix repairs them")
      .option("--fix", "refetch broken or expired entries from the codex repo and remove orphans")
      .addHelpText("after", "\nExit codes: 0 healthy (or repaired), 1 problems remain, 3 git failure."),
  ).action(
    wrapCommand(async (flags: CacheFlags, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const s = await settingsFor(ctx, flags);
      const { cacheHealth } = await import("../../codex/fetch.js");
      const r = await cacheHealth({ settings: s, now: () => Date.now(), fix: flags.fix });
      if (ctx.out.jsonMode) ctx.out.json(r);
      else {
        if (r.fixed.length > 0)
          ctx.out.line(`repaired ${r.fixed.length} entr${r.fixed.length === 1 ? "y" : "ies"}`);
        for (const u of r.unfixed) ctx.out.warn(`could not repair ${u.path}: ${u.error}`);
        if (r.healthy) ctx.out.line(`cache healthy: ${r.entries} entries`);
        else {
          ctx.out.line(
            `${r.problems.length} problem${r.problems.length === 1 ? "" : "s"} in ${r.entries} entries:`,
          );
          for (const p of r.problems) ctx.out.line(`  ${p.kind}: ${p.message}\n    fix: ${p.fix}`);
        }
      }
      return r.healthy ? EXIT.ok : EXIT.drift;
    }),
  );

  common(
    cache
      .command("clear")
      .description("remove cached documents (all, or only --expired ones)")
      .option("--expired", "remove only expired entries")
      .option("--dry-run", "say what would be removed and remove nothing"),
  ).action(
    wrapCommand(async (flags: CacheFlags, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const s = await settingsFor(ctx, flags);
      const { clearCodexCache } = await import("../../codex/fetch.js");
      const r = await clearCodexCache(s, {
        now: Date.now(),
        expiredOnly: flags.expired,
        dryRun: flags.dryRun,
      });
      if (ctx.out.jsonMode) ctx.out.json({ ...r, dry_run: Boolean(flags.dryRun) });
      else
        ctx.out.line(
          `${flags.dryRun ? "would remove" : "removed"} ${r.removed} ${flags.expired ? "expired " : ""}entries (${kib(r.bytes_freed)})`,
        );
    }),
  );
}

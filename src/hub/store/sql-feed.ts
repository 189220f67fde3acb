/**
 * The change feed of the SQL hub store: `changes` and `headCursor`, answered from {@link OwnerHeads}
 * when nothing changed since the client's cursor, and otherwise from the database (user-scoped, so
 * PostgreSQL row-level security applies). Identical concurrent reads (same user, owners, cursor and
 * limit — e.g. many SSE streams of one user woken by one publish) share one query.
 */
import type { Kind } from "../../core/names.js";
import type { OwnerHeads } from "./read-cache.js";
import { placeholders, readableOwners, type SqlDriver } from "./sql-driver.js";
import type { ChangeEntry, ChangePage, HubStore, Viewer } from "./types.js";

interface ChangeRow {
  cursor: number | string;
  op: "put" | "delete";
  owner_name: string;
  kind: Kind;
  name: string;
  revision: number | string;
  version: string;
  tree_hash: string;
  at: string;
}

/** Counters of how the feed was answered (for benchmarks and tests). */
export interface FeedStats {
  /** `changes` calls answered from memory (nothing new). */
  fromMemory: number;
  /** `changes` queries sent to the database. */
  queries: number;
  /** `changes` calls that joined a query already in flight. */
  shared: number;
  /** Head loads sent to the database. */
  headLoads: number;
}

/** The feed methods over `driver`; `fresh()` is called first to drop caches after outside writes. */
export function createFeedMethods(
  driver: SqlDriver,
  heads: OwnerHeads,
  fresh: () => void,
): Pick<HubStore, "changes" | "headCursor"> & { stats: FeedStats } {
  const stats: FeedStats = { fromMemory: 0, queries: 0, shared: 0, headLoads: 0 };
  const inFlight = new Map<string, Promise<ChangePage>>();

  /** The viewer's head from memory, loading the owners not known yet (one unscoped query). */
  async function headFor(owners: number[]): Promise<number> {
    const known = heads.headOf(owners);
    if (known !== undefined) return known;
    const missing = heads.missing(owners);
    const epoch = heads.epoch;
    stats.headLoads++;
    const rows = await driver.tx((q) =>
      q.all<{ owner_id: number | string; c: number | string | null }>(
        `SELECT owner_id, max(cursor) AS c FROM changes WHERE owner_id IN (${placeholders(missing.length)}) GROUP BY owner_id`,
        missing,
      ),
    );
    const loaded = new Map(rows.map((r) => [Number(r.owner_id), Number(r.c ?? 0)]));
    heads.load(missing, loaded, epoch);
    // This answer stands even when a clear raced the load: it is what the database said.
    let max = 0;
    for (const o of owners) max = Math.max(max, loaded.get(o) ?? 0, heads.headOf([o]) ?? 0);
    return max;
  }

  async function query(viewer: Viewer, owners: number[], after: number, lim: number): Promise<ChangePage> {
    stats.queries++;
    const rows = await driver.scopedRead<ChangeRow>(
      viewer.user.id,
      `SELECT cursor, op, owner_name, kind, name, revision, version, tree_hash, at FROM changes WHERE owner_id IN (${placeholders(owners.length)}) AND cursor > ? ORDER BY cursor LIMIT ?`,
      [...owners, after, lim + 1],
    );
    const more = rows.length > lim;
    const page = rows.slice(0, lim).map(
      (r): ChangeEntry => ({
        cursor: Number(r.cursor),
        op: r.op,
        owner: r.owner_name,
        kind: r.kind,
        name: r.name,
        revision: Number(r.revision),
        version: r.version,
        tree_hash: r.tree_hash,
        at: r.at,
      }),
    );
    return { changes: page, cursor: page.length > 0 ? page[page.length - 1]!.cursor : after, more };
  }

  return {
    stats,

    async changes(viewer, { after, limit }): Promise<ChangePage> {
      fresh();
      const lim = Math.max(1, Math.min(1000, Math.floor(limit)));
      const owners = readableOwners(viewer);
      if (after >= (await headFor(owners))) {
        stats.fromMemory++;
        return { changes: [], cursor: after, more: false };
      }
      const key = `${viewer.user.id}|${owners.join(",")}|${after}|${lim}`;
      const running = inFlight.get(key);
      if (running) {
        stats.shared++;
        return running;
      }
      const p = query(viewer, owners, after, lim).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
      return p;
    },

    async headCursor(viewer) {
      fresh();
      if (viewer) return headFor(readableOwners(viewer));
      return driver.tx(async (q) => {
        const rows = await q.all<{ c: number | string | null }>("SELECT max(cursor) AS c FROM changes");
        return Number(rows[0]?.c ?? 0);
      });
    },
  };
}

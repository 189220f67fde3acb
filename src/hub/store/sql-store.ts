/**
 * The hub store's logic, written once over a tiny SQL driver ({@link SqlDriver}, `sql-driver.ts`)
 * that `sqlite.ts` and `postgres.ts` provide, and put together here: principals and tokens
 * (`sql-principals.ts`), artifacts (`sql-artifacts.ts`), the change feed (`sql-feed.ts`), and the
 * in-memory caches of the two hot reads (`read-cache.ts`: token → viewer, owner → newest cursor)
 * with their invalidation.
 *
 * Invalidation: this process drops cached viewers when it revokes a token or changes a membership;
 * another process's such change arrives as a {@link RemoteNote} `auth` (PostgreSQL) or is seen by
 * {@link SqlDriver.writtenElsewhere} (SQLite), which also drops the owner heads; a `reset` note (the
 * listener was down and may have missed announcements) drops both, and while the listener is down
 * ({@link SqlDriver.hearsOthers} false) nothing is answered from the caches.
 */
import { OwnerHeads, type ReadCacheOptions, ViewerCache } from "./read-cache.js";
import { createArtifactMethods } from "./sql-artifacts.js";
import type { RemoteNote, SqlDriver } from "./sql-driver.js";
import { createFeedMethods, type FeedStats } from "./sql-feed.js";
import { createPrincipalMethods } from "./sql-principals.js";
import type { HubStore } from "./types.js";

export type { SqlDriver, SqlQueryer } from "./sql-driver.js";
export { storedTreeHash } from "./sql-driver.js";

/** Options of {@link createSqlHubStore}. */
export interface SqlHubStoreOptions {
  /** Bounds and clock of the read caches (see `read-cache.ts`). */
  cache?: ReadCacheOptions;
}

/** A SQL hub store, with counters of how its feed was answered. */
export type SqlHubStore = HubStore & { readonly feedStats: FeedStats };

/**
 * Builds a {@link HubStore} over `driver`. Listeners registered with `onChange` hear about writes
 * made through this store right after commit, and about writes of other processes via the driver.
 */
export function createSqlHubStore(driver: SqlDriver, opts: SqlHubStoreOptions = {}): SqlHubStore {
  const viewers = new ViewerCache(opts.cache);
  const heads = new OwnerHeads(opts.cache);
  const listeners = new Set<(cursor: number) => void>();
  const emit = (cursor: number): void => {
    for (const l of [...listeners]) {
      try {
        l(cursor);
      } catch {
        // a listener's failure must not break a write
      }
    }
  };
  const dropAll = (): void => {
    viewers.clear();
    heads.clear();
  };
  const fresh = (): void => {
    // Deaf to other processes (PostgreSQL listener down): answer from the database only.
    if (!driver.hearsOthers()) dropAll();
    else if (driver.writtenElsewhere()) {
      dropAll();
      emit(-1); // wake long-polls and streams: another connection may have added changes
    }
  };
  /** Cursors this process committed whose own NOTIFY has not come back yet. */
  const ownCommits = new Set<number>();
  const unlisten = driver.listen((note: RemoteNote) => {
    if (note.type === "auth") {
      viewers.clear();
      return;
    }
    if (note.type === "reset") dropAll();
    else if (note.ownerId === undefined) heads.clear();
    else {
      // This process's own commit, already announced to its listeners right after the commit:
      // waking every stream a second time would only cost (thousands of streams on a busy hub).
      if (ownCommits.delete(note.cursor)) return;
      heads.advance(note.ownerId, note.cursor);
    }
    emit(note.type === "change" ? note.cursor : -1);
  });

  const principals = createPrincipalMethods(driver);
  const artifacts = createArtifactMethods(driver, (cursor, ownerId) => {
    if (driver.dialect === "postgres") {
      if (ownCommits.size >= 10_000) ownCommits.clear(); // NOTIFYs lost: waking twice is harmless
      ownCommits.add(cursor);
    }
    heads.advance(ownerId, cursor);
    emit(cursor);
  });
  const feed = createFeedMethods(driver, heads, fresh);

  return {
    dialect: driver.dialect,
    feedStats: feed.stats,
    migrate: () => driver.migrate(),
    async close() {
      unlisten();
      listeners.clear();
      dropAll();
      await driver.close();
    },
    ...principals,
    async addMember(input) {
      try {
        await principals.addMember(input);
      } finally {
        viewers.clear();
      }
    },
    async revokeToken(idOrHash, now) {
      try {
        return await principals.revokeToken(idOrHash, now);
      } finally {
        viewers.clear();
      }
    },
    async viewerForToken(hash, now) {
      fresh();
      const hit = viewers.get(hash, now);
      if (hit === "expired") return undefined;
      if (hit) return hit;
      const epoch = viewers.epoch;
      const v = await principals.viewerForToken(hash, now);
      // A revocation that raced this read cleared the cache (bumping the epoch): then not stored.
      if (v) viewers.set(hash, v, epoch);
      return v;
    },
    ...artifacts,
    ...feed,
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/**
 * In-memory caches of the hub store's two hot reads, so that an idle client's poll costs no
 * database round trip: token → viewer, and owner → cursor of its newest change.
 *
 * Guarantees:
 * - A cached viewer is dropped when this process revokes a token or changes a membership, when
 *   another process announces such a change (PostgreSQL NOTIFY `auth`), when another connection
 *   wrote to the database (SQLite `data_version`), when the announcements may have been missed
 *   (listener reconnected), and at the latest after `ttlMs`. Expiry is checked on every hit.
 * - An owner's head is only ever a cursor that was committed (it is raised after commit or on a
 *   NOTIFY, which PostgreSQL delivers at commit), so it is never ahead of the database. A poll
 *   answered "nothing new" from it returns the client's own cursor, so a change the cache has not
 *   heard of yet is delayed, never skipped.
 */
import type { Viewer } from "./types.js";

/** Options of the caches: size bound, age bound (ms) and clock (ms since the epoch). */
export interface ReadCacheOptions {
  /** Most entries kept (default 100,000); the oldest are dropped first. */
  maxEntries?: number;
  /** Longest an entry is trusted (ms), default 300,000. */
  ttlMs?: number;
  /** Clock in ms since the epoch (default `Date.now`). */
  nowMs?: () => number;
}

/** Token hash → viewer, for tokens that resolved to a valid viewer. */
export class ViewerCache {
  private readonly entries = new Map<string, { viewer: Viewer; at: number }>();
  private readonly max: number;
  private readonly ttl: number;
  private readonly nowMs: () => number;
  /** Bumped by {@link clear}: a lookup started before a clear is not stored. */
  epoch = 0;

  constructor(opts: ReadCacheOptions = {}) {
    this.max = opts.maxEntries ?? 100_000;
    this.ttl = opts.ttlMs ?? 300_000;
    this.nowMs = opts.nowMs ?? Date.now;
  }

  /**
   * The cached viewer of `hash`, or undefined when not cached (or too old). A cached token that
   * has expired at `nowIso` (ISO 8601 UTC) is dropped and reported as `"expired"`.
   */
  get(hash: string, nowIso: string): Viewer | "expired" | undefined {
    const e = this.entries.get(hash);
    if (!e) return undefined;
    if (this.nowMs() - e.at > this.ttl) {
      this.entries.delete(hash);
      return undefined;
    }
    const exp = e.viewer.token.expires_at;
    if (exp !== null && exp <= nowIso) {
      this.entries.delete(hash);
      return "expired";
    }
    return e.viewer;
  }

  /** Remembers a valid viewer for `hash`, read from the database when {@link epoch} was `epoch`. */
  set(hash: string, viewer: Viewer, epoch: number): void {
    if (epoch !== this.epoch) return;
    this.entries.delete(hash);
    this.entries.set(hash, { viewer, at: this.nowMs() });
    if (this.entries.size > this.max) {
      const first = this.entries.keys().next().value;
      if (first !== undefined) this.entries.delete(first);
    }
  }

  /** Forgets every viewer. */
  clear(): void {
    this.entries.clear();
    this.epoch++;
  }

  /** Number of cached viewers. */
  get size(): number {
    return this.entries.size;
  }
}

/** Owner id → cursor of its newest committed change (0: none yet), as far as this process knows. */
export class OwnerHeads {
  private readonly heads = new Map<number, { cursor: number; at: number }>();
  private readonly max: number;
  private readonly ttl: number;
  private readonly nowMs: () => number;
  /** Bumped by {@link clear}: a load started before a clear is not stored. */
  epoch = 0;

  constructor(opts: ReadCacheOptions = {}) {
    this.max = opts.maxEntries ?? 100_000;
    this.ttl = opts.ttlMs ?? 300_000;
    this.nowMs = opts.nowMs ?? Date.now;
  }

  /** Owners of `owners` whose head is not known (or too old). */
  missing(owners: readonly number[]): number[] {
    const now = this.nowMs();
    return owners.filter((o) => {
      const h = this.heads.get(o);
      return h === undefined || now - h.at > this.ttl;
    });
  }

  /** The highest head of `owners`, or undefined unless every one of them is known. */
  headOf(owners: readonly number[]): number | undefined {
    const now = this.nowMs();
    let max = 0;
    for (const o of owners) {
      const h = this.heads.get(o);
      if (h === undefined || now - h.at > this.ttl) return undefined;
      if (h.cursor > max) max = h.cursor;
    }
    return max;
  }

  /**
   * Stores heads read from the database (`loaded`: owner → max cursor, 0 for none) for `owners`,
   * unless {@link clear} ran since `epoch` was read. Never lowers a head.
   */
  load(owners: readonly number[], loaded: ReadonlyMap<number, number>, epoch: number): void {
    if (epoch !== this.epoch) return;
    const now = this.nowMs();
    for (const o of owners) {
      const c = Math.max(loaded.get(o) ?? 0, this.heads.get(o)?.cursor ?? 0);
      this.heads.delete(o);
      this.heads.set(o, { cursor: c, at: now });
    }
    while (this.heads.size > this.max) {
      const first = this.heads.keys().next().value;
      if (first === undefined) break;
      this.heads.delete(first);
    }
  }

  /**
   * Raises `ownerId`'s head to a committed `cursor`. For an owner not known yet the cursor is kept
   * as a floor for the next {@link load} (which may be reading a snapshot from before this commit).
   */
  advance(ownerId: number, cursor: number): void {
    const h = this.heads.get(ownerId);
    if (!h) this.heads.set(ownerId, { cursor, at: Number.NEGATIVE_INFINITY });
    else if (cursor > h.cursor) h.cursor = cursor;
  }

  /** Forgets every head. */
  clear(): void {
    this.heads.clear();
    this.epoch++;
  }
}

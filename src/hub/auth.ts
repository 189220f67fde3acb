/**
 * API tokens and the bad-token limiter of the hub.
 *
 * A token looks like `skh_<8 hex id>_<43 base64url chars>` (256 random bits). The hub stores only
 * the SHA-256 of the whole token (lowercase hex) and the public id `tok_<8 hex>`, used to revoke it.
 */
import { createHash, randomBytes } from "node:crypto";

/** A freshly made token: show `token` once, store `hash` and `id`. */
export interface NewToken {
  token: string;
  id: string;
  hash: string;
}

/** SHA-256 (lowercase hex) of a token string, the only form the hub keeps. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Makes a new random token with its id and hash. */
export function generateToken(): NewToken {
  const idHex = randomBytes(4).toString("hex");
  const token = `skh_${idHex}_${randomBytes(32).toString("base64url")}`;
  return { token, id: `tok_${idHex}`, hash: hashToken(token) };
}

/** True when `s` has the shape of a token made by {@link generateToken}. */
export function looksLikeToken(s: string): boolean {
  return /^skh_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/.test(s);
}

/** Options of {@link createBadTokenLimiter}. */
export interface BadTokenLimiterOptions {
  /** Failed authentications allowed per address within `windowMs` before it is refused (default 10). */
  limit?: number;
  /** The sliding window (ms), default 60,000. */
  windowMs?: number;
  /** Clock in ms since the epoch (default `Date.now`). */
  nowMs?: () => number;
}

/** Counts failed authentications per client address and says when one must wait. */
export interface BadTokenLimiter {
  /** Seconds the address must wait (≥ 1), or 0 when it may try. */
  retryAfter(address: string): number;
  /** Records one failed authentication from `address`. */
  fail(address: string): void;
}

/**
 * A sliding-window limiter: after `limit` failures within `windowMs` an address gets `429` for every
 * request until its oldest counted failure leaves the window. Memory is bounded (at most 10,000
 * addresses; the stalest are dropped).
 */
export function createBadTokenLimiter(opts: BadTokenLimiterOptions = {}): BadTokenLimiter {
  const limit = opts.limit ?? 10;
  const windowMs = opts.windowMs ?? 60_000;
  const nowMs = opts.nowMs ?? Date.now;
  const failures = new Map<string, number[]>();
  const prune = (address: string, now: number): number[] => {
    const list = (failures.get(address) ?? []).filter((t) => now - t < windowMs);
    if (list.length === 0) failures.delete(address);
    else failures.set(address, list);
    return list;
  };
  return {
    retryAfter(address) {
      const now = nowMs();
      const list = prune(address, now);
      if (list.length < limit) return 0;
      const oldest = list[list.length - limit]!;
      return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
    },
    fail(address) {
      const now = nowMs();
      const list = prune(address, now);
      list.push(now);
      failures.delete(address);
      failures.set(address, list.slice(-limit));
      if (failures.size > 10_000) {
        const first = failures.keys().next().value;
        if (first !== undefined) failures.delete(first);
      }
    },
  };
}

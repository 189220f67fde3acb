import { describe, expect, it } from "vitest";
import { createBadTokenLimiter, generateToken, hashToken, looksLikeToken } from "./auth.js";

describe("hub tokens", () => {
  it("makes random tokens whose id and hash match, and recognises their shape", () => {
    const a = generateToken();
    const b = generateToken();
    expect(a.token).not.toBe(b.token);
    expect(looksLikeToken(a.token)).toBe(true);
    expect(looksLikeToken("tok_12345678")).toBe(false);
    expect(a.id).toBe(`tok_${a.token.slice(4, 12)}`);
    expect(a.hash).toBe(hashToken(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).not.toContain(a.token);
  });
});

describe("bad-token limiter", () => {
  it("refuses an address after `limit` failures in the window and lets it back in after", () => {
    let now = 1_000_000;
    const l = createBadTokenLimiter({ limit: 3, windowMs: 10_000, nowMs: () => now });
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfter("1.2.3.4")).toBe(0);
      l.fail("1.2.3.4");
      now += 1000;
    }
    expect(l.retryAfter("1.2.3.4")).toBe(7); // oldest failure at t=0 leaves the window at t=10 s
    expect(l.retryAfter("5.6.7.8")).toBe(0);
    now += 7000;
    expect(l.retryAfter("1.2.3.4")).toBe(0);
    l.fail("1.2.3.4");
    expect(l.retryAfter("1.2.3.4")).toBeGreaterThan(0);
  });
});

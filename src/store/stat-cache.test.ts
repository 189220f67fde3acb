import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StatCache, statEntryFresh } from "./stat-cache.js";
import { closeStateDbs, openStateDb } from "./state-db.js";
import { readTree } from "./tree-read.js";

const dirs: string[] = [];
afterEach(() => {
  closeStateDbs();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const d = mkdtempSync(join(tmpdir(), "skillsync-stat-"));
  dirs.push(d);
  const skill = join(d, "skill");
  writeFileSync(join(d, "placeholder"), "");
  const cache = new StatCache(openStateDb(join(d, "state.db")));
  return { d, skill, cache };
}

describe("stat cache", () => {
  it("never trusts an entry written in the same second as the file's mtime (racy git)", () => {
    const stats = { size: 4, mtimeMs: 1_700_000_000_250, ctimeMs: 1_700_000_000_250, ino: 7, mode: 0o100644 };
    const cached = { ...stats, sha: "x".repeat(64) };
    // Entry written in the same second as the mtime: a same-size edit later that second is invisible
    // to stat, so the entry must not be trusted.
    expect(statEntryFresh(cached, stats, 1_700_000_000_900)).toBe(false);
    // Written in a later second: trusted.
    expect(statEntryFresh(cached, stats, 1_700_000_001_000)).toBe(true);
    // Any stat field differing: not trusted.
    expect(statEntryFresh(cached, { ...stats, size: 5 }, 1_700_000_002_000)).toBe(false);
    expect(statEntryFresh(cached, { ...stats, ino: 8 }, 1_700_000_002_000)).toBe(false);
    expect(statEntryFresh(cached, { ...stats, ctimeMs: 1 }, 1_700_000_002_000)).toBe(false);
  });

  it("trusts an entry written after the file's mtime second", async () => {
    const { skill, cache } = setup();
    const { mkdirSync } = await import("node:fs");
    mkdirSync(skill);
    const f = join(skill, "SKILL.md");
    writeFileSync(f, "aaaa");
    const t = Math.floor(Date.now() / 1000) - 10;
    utimesSync(f, t, t);
    const first = readTree({ path: skill, form: "folder", cache, now: () => (t + 5) * 1000 });
    cache.flush();
    // Change the bytes but restore size and mtime; ctime changes, so the file is still rehashed.
    writeFileSync(f, "bbbb");
    utimesSync(f, t, t);
    const second = readTree({ path: skill, form: "folder", cache, now: () => (t + 6) * 1000 });
    expect(second?.sha).not.toBe(first?.sha);
    cache.flush();
    // Nothing changed since: served from the cache (same hash, no read needed).
    const third = readTree({ path: skill, form: "folder", cache, now: () => (t + 7) * 1000 });
    expect(third?.sha).toBe(second?.sha);
  });
});

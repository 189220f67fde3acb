import { describe, expect, it } from "vitest";
import { SkillsyncError } from "../core/errors.js";
import {
  cachePathToRepoPath,
  cacheStats,
  checkDeletionThreshold,
  checkHealth,
  emptyIndex,
  isExpired,
  makeEntry,
  parseCacheIndex,
  parseCodexUri,
  planSync,
  repoPathToCachePath,
  selectFromRepo,
  serializeCacheIndex,
  upsertEntries,
} from "./plan.js";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");

describe("path mapping", () => {
  it("maps project, shared and systems paths both ways", () => {
    expect(repoPathToCachePath("web", "projects/web/docs/a.md")).toBe("docs/a.md");
    expect(repoPathToCachePath("web", "shared/b.md")).toBe("shared/b.md");
    expect(repoPathToCachePath("web", "systems/x/c.md")).toBe("systems/x/c.md");
    expect(repoPathToCachePath("web", "projects/api/a.md")).toBeUndefined();
    expect(repoPathToCachePath("web", "README.md")).toBeUndefined();
    expect(cachePathToRepoPath("web", "docs/a.md")).toBe("projects/web/docs/a.md");
    expect(cachePathToRepoPath("web", "shared/b.md")).toBe("shared/b.md");
  });

  it("parses codex URIs and refuses escapes", () => {
    expect(parseCodexUri("codex://acme/web/docs/a%20b.md")).toEqual({
      org: "acme",
      project: "web",
      path: "docs/a b.md",
    });
    expect(() => parseCodexUri("codex://acme/web/../x.md")).toThrow(/escapes/);
    expect(() => parseCodexUri("skill://x")).toThrow(SkillsyncError);
    expect(() => parseCodexUri("codex://acme/web")).toThrow(/not a codex URI/);
  });
});

describe("selectFromRepo", () => {
  it("applies include/exclude to cache paths and lets repo-level shared/ win a collision", () => {
    const { files, warnings } = selectFromRepo({
      project: "web",
      include: ["**/*.md"],
      exclude: ["**/draft-*"],
      repoFiles: [
        { path: "projects/web/docs/a.md", hash: "1" },
        { path: "projects/web/docs/draft-b.md", hash: "2" },
        { path: "projects/web/img.png", hash: "3" },
        { path: "projects/web/shared/s.md", hash: "4" },
        { path: "shared/s.md", hash: "5" },
        { path: "projects/api/z.md", hash: "6" },
      ],
    });
    expect([...files.keys()].sort()).toEqual(["docs/a.md", "shared/s.md"]);
    expect(files.get("shared/s.md")?.hash).toBe("5");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/projects\/web\/shared\/s.md/);
  });
});

describe("planSync", () => {
  it("sorts paths into add, modify, delete and unchanged", () => {
    const plan = planSync(
      new Map([
        ["a", "1"],
        ["b", "2"],
        ["c", "3"],
      ]),
      new Map([
        ["b", "2"],
        ["c", "x"],
        ["d", "4"],
      ]),
    );
    expect(plan).toEqual({ add: ["a"], modify: ["c"], delete: ["d"], unchanged: ["b"] });
  });
});

describe("checkDeletionThreshold", () => {
  it("stops when either the count or the percentage is exceeded", () => {
    expect(checkDeletionThreshold({ deletions: 0, existing: 0, maxCount: 0, maxPercent: 0 }).exceeded).toBe(
      false,
    );
    const byCount = checkDeletionThreshold({ deletions: 6, existing: 100, maxCount: 5, maxPercent: 50 });
    expect(byCount.exceeded).toBe(true);
    expect(byCount.reason).toMatch(/threshold of 5/);
    const byPct = checkDeletionThreshold({ deletions: 3, existing: 10, maxCount: 50, maxPercent: 20 });
    expect(byPct.exceeded).toBe(true);
    expect(byPct.reason).toMatch(/30\.0%/);
    expect(
      checkDeletionThreshold({ deletions: 2, existing: 10, maxCount: 50, maxPercent: 20 }).exceeded,
    ).toBe(false);
  });
});

describe("index entries", () => {
  const entry = makeEntry({
    address: { org: "acme", project: "web", path: "docs/a.md" },
    source: "a".repeat(40),
    hash: "h1",
    sizeBytes: 12,
    now: T0,
    ttlSeconds: 60,
  });

  it("computes times from the clock and TTL", () => {
    expect(entry).toEqual({
      uri: "codex://acme/web/docs/a.md",
      path: "acme/web/docs/a.md",
      source: "a".repeat(40),
      cached_at: "2026-01-01T00:00:00.000Z",
      expires_at: "2026-01-01T00:01:00.000Z",
      size_bytes: 12,
      hash: "h1",
      last_accessed: "2026-01-01T00:00:00.000Z",
    });
    expect(isExpired(entry, T0 + 59_999)).toBe(false);
    expect(isExpired(entry, T0 + 60_000)).toBe(true);
  });

  it("round-trips through JSON and refuses newer versions and junk", () => {
    const idx = upsertEntries(emptyIndex(), [entry]);
    expect(parseCacheIndex(serializeCacheIndex(idx), "i.json")).toEqual(idx);
    expect(() => parseCacheIndex('{"version": 9, "entries": []}', "i.json")).toThrow(/newer/);
    expect(() => parseCacheIndex("{", "i.json")).toThrow(/not valid JSON/);
    expect(() =>
      parseCacheIndex(JSON.stringify({ version: 1, entries: [{ ...entry, path: "../x" }] }), "i.json"),
    ).toThrow(/malformed/);
  });

  it("health finds missing, changed, expired and orphan files", () => {
    const e2 = { ...entry, uri: "codex://acme/web/b.md", path: "acme/web/b.md", hash: "h2" };
    const e3 = { ...entry, uri: "codex://acme/web/c.md", path: "acme/web/c.md", hash: "h3" };
    const index = upsertEntries(emptyIndex(), [entry, e2, e3]);
    const onDisk = new Map([
      ["acme/web/b.md", "changed"],
      ["acme/web/c.md", "h3"],
      ["acme/web/stray.md", "zz"],
    ]);
    const r = checkHealth({ index, onDisk, now: T0 + 120_000 });
    expect(r.healthy).toBe(false);
    expect(r.problems.map((p) => `${p.kind}:${p.path}`)).toEqual([
      "hash_mismatch:acme/web/b.md",
      "expired:acme/web/c.md",
      "missing:acme/web/docs/a.md",
      "orphan:acme/web/stray.md",
    ]);
    for (const p of r.problems) expect(p.fix).toMatch(/skillsync/);
    expect(
      checkHealth({
        index,
        onDisk: new Map([
          ["acme/web/docs/a.md", "h1"],
          ["acme/web/b.md", "h2"],
          ["acme/web/c.md", "h3"],
        ]),
        now: T0,
      }).healthy,
    ).toBe(true);
  });

  it("stats count bytes and expired entries per project", () => {
    const e2 = { ...entry, uri: "codex://acme/api/b.md", path: "acme/api/b.md", size_bytes: 8 };
    const s = cacheStats(upsertEntries(emptyIndex(), [entry, e2]), T0 + 120_000);
    expect(s).toMatchObject({ entries: 2, total_bytes: 20, expired: 2, fresh: 0 });
    expect(s.by_project.map((p) => `${p.org}/${p.project}`)).toEqual(["acme/api", "acme/web"]);
  });
});

import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dirStatFresh, prefixRange, StatCache, statEntryFresh } from "./stat-cache.js";
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

describe("stat-cache rows on disk", () => {
  it("keeps the files' hashes apart from their stats, and still reads rows written with the hash in each tuple", () => {
    const { d, skill, cache } = setup();
    mkdirSync(join(skill, "references"), { recursive: true });
    writeFileSync(join(skill, "SKILL.md"), "---\nname: skill\n---\n");
    writeFileSync(join(skill, "references", "a.md"), "a\n");
    const t = Math.floor(Date.now() / 1000) - 10;
    for (const p of [
      join(skill, "SKILL.md"),
      join(skill, "references", "a.md"),
      join(skill, "references"),
      skill,
    ])
      utimesSync(p, t, t);
    const tree = readTree({ path: skill, form: "folder", cache });
    cache.flush();
    const db = openStateDb(join(d, "state.db"));
    const row = db.prepare("SELECT files, shas FROM stat_cache WHERE location = ?").get(skill) as {
      files: string;
      shas: string;
    };
    const tuples = JSON.parse(row.files) as unknown[][];
    const shas = JSON.parse(row.shas) as string[];
    // What the lstat-only check reads carries no hash; the hashes follow the tuples' order.
    expect(tuples.map((x) => x.length)).toEqual([6, 6]);
    expect(shas).toHaveLength(2);
    const fresh = new StatCache(db).load(skill)!;
    expect([...fresh.files.values()].map((e) => e.sha)).toEqual(shas);
    // A row as earlier versions wrote it: the hash last in each tuple, no `shas`.
    db.prepare("UPDATE stat_cache SET files = ?, shas = NULL WHERE location = ?").run(
      JSON.stringify(tuples.map((x, i) => [...x, shas[i]])),
      skill,
    );
    const legacy = new StatCache(db);
    expect([...legacy.load(skill)!.files.values()].map((e) => e.sha)).toEqual(shas);
    expect(readTree({ path: skill, form: "folder", cache: legacy })?.sha).toBe(tree?.sha);
  });
});

describe("lstat-only check of an unchanged folder artifact", () => {
  /** Sets every file's and folder's times under `dir` to `t` (seconds), children first. */
  function age(dir: string, t: number) {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) age(p, t);
      else if (!e.isSymbolicLink()) utimesSync(p, t, t);
    }
    utimesSync(dir, t, t);
  }

  function build() {
    const { skill, cache } = setup();
    mkdirSync(join(skill, "references"), { recursive: true });
    mkdirSync(join(skill, "scripts"));
    writeFileSync(join(skill, "SKILL.md"), "---\nname: skill\ndescription: d\n---\n");
    writeFileSync(join(skill, "references", "a.md"), "aaaa");
    writeFileSync(join(skill, "scripts", "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
    const t = Math.floor(Date.now() / 1000) - 10;
    age(skill, t);
    const first = readTree({ path: skill, form: "folder", cache });
    cache.flush();
    return { skill, cache, t, first: first! };
  }

  const uncached = (skill: string) => readTree({ path: skill, form: "folder" })?.sha;

  it("records folder stats and serves an unchanged artifact from them", () => {
    const { skill, cache, first } = build();
    const row = cache.load(skill);
    expect(row?.dirs?.map((d) => d.rel).sort()).toEqual(["", "references", "scripts"]);
    const again = readTree({ path: skill, form: "folder", cache });
    expect(again?.sha).toBe(first.sha);
    // Its entries are still there when asked for (built from the row).
    expect(again?.entries.map((e) => e.path)).toEqual(first.entries.map((e) => e.path));
    expect(again?.abs.get("references/a.md")).toBe(join(skill, "references", "a.md"));
  });

  const edits: [string, (skill: string, t: number) => void][] = [
    ["a file added in a sub-folder", (s) => writeFileSync(join(s, "references", "b.md"), "b")],
    ["a file removed", (s) => rmSync(join(s, "references", "a.md"))],
    [
      "a file added with the folder's times put back (ctime still moves)",
      (s, t) => {
        writeFileSync(join(s, "references", "new.md"), "n");
        utimesSync(join(s, "references"), t, t);
      },
    ],
    [
      "a file's bytes changed with size and mtime put back",
      (s, t) => {
        writeFileSync(join(s, "references", "a.md"), "zzzz");
        utimesSync(join(s, "references", "a.md"), t, t);
      },
    ],
    [
      "a sub-folder replaced by a file of the same name",
      (s) => {
        rmSync(join(s, "scripts"), { recursive: true });
        writeFileSync(join(s, "scripts"), "x");
      },
    ],
    [
      "a new sub-folder with a file",
      (s) => {
        mkdirSync(join(s, "assets"));
        writeFileSync(join(s, "assets", "p.txt"), "p");
      },
    ],
    ["a file's mode changed", (s) => chmodSync(join(s, "references", "a.md"), 0o755)],
  ];
  for (const [what, edit] of edits)
    it(`sees ${what}`, () => {
      const { skill, cache, t, first } = build();
      edit(skill, t);
      const after = readTree({ path: skill, form: "folder", cache });
      expect(after?.sha).toBe(uncached(skill));
      expect(after?.sha).not.toBe(first.sha);
    });

  it("does not trust a folder modified in the second its row was written (racy rule)", () => {
    const st = { mtimeMs: 1_700_000_000_250, ctimeMs: 1_700_000_000_250, ino: 9 };
    const cached = { rel: "references", ...st };
    expect(dirStatFresh(cached, st, 1_700_000_000_999)).toBe(false);
    expect(dirStatFresh(cached, st, 1_700_000_001_000)).toBe(true);
    expect(dirStatFresh(cached, { ...st, ctimeMs: 1 }, 1_700_000_002_000)).toBe(false);
    expect(dirStatFresh(cached, { ...st, ino: 10 }, 1_700_000_002_000)).toBe(false);
    expect(dirStatFresh(cached, { ...st, mtimeMs: 1 }, 1_700_000_002_000)).toBe(false);
  });

  it("keeps no folder stats for an artifact holding a symlink, and still reads it right", () => {
    const { skill, cache } = build();
    symlinkSync("SKILL.md", join(skill, "link.md"));
    const t = Math.floor(Date.now() / 1000) - 5;
    utimesSync(skill, t, t);
    const a = readTree({ path: skill, form: "folder", cache });
    cache.flush();
    expect(cache.load(skill)?.dirs).toBeUndefined();
    writeFileSync(join(skill, "SKILL.md"), "changed through the link target");
    expect(readTree({ path: skill, form: "folder", cache })?.sha).toBe(uncached(skill));
    expect(a?.entries.map((e) => e.path)).toContain("link.md");
  });
});

describe("prefixRange", () => {
  it("spans exactly the paths under a folder", () => {
    const root = join("/", "a", "b");
    const [from, to] = prefixRange(root);
    const inside = (p: string) => p >= from && p < to;
    expect(inside(join(root, "x"))).toBe(true);
    expect(inside(join(root, "x", "y"))).toBe(true);
    expect(inside(root)).toBe(false);
    expect(inside(join("/", "a", "bc", "x"))).toBe(false);
    expect(inside(join("/", "a", "b-c", "x"))).toBe(false);
    expect(prefixRange(`${root}${sep}`)).toEqual([from, to]);
  });
});

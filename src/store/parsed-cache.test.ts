import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ParsedCache } from "./parsed-cache.js";
import { closeStateDbs, openStateDb } from "./state-db.js";

const dirs: string[] = [];
afterEach(() => {
  closeStateDbs();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const d = mkdtempSync(join(tmpdir(), "skillsync-parsed-"));
  dirs.push(d);
  const file = join(d, "record.toml");
  const cache = new ParsedCache(openStateDb(join(d, "state.db")));
  let calls = 0;
  const parse = (text: string) => {
    calls++;
    if (text.startsWith("bad")) throw new Error(`bad input: ${text}`);
    return { text };
  };
  return { file, cache, parse, calls: () => calls };
}

const later = () => Date.now() + 5000;

describe("parsed-file cache", () => {
  it("parses once and serves an unchanged file from the cache", () => {
    const { file, cache, parse, calls } = setup();
    writeFileSync(file, "one");
    const t = Math.floor(Date.now() / 1000) - 10;
    utimesSync(file, t, t);
    expect(cache.read(file, "x", parse)).toEqual({ text: "one" });
    expect(cache.read(file, "x", parse)).toEqual({ text: "one" });
    expect(calls()).toBe(1);
    // Another parser of the same file has its own entry.
    expect(cache.read(file, "y", parse)).toEqual({ text: "one" });
    expect(calls()).toBe(2);
  });

  it("parses again after an edit, even one that puts size and mtime back", () => {
    const { file, cache, parse, calls } = setup();
    writeFileSync(file, "one");
    const t = Math.floor(Date.now() / 1000) - 10;
    utimesSync(file, t, t);
    cache.read(file, "x", parse);
    writeFileSync(file, "two");
    utimesSync(file, t, t);
    expect(cache.read(file, "x", parse)).toEqual({ text: "two" });
    expect(calls()).toBe(2);
  });

  it("does not trust a result stored in the second of the file's mtime (racy rule)", () => {
    const { file, cache, parse, calls } = setup();
    writeFileSync(file, "one");
    const mtime = statSync(file).mtimeMs;
    cache.read(file, "x", parse, mtime);
    cache.read(file, "x", parse, later());
    expect(calls()).toBe(2);
    cache.read(file, "x", parse);
    expect(calls()).toBe(2);
  });

  it("stores nothing for a file that fails to parse, and says undefined for a missing one", () => {
    const { file, cache, parse, calls } = setup();
    writeFileSync(file, "bad one");
    expect(() => cache.read(file, "x", parse)).toThrow(/bad input/);
    expect(() => cache.read(file, "x", parse)).toThrow(/bad input/);
    expect(calls()).toBe(2);
    expect(cache.read(join(file, "..", "missing.toml"), "x", parse)).toBeUndefined();
  });

  it("validate() parses only what the cache cannot vouch for, and shares read()'s entries", () => {
    const { file, cache, parse, calls } = setup();
    writeFileSync(file, "one");
    const t = Math.floor(Date.now() / 1000) - 10;
    utimesSync(file, t, t);
    expect(cache.validate(file, "x", parse)).toBe(true);
    expect(cache.validate(file, "x", parse)).toBe(true);
    expect(calls()).toBe(1);
    expect(cache.read(file, "x", parse)).toEqual({ text: "one" });
    expect(calls()).toBe(1);
    writeFileSync(file, "bad two");
    utimesSync(file, t, t);
    expect(() => cache.validate(file, "x", parse)).toThrow(/bad input/);
    expect(() => cache.validate(file, "x", parse)).toThrow(/bad input/);
    expect(calls()).toBe(3);
    expect(cache.validate(join(file, "..", "missing.toml"), "x", parse)).toBe(false);
  });

  it("a trusted row read again in the same process gives the value already decoded", () => {
    const { file, cache, parse } = setup();
    writeFileSync(file, "one");
    const t = Math.floor(Date.now() / 1000) - 10;
    utimesSync(file, t, t);
    cache.read(file, "x", parse);
    const a = cache.read(file, "x", parse);
    expect(cache.read(file, "x", parse)).toBe(a);
    writeFileSync(file, "two");
    utimesSync(file, t, t);
    expect(cache.read(file, "x", parse)).toEqual({ text: "two" });
    const b = cache.read(file, "x", parse);
    expect(b).toEqual({ text: "two" });
    expect(b).not.toBe(a);
  });
});

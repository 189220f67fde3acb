import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeStatRow } from "./stat-cache.js";
import { copySource, lazyFilesFromStats, lazyTreeFiles } from "./tree-files.js";
import { readTree } from "./tree-read.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "skillsync-tree-files-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("lazyTreeFiles", () => {
  it("reads a file's bytes only when asked; until then the file is copied from its source", () => {
    writeFileSync(join(dir, "SKILL.md"), "one");
    writeFileSync(join(dir, "b.txt"), "two");
    const tree = readTree({ path: dir, form: "folder" })!;
    const files = lazyTreeFiles(tree, (p) => (p === "SKILL.md" ? 0o100644 : undefined));
    expect(files.map((f) => [f.path, f.mode])).toEqual([
      ["SKILL.md", "644"],
      ["b.txt", "644"],
    ]);
    expect(copySource(files[0]!)).toEqual({ path: join(dir, "SKILL.md"), perm: 0o100644 });
    expect(copySource(files[1]!)).toEqual({ path: join(dir, "b.txt"), perm: undefined });
    // Once read, the bytes seen are what must be written: no copy from the source any more.
    writeFileSync(join(dir, "b.txt"), "two, later");
    expect(Buffer.from(files[1]!.data).toString()).toBe("two, later");
    writeFileSync(join(dir, "b.txt"), "three");
    expect(Buffer.from(files[1]!.data).toString()).toBe("two, later");
    expect(copySource(files[1]!)).toBeUndefined();
    // A spread copies the bytes and is a plain file.
    const moved = { ...files[0]!, path: "x.md" };
    expect(Buffer.from(moved.data).toString()).toBe("one");
    expect(copySource(moved)).toBeUndefined();
    expect(copySource({ path: "p", mode: "644", data: new Uint8Array() })).toBeUndefined();
  });

  it("reports a file that cannot be read when its bytes are asked for (UNREADABLE)", () => {
    writeFileSync(join(dir, "SKILL.md"), "one");
    const tree = readTree({ path: dir, form: "folder" })!;
    const [f] = lazyTreeFiles(tree);
    rmSync(join(dir, "SKILL.md"));
    expect(() => f!.data).toThrow(expect.objectContaining({ code: "UNREADABLE" }));
  });

  it("builds the same files from a stat-cache row, in manifest order, with the row's permission bits", () => {
    writeFileSync(join(dir, "b.txt"), "two");
    writeFileSync(join(dir, "SKILL.md"), "one");
    const tree = readTree({ path: dir, form: "folder" })!;
    const e = (sha: string, mode: number) => ({ size: 3, mtimeMs: 1, ctimeMs: 1, ino: 1, mode, sha });
    const shaOf = (p: string) => tree.entries.find((x) => x.path === p)!.sha;
    const row = {
      files: new Map([
        ["b.txt", e(shaOf("b.txt"), 0o100755)],
        ["SKILL.md", e(shaOf("SKILL.md"), 0o100644)],
      ]),
      dirs: [{ rel: "", mtimeMs: 1, ctimeMs: 1, ino: 1 }],
      writtenAtMs: 5000,
    };
    const files = lazyFilesFromStats(dir, row)!;
    expect(files.map((f) => [f.path, f.mode])).toEqual([
      ["SKILL.md", "644"],
      ["b.txt", "755"],
    ]);
    expect(copySource(files[1]!)).toEqual({ path: join(dir, "b.txt"), perm: 0o100755 });
    expect(Buffer.from(files[0]!.data).toString()).toBe("one");
    // A row without folder stats (the artifact held a symlink) cannot stand for the tree.
    expect(lazyFilesFromStats(dir, { files: row.files, writtenAtMs: 5000 })).toBeUndefined();
    // The same row as read from the database (its stored tuples are used, not its map of entries).
    const stored = decodeStatRow({
      location: dir,
      written_at_ms: 5000,
      files: JSON.stringify([
        ["b.txt", 3, 1, 1, 1, 0o100755],
        ["SKILL.md", 3, 1, 1, 1, 0o100644],
      ]),
      tree: null,
      max_mtime_ms: 1,
      dirs: JSON.stringify([["", 1, 1, 1]]),
      shas: JSON.stringify([shaOf("b.txt"), shaOf("SKILL.md")]),
    });
    const fromDb = lazyFilesFromStats(dir, stored)!;
    expect(fromDb.map((f) => [f.path, f.mode])).toEqual(files.map((f) => [f.path, f.mode]));
    expect(copySource(fromDb[1]!)).toEqual({ path: join(dir, "b.txt"), perm: 0o100755 });
  });
});

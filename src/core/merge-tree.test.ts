import { describe, expect, it } from "vitest";
import { mergeTree, type TreeFile } from "./merge-tree.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const f = (path: string, text: string, mode: "644" | "755" = "644"): TreeFile => ({
  path,
  mode,
  data: enc.encode(text),
});
const bin = (path: string, ...bytes: number[]): TreeFile => ({
  path,
  mode: "644",
  data: new Uint8Array(bytes),
});
const labels = { ours: "project", theirs: "collection" };
const texts = (files: TreeFile[]) => Object.fromEntries(files.map((x) => [x.path, dec.decode(x.data)]));

describe("mergeTree", () => {
  it("merges text files and adds/deletes made by one side", () => {
    const base = [f("SKILL.md", "a\nb\nc\n"), f("scripts/old.sh", "echo old\n", "755"), f("keep.md", "k\n")];
    const ours = [f("SKILL.md", "A\nb\nc\n"), f("keep.md", "k\n"), f("scripts/old.sh", "echo old\n", "755")];
    const theirs = [f("SKILL.md", "a\nb\nC\n"), f("keep.md", "k\n"), f("references/new.md", "new\n")];
    const r = mergeTree({ base, ours, theirs, labels });
    expect(r.clean).toBe(true);
    expect(r.conflicts).toEqual([]);
    expect(texts(r.files)).toEqual({
      "SKILL.md": "A\nb\nC\n",
      "keep.md": "k\n",
      "references/new.md": "new\n",
    });
    expect(r.files.map((x) => x.path)).toEqual(["SKILL.md", "keep.md", "references/new.md"]);
    expect(r.hunks.map((h) => h.path)).toEqual(["SKILL.md"]);
  });

  it("sorts files bytewise by path, as manifests do", () => {
    const names = ["b.md", "B.md", "a/x.md", "a.md", "\u00e9.md", "\u{1F600}.md", "\uFF21.md", "z.md"];
    const r = mergeTree({ base: [], ours: names.map((n) => f(n, "x\n")), theirs: [], labels });
    const bytewise = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(r.files.map((x) => x.path)).toEqual(bytewise);
  });

  it("reports a content conflict with markers", () => {
    const r = mergeTree({
      base: [f("SKILL.md", "x\n")],
      ours: [f("SKILL.md", "mine\n")],
      theirs: [f("SKILL.md", "theirs\n")],
      labels,
    });
    expect(r.clean).toBe(false);
    expect(r.conflicts).toEqual([{ path: "SKILL.md", kind: "content", conflictCount: 1, hasMarkers: true }]);
    expect(texts(r.files)["SKILL.md"]).toBe("<<<<<<< project\nmine\n=======\ntheirs\n>>>>>>> collection\n");
  });

  it("keeps the modification of a delete-modify conflict, unless favor picks the deletion", () => {
    const base = [f("a.md", "1\n"), f("b.md", "1\n")];
    const ours = [f("a.md", "2\n")]; // modified a, deleted b
    const theirs = [f("b.md", "2\n")]; // deleted a, modified b
    const r = mergeTree({ base, ours, theirs, labels });
    expect(r.conflicts).toEqual([
      { path: "a.md", kind: "delete-modify", conflictCount: 1, hasMarkers: false, deletedBy: "theirs" },
      { path: "b.md", kind: "delete-modify", conflictCount: 1, hasMarkers: false, deletedBy: "ours" },
    ]);
    expect(texts(r.files)).toEqual({ "a.md": "2\n", "b.md": "2\n" });
    const o = mergeTree({ base, ours, theirs, labels, favor: "ours" });
    expect(o.clean).toBe(true);
    expect(texts(o.files)).toEqual({ "a.md": "2\n" });
    expect(o.resolved.map((c) => c.path)).toEqual(["a.md", "b.md"]);
    const t = mergeTree({ base, ours, theirs, labels, favor: "theirs" });
    expect(texts(t.files)).toEqual({ "b.md": "2\n" });
  });

  it("deletes a file deleted on one side and untouched on the other", () => {
    const r = mergeTree({ base: [f("a.md", "1\n")], ours: [f("a.md", "1\n")], theirs: [], labels });
    expect(r).toMatchObject({ clean: true, files: [] });
    expect(mergeTree({ base: [f("a.md", "1\n")], ours: [], theirs: [], labels }).files).toEqual([]);
  });

  it("treats the same new file on both sides as clean, different ones as add-add", () => {
    const same = mergeTree({ base: [], ours: [f("n.md", "x\n")], theirs: [f("n.md", "x\n")], labels });
    expect(same).toMatchObject({ clean: true });
    expect(texts(same.files)).toEqual({ "n.md": "x\n" });
    const diff = mergeTree({
      base: [],
      ours: [f("n.md", "t\nours\n")],
      theirs: [f("n.md", "t\ntheirs\n")],
      labels,
    });
    expect(diff.conflicts).toEqual([{ path: "n.md", kind: "add-add", conflictCount: 1, hasMarkers: true }]);
    expect(texts(diff.files)["n.md"]).toBe("t\n<<<<<<< project\nours\n=======\ntheirs\n>>>>>>> collection\n");
  });

  it("merges modes like a one-line value", () => {
    const r = mergeTree({
      base: [f("run.sh", "a\nb\nc\n")],
      ours: [f("run.sh", "A\nb\nc\n")],
      theirs: [f("run.sh", "a\nb\nc\n", "755")],
      labels,
    });
    expect(r.clean).toBe(true);
    expect(r.files[0]).toMatchObject({ mode: "755" });
    expect(dec.decode(r.files[0]?.data)).toBe("A\nb\nc\n");
    const both = mergeTree({ base: [], ours: [f("x.sh", "s\n", "755")], theirs: [f("x.sh", "s\n")], labels });
    expect(both.conflicts).toEqual([{ path: "x.sh", kind: "mode", conflictCount: 1, hasMarkers: false }]);
    expect(both.files[0]?.mode).toBe("755");
    expect(
      mergeTree({
        base: [],
        ours: [f("x.sh", "s\n", "755")],
        theirs: [f("x.sh", "s\n")],
        labels,
        favor: "theirs",
      }),
    ).toMatchObject({ clean: true, files: [{ mode: "644" }] });
  });

  it("never writes markers into binary files", () => {
    const r = mergeTree({
      base: [bin("img.png", 0, 1)],
      ours: [bin("img.png", 0, 2)],
      theirs: [bin("img.png", 0, 3)],
      labels,
    });
    expect(r.conflicts).toEqual([{ path: "img.png", kind: "binary", conflictCount: 1, hasMarkers: false }]);
    expect([...(r.files[0]?.data ?? [])]).toEqual([0, 2]);
    const t = mergeTree({
      base: [bin("img.png", 0, 1)],
      ours: [bin("img.png", 0, 2)],
      theirs: [bin("img.png", 0, 3)],
      labels,
      favor: "theirs",
    });
    expect(t).toMatchObject({ clean: true, resolved: [{ path: "img.png", kind: "binary" }] });
    expect([...(t.files[0]?.data ?? [])]).toEqual([0, 3]);
  });

  it("resolves text conflicts with favor and reports them as resolved", () => {
    const r = mergeTree({
      base: [f("SKILL.md", "x\n")],
      ours: [f("SKILL.md", "mine\n")],
      theirs: [f("SKILL.md", "theirs\n")],
      labels,
      favor: "union",
    });
    expect(r.clean).toBe(true);
    expect(texts(r.files)["SKILL.md"]).toBe("mine\ntheirs\n");
    expect(r.resolved).toEqual([{ path: "SKILL.md", kind: "content", conflictCount: 1, hasMarkers: false }]);
  });
});

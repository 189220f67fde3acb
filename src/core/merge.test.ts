import { describe, expect, it, vi } from "vitest";
import { isBinary, mergeBytes, mergeText } from "./merge.js";

const labels = { ours: "project", theirs: "collection", base: "base" };
const merge = (
  base: string,
  ours: string,
  theirs: string,
  extra: Partial<Parameters<typeof mergeText>[0]> = {},
) => mergeText({ base, ours, theirs, labels, ...extra });

describe("mergeText", () => {
  it("takes a change made on one side only", () => {
    expect(merge("a\nb\n", "a\nb\n", "a\nB\n").text).toBe("a\nB\n");
    expect(merge("a\nb\n", "A\nb\n", "a\nb\n").text).toBe("A\nb\n");
  });

  it("merges changes separated by one unchanged line", () => {
    const r = merge("a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n");
    expect(r).toMatchObject({ text: "A\nb\nC\n", conflicts: 0, resolved: 0 });
    expect(r.hunks.map((h) => h.kind)).toEqual(["ours", "theirs"]);
  });

  it("merges identical changes cleanly", () => {
    expect(merge("a\nb\nc\n", "a\nX\nc\n", "a\nX\nc\n")).toMatchObject({ text: "a\nX\nc\n", conflicts: 0 });
  });

  it("makes changes on adjacent lines a conflict with git's markers", () => {
    const r = merge("a\nb\nc\n", "A\nb\nc\n", "a\nB\nc\n");
    expect(r.conflicts).toBe(1);
    expect(r.text).toBe("<<<<<<< project\nA\nb\n=======\na\nB\n>>>>>>> collection\nc\n");
    expect(r.hunks).toEqual([
      {
        kind: "conflict",
        base: { start: 0, count: 2 },
        ours: { start: 0, count: 2 },
        theirs: { start: 0, count: 2 },
        result: { start: 0, count: 7 },
      },
    ]);
  });

  it("shows the base with --diff3 style", () => {
    const r = merge("a\nb\nc\n", "a\nX\nc\n", "a\nY\nc\n", { style: "diff3" });
    expect(r.text).toBe("a\n<<<<<<< project\nX\n||||||| base\nb\n=======\nY\n>>>>>>> collection\nc\n");
    const noBaseLabel = mergeText({
      base: "b\n",
      ours: "X\n",
      theirs: "Y\n",
      labels: { ours: "o", theirs: "t" },
      style: "diff3",
    });
    expect(noBaseLabel.text).toBe("<<<<<<< o\nX\n|||||||\nb\n=======\nY\n>>>>>>> t\n");
  });

  it("moves lines common to both sides out of a conflict's edges with zdiff3 style", () => {
    const r = merge("a\nb\nc\n", "a\nX\nsame\nP\nc\n", "a\nX\nsame\nQ\nc\n", { style: "zdiff3" });
    expect(r.text).toBe(
      "a\nX\nsame\n<<<<<<< project\nP\n||||||| base\nb\n=======\nQ\n>>>>>>> collection\nc\n",
    );
    const d3 = merge("a\nb\nc\n", "a\nX\nsame\nP\nc\n", "a\nX\nsame\nQ\nc\n", { style: "diff3" });
    expect(d3.text).toBe(
      "a\n<<<<<<< project\nX\nsame\nP\n||||||| base\nb\n=======\nX\nsame\nQ\n>>>>>>> collection\nc\n",
    );
  });

  it("narrows a conflict to the lines that really differ", () => {
    const r = merge("a\nb\nc\nd\ne\n", "a\nb1\nc\nd\ne1\n", "a\nb2\nc\nd\ne1\n");
    expect(r.conflicts).toBe(1);
    expect(r.text).toBe("a\n<<<<<<< project\nb1\n=======\nb2\n>>>>>>> collection\nc\nd\ne1\n");
  });

  it("joins conflicts separated by 3 lines or fewer, keeps them apart beyond", () => {
    const base = "1\n2\n3\n4\n5\n6\n7\n";
    const joined = merge(base, "1\nA\n3\n4\n5\nB\n7\n", "1\nC\n3\n4\n5\nD\n7\n");
    expect(joined.conflicts).toBe(1);
    expect(joined.text).toBe(
      "1\n<<<<<<< project\nA\n3\n4\n5\nB\n=======\nC\n3\n4\n5\nD\n>>>>>>> collection\n7\n",
    );
    const base2 = "1\n2\n3\n4\n5\n6\n7\n8\n";
    const apart = merge(base2, "1\nA\n3\n4\n5\n6\nB\n8\n", "1\nC\n3\n4\n5\n6\nD\n8\n");
    expect(apart.conflicts).toBe(2);
  });

  it("joins conflicts separated only by lines without letters or digits", () => {
    const base = "1\n2\n\n}\n---\n\n6\n";
    const r = merge(base, "1\nA\n\n}\n---\n\nB\n", "1\nC\n\n}\n---\n\nD\n");
    expect(r.conflicts).toBe(1);
  });

  it("keeps CRLF and writes CRLF markers in a CRLF file", () => {
    const r = merge("a\r\nb\r\n", "x\r\nb\r\n", "y\r\nb\r\n");
    expect(r.text).toBe("<<<<<<< project\r\nx\r\n=======\r\ny\r\n>>>>>>> collection\r\nb\r\n");
    expect(merge("a\r\nb\r\nc\r\n", "A\r\nb\r\nc\r\n", "a\r\nb\r\nC\r\n").text).toBe("A\r\nb\r\nC\r\n");
  });

  it("keeps a missing final newline on a clean merge and adds one inside a conflict, like git", () => {
    expect(merge("a\nb\nc", "A\nb\nc", "a\nb\nC").text).toBe("A\nb\nC");
    expect(merge("a\nb", "a\nB", "a\nC").text).toBe(
      "a\n<<<<<<< project\nB\n=======\nC\n>>>>>>> collection\n",
    );
  });

  it("keeps a BOM", () => {
    expect(merge("\uFEFFa\nb\nc\n", "\uFEFFa\nb\nc\nd\n", "\uFEFFA\nb\nc\n").text).toBe("\uFEFFA\nb\nc\nd\n");
  });

  it("resolves conflicts with favor ours / theirs / union", () => {
    const args = ["a\nb\nc\n", "a\nX\nc\n", "a\nY\nc\n"] as const;
    expect(merge(...args, { favor: "ours" })).toMatchObject({ text: "a\nX\nc\n", conflicts: 0, resolved: 1 });
    expect(merge(...args, { favor: "theirs" })).toMatchObject({
      text: "a\nY\nc\n",
      conflicts: 0,
      resolved: 1,
    });
    const u = merge(...args, { favor: "union" });
    expect(u).toMatchObject({ text: "a\nX\nY\nc\n", conflicts: 0, resolved: 1 });
    expect(u.hunks[0]).toMatchObject({ kind: "conflict", resolved: "union" });
    expect(merge("a\nb", "a\nX", "a\nY", { favor: "union" }).text).toBe("a\nX\nY");
  });

  it("honours the marker size", () => {
    expect(merge("a\n", "b\n", "c\n", { markerSize: 3 }).text).toBe(
      "<<< project\nb\n===\nc\n>>> collection\n",
    );
  });

  it("handles empty inputs", () => {
    expect(merge("", "", "").text).toBe("");
    expect(merge("", "a\n", "").text).toBe("a\n");
    expect(merge("", "a\n", "a\n")).toMatchObject({ text: "a\n", conflicts: 0 });
    expect(merge("", "a\n", "b\n")).toMatchObject({
      text: "<<<<<<< project\na\n=======\nb\n>>>>>>> collection\n",
      conflicts: 1,
    });
    expect(merge("a\n", "", "a\nb\n").conflicts).toBe(1);
  });
});

describe("mergeBytes", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const dec = (b: Uint8Array) => new TextDecoder().decode(b);
  const bin = (...bytes: number[]) => new Uint8Array(bytes);

  it("merges text bytes exactly, whatever the encoding", () => {
    const latin1 = bin(0x63, 0x61, 0x66, 0xe9, 0x0a, 0x62, 0x0a); // "café\nb\n" in Latin-1 (invalid UTF-8)
    const ours = bin(0x43, 0x61, 0x66, 0xe9, 0x0a, 0x62, 0x0a);
    const theirs = bin(0x63, 0x61, 0x66, 0xe9, 0x0a, 0x62, 0x0a, 0xff, 0x0a);
    const r = mergeBytes({ base: latin1, ours, theirs, labels });
    expect(r.binary).toBe(false);
    expect([...r.data]).toEqual([0x43, 0x61, 0x66, 0xe9, 0x0a, 0x62, 0x0a, 0xff, 0x0a]);
  });

  it("gives the same bytes without Node's Buffer (as in a browser)", () => {
    const base = new Uint8Array(20000).map((_, k) => (k % 50 === 49 ? 0x0a : 0x20 + (k % 200)));
    const ours = base.slice();
    ours[5] = 0x41;
    const theirs = base.slice();
    theirs[19990] = 0xfe;
    const withBuffer = mergeBytes({ base, ours, theirs, labels });
    vi.stubGlobal("Buffer", undefined);
    try {
      const without = mergeBytes({ base, ours, theirs, labels });
      expect(without.data).toEqual(withBuffer.data);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(withBuffer.data[5]).toBe(0x41);
    expect(withBuffer.data[19990]).toBe(0xfe);
  });

  it("writes UTF-8 labels", () => {
    const r = mergeBytes({
      base: enc("a\n"),
      ours: enc("b\n"),
      theirs: enc("c\n"),
      labels: { ours: "projét", theirs: "collection" },
    });
    expect(dec(r.data)).toBe("<<<<<<< projét\nb\n=======\nc\n>>>>>>> collection\n");
    expect(r.conflicts).toBe(1);
  });

  it("never writes markers into a binary file", () => {
    const base = bin(0, 1, 2);
    const ours = bin(0, 1, 3);
    const theirs = bin(0, 1, 4);
    expect(mergeBytes({ base, ours, theirs: base, labels })).toMatchObject({
      data: ours,
      conflicts: 0,
      binary: true,
    });
    expect(mergeBytes({ base, ours: base, theirs, labels })).toMatchObject({ data: theirs, conflicts: 0 });
    expect(mergeBytes({ base, ours, theirs: ours, labels })).toMatchObject({ data: ours, conflicts: 0 });
    expect(mergeBytes({ base, ours, theirs, labels })).toMatchObject({
      data: ours,
      conflicts: 1,
      binary: true,
    });
    expect(mergeBytes({ base, ours, theirs, labels, favor: "theirs" })).toMatchObject({
      data: theirs,
      conflicts: 0,
      resolved: 1,
    });
    expect(mergeBytes({ base, ours, theirs, labels, favor: "union" })).toMatchObject({
      data: ours,
      conflicts: 1,
    });
  });

  it("treats a file as binary when any side has a NUL in its first 8000 bytes", () => {
    expect(isBinary(enc("plain text\n"))).toBe(false);
    const late = new Uint8Array(9000).fill(0x61);
    late[8500] = 0;
    expect(isBinary(late)).toBe(false);
    late[7999] = 0;
    expect(isBinary(late)).toBe(true);
    const r = mergeBytes({ base: enc("a\n"), ours: bin(0x61, 0, 0x0a), theirs: enc("b\n"), labels });
    expect(r).toMatchObject({ binary: true, conflicts: 1 });
  });
});

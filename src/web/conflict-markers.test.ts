import { describe, expect, it } from "vitest";
import { findConflictBlocks, hasConflictMarkers, resolveConflictBlock } from "./conflict-markers.js";

const TEXT = [
  "top",
  "<<<<<<< collection",
  "mine 1",
  "=======",
  "theirs 1",
  ">>>>>>> project",
  "middle",
  "<<<<<<< collection",
  "mine 2",
  "||||||| base",
  "base 2",
  "=======",
  "theirs 2",
  ">>>>>>> project",
  "end",
  "",
].join("\n");

describe("conflict markers", () => {
  it("finds each block with its labels and sides", () => {
    const blocks = findConflictBlocks(TEXT);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatchObject({
      oursLabel: "collection",
      theirsLabel: "project",
      ours: ["mine 1\n"],
      base: null,
    });
    expect(blocks[1]).toMatchObject({ ours: ["mine 2\n"], base: ["base 2\n"], theirs: ["theirs 2\n"] });
  });

  it("resolves one block at a time, the others untouched", () => {
    const one = resolveConflictBlock(TEXT, { index: 0, choice: "theirs" });
    expect(one.startsWith("top\ntheirs 1\nmiddle\n<<<<<<< collection\n")).toBe(true);
    expect(findConflictBlocks(one)).toHaveLength(1);
    const both = resolveConflictBlock(one, { index: 0, choice: "both" });
    expect(both).toBe("top\ntheirs 1\nmiddle\nmine 2\ntheirs 2\nend\n");
    expect(hasConflictMarkers(both)).toBe(false);
    expect(resolveConflictBlock(TEXT, { index: 1, choice: "base" })).toContain("middle\nbase 2\nend\n");
  });

  it("keeps CRLF line endings byte for byte and ignores unclosed blocks", () => {
    const crlf = "a\r\n<<<<<<< x\r\nm\r\n=======\r\nt\r\n>>>>>>> y\r\nb";
    expect(resolveConflictBlock(crlf, { index: 0, choice: "ours" })).toBe("a\r\nm\r\nb");
    expect(findConflictBlocks("<<<<<<< x\nm\n=======\nno end")).toEqual([]);
    expect(resolveConflictBlock("plain", { index: 3, choice: "ours" })).toBe("plain");
  });
});

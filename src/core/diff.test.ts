import { describe, expect, it } from "vitest";
import { diffHunks, diffLines, splitLines, unifiedDiff } from "./diff.js";

describe("splitLines", () => {
  it("keeps terminators and round-trips", () => {
    for (const text of ["", "a", "a\n", "a\r\nb", "\n\n", "x\ny\r\n"]) {
      expect(splitLines(text).join("")).toBe(text);
    }
    expect(splitLines("a\r\nb")).toEqual(["a\r\n", "b"]);
    expect(splitLines("")).toEqual([]);
  });
});

describe("diffLines", () => {
  it("returns nothing for equal inputs", () => {
    expect(diffLines(["a\n", "b\n"], ["a\n", "b\n"])).toEqual([]);
  });

  it("finds replacements, insertions and deletions", () => {
    expect(diffLines(["a\n", "b\n", "c\n"], ["a\n", "B\n", "c\n"])).toEqual([
      { i1: 1, i2: 1, chg1: 1, chg2: 1 },
    ]);
    expect(diffLines(["a\n", "c\n"], ["a\n", "b\n", "c\n"])).toEqual([{ i1: 1, i2: 1, chg1: 0, chg2: 1 }]);
    expect(diffLines(["a\n", "b\n"], [])).toEqual([{ i1: 0, i2: 0, chg1: 2, chg2: 0 }]);
  });

  it("compares line terminators too", () => {
    expect(diffLines(["a\n"], ["a\r\n"])).toEqual([{ i1: 0, i2: 0, chg1: 1, chg2: 1 }]);
    expect(diffLines(["a\n", "b"], ["a\n", "b\n"])).toEqual([{ i1: 1, i2: 1, chg1: 1, chg2: 1 }]);
  });

  it("slides an insertion among equal lines as far down as possible (git's compaction)", () => {
    // Inserting one more "x" into a run of x's: git reports it after the run.
    expect(diffLines(["a\n", "x\n", "x\n", "b\n"], ["a\n", "x\n", "x\n", "x\n", "b\n"])).toEqual([
      { i1: 3, i2: 3, chg1: 0, chg2: 1 },
    ]);
  });

  it("produces a valid edit script on larger random inputs", () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let round = 0; round < 30; round++) {
      const a = Array.from({ length: 200 }, () => `${Math.floor(rnd() * 8)}\n`);
      const b = a.filter(() => rnd() > 0.1).map((l) => (rnd() < 0.1 ? "new\n" : l));
      const script = diffLines(a, b);
      // Applying the script to a gives b.
      const out: string[] = [];
      let p = 0;
      for (const c of script) {
        out.push(...a.slice(p, c.i1), ...b.slice(c.i2, c.i2 + c.chg2));
        p = c.i1 + c.chg1;
      }
      out.push(...a.slice(p));
      expect(out).toEqual(b);
    }
  });
});

describe("unifiedDiff", () => {
  it("renders git-style hunks", () => {
    const a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
    const b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n";
    expect(unifiedDiff(a, b, { labelA: "a/SKILL.md", labelB: "b/SKILL.md" })).toBe(
      "--- a/SKILL.md\n+++ b/SKILL.md\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
    );
  });

  it("marks a missing final newline and handles empty sides", () => {
    expect(unifiedDiff("a\n", "a\nb", { labelA: "x", labelB: "y" })).toBe(
      "--- x\n+++ y\n@@ -1 +1,2 @@\n a\n+b\n\\ No newline at end of file\n",
    );
    expect(unifiedDiff("", "a\n", { labelA: "/dev/null", labelB: "b/f" })).toBe(
      "--- /dev/null\n+++ b/f\n@@ -0,0 +1 @@\n+a\n",
    );
    expect(unifiedDiff("same\n", "same\n", { labelA: "x", labelB: "y" })).toBe("");
  });

  it("joins changes closer than twice the context into one hunk", () => {
    const a = Array.from({ length: 20 }, (_, i) => `${i}\n`).join("");
    const near = a.replace("3\n", "three\n").replace("9\n", "nine\n");
    expect(diffHunks(a, near)).toHaveLength(1);
    const far = a.replace("3\n", "three\n").replace("15\n", "fifteen\n");
    const hunks = diffHunks(a, far, { context: 2 });
    expect(hunks).toHaveLength(2);
    expect(hunks[1]).toMatchObject({ oldStart: 14, oldLines: 5, newStart: 14, newLines: 5 });
  });
});

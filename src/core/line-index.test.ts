import { describe, expect, it } from "vitest";
import { prng } from "../../test/helpers/prng.js";
import { indexLines, lineText } from "./line-index.js";

/** Every line of every indexed text, with its class. */
function classed(texts: string[]): { line: string; cls: number }[] {
  const { files } = indexLines(texts);
  return files.flatMap((f) => Array.from(f.cls, (cls, i) => ({ line: lineText(f, i, 1), cls })));
}

describe("indexLines", () => {
  it("gives two lines the same class exactly when they are byte-equal, terminator included", () => {
    const base = "a\nb\nb\n\nc\r\nlast";
    const ours = "a\nb\r\nb\nlast\nc\r\n\n";
    const theirs = "x\na\nb\nb\n";
    const all = classed([base, ours, theirs]);
    for (const x of all) for (const y of all) expect(x.cls === y.cls).toBe(x.line === y.line);
    const { files, nclass } = indexLines([base, ours, theirs]);
    expect(nclass).toBe(new Set(all.map((x) => x.line)).size);
    expect(files.map((f) => f.n)).toEqual([6, 6, 4]);
  });

  it("keeps that rule for sides that are the base with lines inserted, removed, changed and repeated", () => {
    const r = prng(7);
    const words = ["alpha", "beta", "", "## Section", "- item", "gamma delta"];
    for (let round = 0; round < 20; round++) {
      const base = Array.from({ length: 200 }, () => words[Math.floor(r() * words.length)]!);
      const edit = () => {
        const out = [...base];
        for (let i = out.length - 1; i >= 0; i -= 1 + Math.floor(r() * 15)) {
          const x = r();
          if (x < 0.3) out.splice(i, 1);
          else if (x < 0.6) out.splice(i, 0, `new ${Math.floor(r() * 5)}`);
          else if (x < 0.8) out[i] = words[Math.floor(r() * words.length)]!;
          else out.splice(i, 0, ...base.slice(0, 3)); // lines the base has elsewhere
        }
        return `${out.join("\n")}\n`;
      };
      const all = classed([`${base.join("\n")}\n`, edit(), edit()]);
      const byLine = new Map<string, number>();
      for (const { line, cls } of all) {
        if (!byLine.has(line)) byLine.set(line, cls);
        expect(cls).toBe(byLine.get(line));
      }
      expect(new Set(byLine.values()).size).toBe(byLine.size);
    }
  });
});

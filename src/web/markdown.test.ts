import { describe, expect, it } from "vitest";
import { type Block, inlineText, parseInline, parseMarkdown, safeHref } from "./markdown.js";

/** Every string the tree would put into the DOM, and every link target. */
function walk(blocks: Block[]): { text: string[]; hrefs: (string | null)[] } {
  const text: string[] = [];
  const hrefs: (string | null)[] = [];
  const inl = (c: ReturnType<typeof parseInline>) => {
    for (const n of c) {
      if (n.t === "text" || n.t === "code") text.push(n.v);
      else if (n.t === "link") {
        hrefs.push(n.href);
        inl(n.c);
      } else if (n.t === "em" || n.t === "strong") inl(n.c);
    }
  };
  const blk = (bs: Block[]) => {
    for (const b of bs) {
      if (b.t === "h" || b.t === "p") inl(b.c);
      else if (b.t === "code") text.push(b.v);
      else if (b.t === "quote") blk(b.c);
      else if (b.t === "list") for (const item of b.items) blk(item);
      else if (b.t === "table") for (const r of [b.head, ...b.rows]) for (const cell of r) inl(cell);
    }
  };
  blk(blocks);
  return { text, hrefs };
}

describe("parseMarkdown", () => {
  it("reads the block structure skills use", () => {
    const md = [
      "# Title",
      "",
      "Some *em* and **strong** and `code`.",
      "",
      "- one",
      "- two",
      "  - nested",
      "",
      "1. first",
      "2. second",
      "",
      "```python",
      "print('x')",
      "```",
      "",
      "> quoted",
      "",
      "---",
      "",
      "| a | b |",
      "|---|---|",
      "| 1 | 2 |",
    ].join("\n");
    const blocks = parseMarkdown(md);
    expect(blocks.map((b) => b.t)).toEqual(["h", "p", "list", "list", "code", "quote", "hr", "table"]);
    const ul = blocks[2] as Extract<Block, { t: "list" }>;
    expect(ul.ordered).toBe(false);
    expect(ul.items).toHaveLength(2);
    expect(ul.items[1]!.map((b) => b.t)).toEqual(["p", "list"]);
    expect(blocks[4]).toEqual({ t: "code", lang: "python", v: "print('x')" });
    const table = blocks[7] as Extract<Block, { t: "table" }>;
    expect(table.rows).toHaveLength(1);
  });

  it("keeps raw HTML as literal text, never as markup", () => {
    const md = '<script>window.__pwned = 1</script>\n\n<img src=x onerror="alert(1)">\n\n# H <b>x</b>';
    const { text } = walk(parseMarkdown(md));
    expect(text.join("|")).toContain("<script>window.__pwned = 1</script>");
    expect(text.join("|")).toContain('<img src=x onerror="alert(1)">');
    expect(text.join("|")).toContain("H <b>x</b>");
  });

  it("drops dangerous link targets and keeps safe ones", () => {
    const { hrefs } = walk(
      parseMarkdown(
        "[a](javascript:alert(1)) [b](JaVaScRiPt:x) [c]( java\tscript:x) [d](data:text/html,x) [e](vbscript:x) [f](https://ok.example/p) [g](./rel.md) [h](#frag) [i](mailto:a@b.c) [j](//evil.example)",
      ),
    );
    expect(hrefs).toEqual([
      null,
      null,
      null,
      null,
      null,
      "https://ok.example/p",
      "./rel.md",
      "#frag",
      "mailto:a@b.c",
      null,
    ]);
  });

  it("handles CRLF, unclosed fences and escapes", () => {
    const blocks = parseMarkdown("Line\r\n\r\n```\r\nopen fence");
    expect(blocks).toEqual([
      { t: "p", c: [{ t: "text", v: "Line" }] },
      { t: "code", lang: "", v: "open fence" },
    ]);
    expect(inlineText(parseInline("\\*not em\\* `a*b`"))).toBe("*not em* a*b");
  });
});

describe("safeHref", () => {
  it("allows http, https, mailto, relative and fragments only", () => {
    expect(safeHref("http://x")).toBe("http://x");
    expect(safeHref("javascript:x")).toBeNull();
    expect(safeHref("\u0001javascript:x")).toBeNull();
    expect(safeHref("")).toBeNull();
  });
});

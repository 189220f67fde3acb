import { describe, expect, it } from "vitest";
import { findSection, listSections, preserveSections } from "./sections.js";

const sections = ["Memory", "Error History"];

describe("listSections", () => {
  it("finds headings and their extent, ignoring code fences and front matter", () => {
    const text = [
      "---",
      "name: demo",
      "# a yaml comment, not a heading",
      "---",
      "# Demo",
      "## Usage",
      "```bash",
      "## not a heading",
      "```",
      "### Detail",
      "## Memory ##",
      "~~~~",
      "# still code",
      "~~~",
      "~~~~",
      "text",
      "",
    ].join("\n");
    const s = listSections(text);
    expect(s.map((x) => [x.name, x.level, x.start, x.end])).toEqual([
      ["Demo", 1, 4, 16],
      ["Usage", 2, 5, 10],
      ["Detail", 3, 9, 10],
      ["Memory", 2, 10, 16],
    ]);
    expect(findSection(text, "memory")).toBeUndefined();
  });
});

describe("preserveSections", () => {
  it("keeps the target's section in place of the incoming one", () => {
    const incoming = "# Skill\n\n## Memory\nupstream default\n\n## Usage\nnew usage\n";
    const target =
      "# Skill\n\n## Usage\nold usage\n\n## Memory\n- learned: use --force\n- learned: retry\n\n";
    expect(preserveSections({ incoming, target, sections })).toBe(
      "# Skill\n\n## Memory\n- learned: use --force\n- learned: retry\n\n## Usage\nnew usage\n",
    );
  });

  it("appends the target's section when the incoming text lacks it", () => {
    const incoming = "# Skill\n\nBody v2\n";
    const target = "# Skill\n\nBody v1\n\n## Error History\n- 2026-01-02 timeout\n";
    expect(preserveSections({ incoming, target, sections })).toBe(
      "# Skill\n\nBody v2\n\n## Error History\n- 2026-01-02 timeout\n",
    );
    // Incoming without a final newline gets one before the appended section.
    expect(preserveSections({ incoming: "# S\nx", target: "## Memory\nm\n", sections })).toBe(
      "# S\nx\n\n## Memory\nm\n",
    );
  });

  it("leaves the incoming section alone when the target has none", () => {
    const incoming = "# S\n## Memory\nseed\n";
    expect(preserveSections({ incoming, target: "# S\nold\n", sections })).toBe(incoming);
  });

  it("ends at the next level-1 or level-2 heading, keeps deeper headings inside", () => {
    const incoming = "## Memory\nnew\n### Sub\nnew sub\n## Next\nn\n";
    const target = "## Memory\nmine\n### Sub\nmy sub\n# Top\n";
    expect(preserveSections({ incoming, target, sections })).toBe(
      "## Memory\nmine\n### Sub\nmy sub\n## Next\nn\n",
    );
  });

  it("is not fooled by headings inside code fences", () => {
    const incoming = "# S\n```md\n## Memory\nexample\n```\n";
    const target = "# S\n## Memory\nreal\n";
    expect(preserveSections({ incoming, target, sections })).toBe(
      "# S\n```md\n## Memory\nexample\n```\n\n## Memory\nreal\n",
    );
  });

  it("keeps CRLF line endings", () => {
    const incoming = "# S\r\n## Memory\r\nnew\r\n## Usage\r\nu\r\n";
    const target = "# S\r\n## Usage\r\nold\r\n## Memory\r\nkept\r\n";
    expect(preserveSections({ incoming, target, sections })).toBe(
      "# S\r\n## Memory\r\nkept\r\n## Usage\r\nu\r\n",
    );
    expect(preserveSections({ incoming: "# S\r\nbody\r\n", target, sections: ["Memory"] })).toBe(
      "# S\r\nbody\r\n\r\n## Memory\r\nkept\r\n",
    );
  });

  it("terminates a target section that ended the file without a newline when it lands mid-file", () => {
    const incoming = "## Memory\nnew\n## Usage\nu\n";
    const target = "## Memory\nmine";
    expect(preserveSections({ incoming, target, sections })).toBe("## Memory\nmine\n## Usage\nu\n");
  });

  it("handles several sections and an empty list", () => {
    const incoming = "# S\n## Memory\na\n## Error History\nb\n";
    const target = "# S\n## Error History\nB\n## Memory\nA\n";
    expect(preserveSections({ incoming, target, sections })).toBe("# S\n## Memory\nA\n## Error History\nB\n");
    expect(preserveSections({ incoming, target, sections: [] })).toBe(incoming);
  });
});

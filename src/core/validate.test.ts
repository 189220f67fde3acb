import { describe, expect, it } from "vitest";
import { validateMarkdownArtifact, validateSkillMd, versionOf } from "./validate.js";

const ok = (fm: string, body = "\n# Body\n") => `---\n${fm}\n---\n${body}`;
const v = (text: string, strict = false) =>
  validateSkillMd(text, { folderName: "pdf-tools", file: "pdf-tools/SKILL.md", strict });
const errors = (text: string, strict = false) =>
  v(text, strict).problems.filter((p) => p.severity === "error");

describe("SKILL.md validation (Agent Skills spec)", () => {
  it("accepts a minimal valid skill", () => {
    expect(v(ok("name: pdf-tools\ndescription: Works with PDFs.")).problems).toEqual([]);
  });
  it("parses block scalars for real", () => {
    const r = v(ok("name: pdf-tools\ndescription: |-\n  Line one.\n  Line two.\nlicense: MIT"));
    expect(r.problems).toEqual([]);
    expect(r.description).toBe("Line one.\nLine two.");
  });
  it("accepts CRLF and a BOM", () => {
    expect(v("\uFEFF---\r\nname: pdf-tools\r\ndescription: d\r\n---\r\nbody\r\n").problems).toEqual([]);
  });
  it("requires frontmatter", () => {
    expect(errors("# no frontmatter\n")[0]).toMatchObject({
      line: 1,
      message: expect.stringContaining("frontmatter"),
    });
    expect(errors("---\nname: x\n")[0]?.message).toContain("not closed");
  });
  it("reports invalid YAML with its line in the file", () => {
    const e = errors("---\nname: pdf-tools\ndescription: [unclosed\n---\n");
    expect(e[0]?.message).toContain("invalid YAML");
    expect(e[0]?.line).toBeGreaterThanOrEqual(3);
  });
  it("reports every problem, each with its line", () => {
    const e = errors(
      ok("name: Bad_Name\ndescription: ''\ncompatibility: " + "x".repeat(501) + "\nmetadata:\n  n: 3"),
    );
    expect(e.map((p) => p.line)).toEqual([2, 3, 4, 5]);
    expect(e[0]?.message).toContain("lowercase");
    expect(e[1]?.message).toContain("empty");
    expect(e[2]?.message).toContain("500");
    expect(e[3]?.message).toContain("metadata.n");
  });
  it("requires name to equal the folder name", () => {
    expect(errors(ok("name: other\ndescription: d"))[0]?.message).toContain("folder name 'pdf-tools'");
  });
  it("lacking name or description is an error", () => {
    expect(errors(ok("description: d"))[0]?.message).toContain("'name'");
    expect(errors(ok("name: pdf-tools"))[0]?.message).toContain("'description'");
  });
  it("Claude Code fields warn in lenient mode and fail in strict mode", () => {
    const text = ok("name: pdf-tools\ndescription: d\nmodel: opus\nargument-hint: '[file]'");
    const lenient = v(text);
    expect(lenient.problems.map((p) => [p.severity, p.line])).toEqual([
      ["warning", 4],
      ["warning", 5],
    ]);
    expect(lenient.problems[0]?.message).toContain("Claude Code field");
    expect(errors(text, true)).toHaveLength(2);
  });
  it("a description over 1024 characters warns (real skills have them) and fails in strict mode", () => {
    const text = ok(`name: pdf-tools\ndescription: ${"d".repeat(1025)}`);
    expect(v(text).problems[0]?.severity).toBe("warning");
    expect(errors(text, true)[0]?.message).toContain("1024");
  });
  it("version comes from metadata.version, then version, else 0.0.0", () => {
    expect(versionOf({ metadata: { version: "1.2.0" }, version: "9" })).toBe("1.2.0");
    expect(versionOf({ version: 2 })).toBe("2");
    expect(versionOf({})).toBe("0.0.0");
  });
});

describe("commands, agents and prompts", () => {
  it("frontmatter is optional but must be valid when present", () => {
    expect(validateMarkdownArtifact("# Review\n", { kind: "command", file: "c.md" }).problems).toEqual([]);
    const bad = validateMarkdownArtifact("---\na: [\n---\n", { kind: "agent", file: "a.md" });
    expect(bad.problems[0]).toMatchObject({ severity: "error", file: "a.md" });
  });
});

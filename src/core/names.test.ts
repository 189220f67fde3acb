import { describe, expect, it } from "vitest";
import { artifactNameProblem, relativePathProblem, skillNameProblem } from "./names.js";

describe("skill names (Agent Skills spec)", () => {
  it.each(["a", "pdf-tools", "x1-2-3", "a".repeat(64)])("accepts %s", (n) => {
    expect(skillNameProblem(n)).toBeUndefined();
  });
  it.each([
    ["", "empty"],
    ["a".repeat(65), "limit is 64"],
    ["Pdf", "lowercase"],
    ["pdf_tools", "lowercase"],
    ["-pdf", "start or end"],
    ["pdf-", "start or end"],
    ["pdf--tools", "'--'"],
  ])("refuses %j", (n, why) => {
    expect(skillNameProblem(n)).toContain(why);
  });
});

describe("names that could escape a folder are refused for every kind", () => {
  for (const kind of ["skill", "command", "agent", "prompt"] as const) {
    it.each(["..", ".", "a/b", "a\\b", "a\0b", "/abs"])(`${kind}: %j`, (n) => {
      expect(artifactNameProblem(kind, n)).toBeDefined();
    });
  }
  it("command names allow letters, digits, _ . -", () => {
    expect(artifactNameProblem("command", "Review_PR.v2")).toBeUndefined();
    expect(artifactNameProblem("command", ".hidden")).toBeDefined();
    expect(artifactNameProblem("command", "a..b")).toBeDefined();
  });
});

describe("relative paths inside an artifact", () => {
  it.each(["SKILL.md", "references/a b.md", "scripts/x.sh"])("accepts %s", (p) => {
    expect(relativePathProblem(p)).toBeUndefined();
  });
  it.each(["", "/etc/passwd", "C:/x", "a/../b", "../x", "a//b", "./a", "a\\b", "a\0"])("refuses %j", (p) => {
    expect(relativePathProblem(p)).toBeDefined();
  });
});

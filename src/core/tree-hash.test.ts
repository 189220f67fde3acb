import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isIgnoredPath, manifest, modeFromPermissions, parseManifest, treeHash } from "./tree-hash.js";

const h = (s: string) => createHash("sha256").update(s).digest("hex");

describe("tree hash (DESIGN.md)", () => {
  it("is SHA-256 of '<sha> <mode> <path>\\n' lines sorted bytewise by path", () => {
    const entries = [
      { path: "b.md", mode: "644" as const, sha: h("b") },
      { path: "B.md", mode: "755" as const, sha: h("B") },
      { path: "a/z.md", mode: "644" as const, sha: h("z") },
    ];
    const expected = `${h("B")} 755 B.md\n${h("z")} 644 a/z.md\n${h("b")} 644 b.md\n`;
    expect(manifest(entries)).toBe(expected);
    expect(treeHash(entries)).toBe(h(expected));
    expect(treeHash([...entries].reverse())).toBe(treeHash(entries));
  });
  it("sorts by UTF-8 bytes, not UTF-16 code units", () => {
    // U+FF21 (EF BC A1) sorts before U+1F600 (F0 9F 98 80) in UTF-8 but after it in UTF-16.
    const m = manifest([
      { path: "\u{1F600}", mode: "644", sha: h("1") },
      { path: "\uFF21", mode: "644", sha: h("2") },
    ]);
    expect(m.split("\n")[0]).toContain("\uFF21");
  });
  it("round-trips through parseManifest", () => {
    const entries = [{ path: "x y/z.md", mode: "755" as const, sha: h("x") }];
    expect(parseManifest(manifest(entries))).toEqual(entries);
  });
  it("refuses escaping or duplicate paths", () => {
    expect(() => manifest([{ path: "../x", mode: "644", sha: h("") }])).toThrow(/escapes/);
    expect(() =>
      manifest([
        { path: "a", mode: "644", sha: h("") },
        { path: "a", mode: "644", sha: h("") },
      ]),
    ).toThrow(/duplicate/);
  });
  it("ignores .git, node_modules and .DS_Store; executable bits give 755", () => {
    expect(isIgnoredPath("a/.git/config")).toBe(true);
    expect(isIgnoredPath("node_modules/x")).toBe(true);
    expect(isIgnoredPath("x/.DS_Store")).toBe(true);
    expect(isIgnoredPath("x/.gitignore")).toBe(false);
    expect(modeFromPermissions(0o100755)).toBe("755");
    expect(modeFromPermissions(0o100744)).toBe("755");
    expect(modeFromPermissions(0o100644)).toBe("644");
  });
});

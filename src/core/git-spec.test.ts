import { describe, expect, it } from "vitest";
import { SkillsyncError } from "./errors.js";
import {
  formatGitSpec,
  isGitSpec,
  joinRepoPath,
  parseGitSpec,
  parseMarketplace,
  pickRemoteRef,
  redactUrl,
  refProblem,
} from "./git-spec.js";

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SkillsyncError);
    expect((e as SkillsyncError).code).toBe("USAGE");
    return (e as SkillsyncError).message;
  }
  throw new Error("expected a USAGE error");
}

describe("parseGitSpec: github:", () => {
  it("reads owner, repo, path and ref", () => {
    expect(parseGitSpec("github:anthropics/skills/skills/pdf@v1.2")).toEqual({
      form: "github",
      url: "https://github.com/anthropics/skills.git",
      path: "skills/pdf",
      ref: "v1.2",
      owner: "anthropics",
      repo: "skills",
    });
    expect(parseGitSpec("github:o/r")).toEqual({
      form: "github",
      url: "https://github.com/o/r.git",
      path: "",
      owner: "o",
      repo: "r",
    });
  });

  it("maps to another base URL (tests, GitHub Enterprise)", () => {
    expect(parseGitSpec("github:o/r.git/a/", { githubBase: "file:///tmp/repos" }).url).toBe(
      "file:///tmp/repos/o/r.git",
    );
  });

  it("refuses bad owners, repos, paths and refs", () => {
    expect(usageMessage(() => parseGitSpec("github:/r"))).toMatch(/not a GitHub owner/);
    expect(usageMessage(() => parseGitSpec("github:o"))).toMatch(/not a GitHub repository/);
    expect(usageMessage(() => parseGitSpec("github:o/r/../x"))).toMatch(/escapes/);
    expect(usageMessage(() => parseGitSpec("github:o/r@"))).toMatch(/empty/);
    expect(usageMessage(() => parseGitSpec("github:o/r@-x"))).toMatch(/must not start/);
  });
});

describe("parseGitSpec: git+URL", () => {
  it("takes REF from the last @ of the URL's path part only", () => {
    expect(parseGitSpec("git+ssh://git@host.example/team/repo.git")).toEqual({
      form: "git",
      url: "ssh://git@host.example/team/repo.git",
      path: "",
    });
    expect(parseGitSpec("git+ssh://git@host.example/team/repo.git@v1")).toMatchObject({
      url: "ssh://git@host.example/team/repo.git",
      ref: "v1",
    });
    expect(parseGitSpec("git+git@host.example:team/repo.git@main")).toMatchObject({
      url: "git@host.example:team/repo.git",
      ref: "main",
    });
    expect(parseGitSpec("git+git@host.example:team/repo.git")).toMatchObject({
      url: "git@host.example:team/repo.git",
    });
  });

  it("with #: the URL is verbatim, PATH and REF come after it", () => {
    expect(parseGitSpec("git+file:///srv/a@b/repo.git#skills/foo@abc")).toEqual({
      form: "git",
      url: "file:///srv/a@b/repo.git",
      path: "skills/foo",
      ref: "abc",
    });
    expect(parseGitSpec("git+file:///srv/repo.git#@dev")).toEqual({
      form: "git",
      url: "file:///srv/repo.git",
      path: "",
      ref: "dev",
    });
    expect(parseGitSpec("git+/srv/repo.git#./skills/x/")).toMatchObject({
      url: "/srv/repo.git",
      path: "skills/x",
    });
  });

  it("refuses credentials in HTTP URLs without echoing them", () => {
    const m = usageMessage(() => parseGitSpec("git+https://me:s3cretTOKEN@host/r.git"));
    expect(m).toMatch(/credentials/);
    expect(m).not.toContain("s3cretTOKEN");
  });

  it("refuses relative paths, option-like URLs and remote helpers", () => {
    expect(usageMessage(() => parseGitSpec("git+./repo"))).toMatch(/relative/);
    expect(usageMessage(() => parseGitSpec("git+-uhack"))).toMatch(/starts with '-'/);
    expect(usageMessage(() => parseGitSpec("git+ext::sh -c x"))).toMatch(/spaces|helpers/);
    expect(usageMessage(() => parseGitSpec("npm:x"))).toMatch(/neither/);
  });
});

describe("formatGitSpec", () => {
  it("writes canonical sources that parse back to the same spec", () => {
    const cases = [
      "github:o/r/skills/pdf@main",
      "github:o/r",
      "git+file:///srv/repo.git#skills/foo@v1",
      "git+file:///srv/repo.git@v1",
      "git+file:///srv/a@b/repo.git#@v1",
      "git+ssh://git@host/r.git#commands/x.md",
    ];
    for (const c of cases) {
      const spec = parseGitSpec(c);
      expect(formatGitSpec(spec)).toBe(c);
      expect(parseGitSpec(formatGitSpec(spec))).toEqual(spec);
    }
    expect(formatGitSpec(parseGitSpec("git+file:///srv/repo.git@v1"), "skills/a")).toBe(
      "git+file:///srv/repo.git#skills/a@v1",
    );
    expect(formatGitSpec(parseGitSpec("github:o/r@v2"), "skills/a")).toBe("github:o/r/skills/a@v2");
  });
});

describe("pickRemoteRef", () => {
  const ls = [
    "1111111111111111111111111111111111111111\tHEAD",
    "1111111111111111111111111111111111111111\trefs/heads/main",
    "2222222222222222222222222222222222222222\trefs/tags/v2",
    "3333333333333333333333333333333333333333\trefs/tags/v2^{}",
    "4444444444444444444444444444444444444444\trefs/heads/v2",
  ].join("\n");

  it("prefers the branch, then the peeled tag; HEAD by default", () => {
    expect(pickRemoteRef(ls, undefined)).toBe("1".repeat(40));
    expect(pickRemoteRef(ls, "main")).toBe("1".repeat(40));
    expect(pickRemoteRef(ls, "v2")).toBe("4".repeat(40));
    expect(pickRemoteRef(ls.replace(/.*refs\/heads\/v2.*/, ""), "v2")).toBe("3".repeat(40));
    expect(pickRemoteRef(ls, "nope")).toBeUndefined();
    expect(pickRemoteRef("", "a".repeat(40))).toBe("a".repeat(40));
  });
});

describe("refProblem and redactUrl", () => {
  it("follow git-check-ref-format", () => {
    expect(refProblem("feature/x-1.2")).toBeUndefined();
    for (const bad of ["a..b", "a b", "a~1", "x.lock", "a/", "@{x}", "a:b"])
      expect(refProblem(bad)).toBeDefined();
  });

  it("hides passwords in URLs", () => {
    expect(redactUrl("https://u:pw@h/x")).toBe("https://u:***@h/x");
    expect(redactUrl("ssh://git@h/x")).toBe("ssh://git@h/x");
  });
});

describe("parseMarketplace", () => {
  it("reads anthropics/skills-style plugins with skills lists", () => {
    const text = JSON.stringify({
      name: "m",
      owner: { name: "x" },
      plugins: [
        { name: "docs", source: "./", strict: false, skills: ["./skills/xlsx", "./skills/pdf"] },
        { name: "tools", source: "./plugins/tools" },
        { name: "remote", source: { source: "github", repo: "o/r" } },
      ],
    });
    expect(parseMarketplace(text)).toEqual([
      { name: "docs", root: "", skills: ["skills/xlsx", "skills/pdf"] },
      { name: "tools", root: "plugins/tools" },
      { name: "remote", root: "", external: "o/r" },
    ]);
  });

  it("joins metadata.pluginRoot and refuses paths leaving the repository", () => {
    const text = JSON.stringify({
      metadata: { pluginRoot: "./plugins" },
      plugins: [{ name: "a", source: "a" }],
    });
    expect(parseMarketplace(text)[0]?.root).toBe("plugins/a");
    expect(() => joinRepoPath("a", "../../x")).toThrow(/leaves the repository/);
  });

  it("reports bad JSON with the file", () => {
    try {
      parseMarketplace("{", ".claude-plugin/marketplace.json");
      throw new Error("no error");
    } catch (e) {
      expect((e as SkillsyncError).code).toBe("INVALID_ARTIFACT");
      expect((e as SkillsyncError).file).toBe(".claude-plugin/marketplace.json");
    }
    expect(isGitSpec("github:a/b")).toBe(true);
    expect(isGitSpec("./github")).toBe(false);
  });
});

import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { skillsyncErrorOf } from "../../test/helpers/errors.js";
import {
  computeSkillFolderHash,
  lockEntryFor,
  lockNameProblem,
  parseGlobalSkillLock,
  parseSkillsLock,
  portableLocalSource,
  serializeGlobalSkillLock,
  serializeSkillsLock,
} from "../core/skills-lock.js";
import { readFolderForSkillsHash, readSkillsLock, writeSkillsLock } from "./skills-lock.js";

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
function tempDir(): { path: string } {
  const path = mkdtempSync(join(tmpdir(), "skillsync-skills-lock-"));
  temps.push(path);
  return { path };
}
/** The shared fixtures (read-only; only read here). */
const FIXTURES = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "skills", "anthropics");

/** The `computedHash` values that `skills add <fixtures> --skill '*' --agent claude-code -y --copy` (skills 1.7.4) wrote. */
const SKILLS_CLI_HASHES: Record<string, string> = {
  "algorithmic-art": "b2ca295de7f9c86c444f1fa21239e22e0eb7013ced1c652169b9402cc96ff744",
  "brand-guidelines": "e48840db6ea772ceecdb68b4e50f8cc77e2534b7580aeaf4a6fe6ee7bd845d7d",
  "canvas-design": "3fa7ea60170023ad8268bf9fd734ea75dd404279a2ef8ddf5abaa1102ad8e5f4",
  "claude-api": "adf50b5ad4d1a4a1026455c77311fe56051d41912d2b5f7fc987f14eb4dfd4ba",
  "frontend-design": "4eabc66183767153e404b39d1b839b1c37f2d82d86f0a0d7e880a579d8d62336",
  "internal-comms": "0bdc8867452b7ab9ef6167f6b0db2025ce5fb03773d3f85efcef2dfeb9d4976d",
  "mcp-builder": "826e46adf81e1372282e205c34e1a2ee876e72148007726e4a2512599d2fef7b",
  "skill-creator": "5ea13a6d9f0d4bb694405d79acd00cadec0d21bb138c4dd10fcf3c500cb835c2",
  "slack-gif-creator": "fab4fcfcaed371071069d61a3ab94dff15d10d36403ff269d147ea986cd98083",
  "theme-factory": "598ddfa9784ae2a8c55be5dbb047b98564d875dea6f4669168a87ae1ea1a4ed3",
  "web-artifacts-builder": "d52d422ead3fa26859a6af129609841a8536b230a2d649f86e61771d063e05e2",
  "webapp-testing": "ad5b1fc52807e9afa4635e59218a026b164dc58b6c3f41b0f7c644dcd6ccf572",
};

const err = skillsyncErrorOf;

describe("computedHash (skills CLI computeSkillFolderHash)", () => {
  it("equals what the skills CLI wrote for each of the 12 fixtures", () => {
    const dir = FIXTURES;
    const names = readdirSync(dir).sort();
    expect(names).toEqual(Object.keys(SKILLS_CLI_HASHES));
    for (const name of names)
      expect(computeSkillFolderHash(readFolderForSkillsHash(join(dir, name))), name).toBe(
        SKILLS_CLI_HASHES[name],
      );
  });

  it("matches the skills CLI on order (localeCompare), .git / node_modules, .DS_Store and symlinks", () => {
    // Built like the folder hashed by skills 1.7.4 (`skills add` of it wrote this computedHash).
    const d = join(tempDir().path, "mixed-case");
    for (const sub of [".git", "node_modules/x", "sub/node_modules", "Refs", "refs"])
      mkdirSync(join(d, sub), { recursive: true });
    const files: Record<string, string> = {
      "SKILL.md": "---\nname: mixed-case\ndescription: test of hash order\n---\nbody\n",
      "B.md": "B\n",
      "a.md": "a\n",
      "_under.md": "u\n",
      "-dash.md": "d\n",
      "é.md": "e\n",
      ".DS_Store": "ds\n",
      ".git/HEAD": "g\n",
      "node_modules/x/i.js": "n\n",
      "sub/node_modules/j.js": "n2\n",
      "Refs/x.md": "r1\n",
      "refs/y.md": "r2\n",
      "metadata.json": "m\n",
    };
    for (const [p, t] of Object.entries(files)) writeFileSync(join(d, p), t);
    symlinkSync("a.md", join(d, "link.md"));
    const read = readFolderForSkillsHash(d);
    expect(read.map((f) => f.path)).not.toContain("link.md");
    expect(read.map((f) => f.path)).not.toContain(".git/HEAD");
    expect(computeSkillFolderHash(read)).toBe(
      "db0116eddc1cfce295fd3eef20e2c4f6c9f677203d8e8f1d99c9713cc258e5ce",
    );
    // Paths under .git/ or node_modules/ handed in are dropped by the pure function too.
    const withIgnored = [...read, { path: "node_modules/y.js", data: new Uint8Array([1]) }];
    expect(computeSkillFolderHash(withIgnored)).toBe(computeSkillFolderHash(read));
    // Order is not bytewise: sorting bytewise would give another hash.
    const bytewise = [...read].sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(bytewise.map((f) => f.path)).not.toEqual(
      [...read].sort((a, b) => a.path.localeCompare(b.path)).map((f) => f.path),
    );
  });
});

const SAMPLE = `{
  "version": 1,
  "skills": {
    "alpha": {
      "source": "../src",
      "sourceType": "local",
      "computedHash": "${"a".repeat(64)}"
    },
    "beta": {
      "source": "owner/repo",
      "ref": "main",
      "sourceType": "github",
      "skillPath": "skills/beta/SKILL.md",
      "computedHash": "${"b".repeat(64)}",
      "via": "pkg"
    }
  }
}
`;

describe("skills-lock.json format", () => {
  it("round-trips byte for byte, sorting skills and keeping unknown keys in order", () => {
    const lock = parseSkillsLock(SAMPLE, "x");
    expect(serializeSkillsLock(lock)).toBe(SAMPLE);
    const reordered = { version: 1, skills: { beta: lock.skills.beta!, alpha: lock.skills.alpha! } };
    expect(serializeSkillsLock(reordered)).toBe(SAMPLE);
  });

  it("refuses corrupt JSON with file and line, newer versions, and unsafe names or paths", () => {
    const bad = err(() => parseSkillsLock('{\n  "version": 1,\n  "skills": {,}\n}\n', "/p/skills-lock.json"));
    expect(bad.code).toBe("INVALID_LOCK");
    expect(bad.file).toBe("/p/skills-lock.json");
    expect(bad.line).toBe(3);
    expect(err(() => parseSkillsLock('{"version": 2, "skills": {}}', "f")).code).toBe("UNSUPPORTED_VERSION");
    for (const name of ["..", "../x", "a/b", "a\\b", "/abs", "C:x", "a\u0000b", "x".repeat(256), ""]) {
      const text = JSON.stringify({
        version: 1,
        skills: { [name]: { source: ".", sourceType: "local", computedHash: "" } },
      });
      expect(err(() => parseSkillsLock(text, "f")).code, JSON.stringify(name)).toBe("INVALID_LOCK");
      expect(lockNameProblem(name)).toBeDefined();
    }
    const badPath = JSON.stringify({
      version: 1,
      skills: {
        ok: { source: "o/r", sourceType: "github", skillPath: "../../etc/SKILL.md", computedHash: "" },
      },
    });
    expect(err(() => parseSkillsLock(badPath, "f")).message).toMatch(/skillPath/);
  });

  it("global .skill-lock.json keeps insertion order and has no trailing newline", () => {
    const text = JSON.stringify(
      {
        version: 3,
        skills: {
          zed: {
            source: "/s",
            sourceType: "local",
            sourceUrl: "/s",
            skillFolderHash: "c".repeat(64),
            installedAt: "t",
            updatedAt: "t",
          },
          abc: {
            source: "/s",
            sourceType: "local",
            sourceUrl: "/s",
            skillFolderHash: "d".repeat(64),
            installedAt: "t",
            updatedAt: "t",
          },
        },
        dismissed: {},
      },
      null,
      2,
    );
    expect(serializeGlobalSkillLock(parseGlobalSkillLock(text, "g"))).toBe(text);
  });

  it("portable local sources and entries as the skills CLI writes them", () => {
    expect(portableLocalSource("/a/src", "/a/proj")).toBe("../src");
    expect(portableLocalSource("/a/proj/skills", "/a/proj")).toBe("./skills");
    expect(portableLocalSource("/a/proj", "/a/proj")).toBe(".");
    expect(portableLocalSource("/x/y", "/a/b")).toBe("../../x/y");
    const h = "e".repeat(64);
    expect(
      JSON.stringify(
        lockEntryFor({ origin: { type: "local", absPath: "/a/src" }, computedHash: h, lockDir: "/a/p" }),
      ),
    ).toBe(JSON.stringify({ source: "../src", sourceType: "local", computedHash: h }));
    expect(
      Object.keys(
        lockEntryFor({
          origin: { type: "git", url: "https://h/r.git", path: "s/x", ref: "v1" },
          computedHash: h,
          lockDir: "/p",
        }),
      ),
    ).toEqual(["source", "sourceUrl", "ref", "sourceType", "skillPath", "computedHash"]);
    const prev = { source: "../src", sourceType: "local", computedHash: "0", via: "v" };
    expect(
      lockEntryFor({
        origin: { type: "local", absPath: "/a/src" },
        computedHash: h,
        lockDir: "/a/p",
        previous: prev,
      }),
    ).toEqual({
      ...prev,
      computedHash: h,
    });
  });

  it("writes atomically and only when the bytes change", async () => {
    const file = join(tempDir().path, "skills-lock.json");
    expect(readSkillsLock(file)).toBeUndefined();
    const lock = parseSkillsLock(SAMPLE, file);
    expect(await writeSkillsLock(file, lock)).toBe(true);
    expect(readFileSync(file, "utf8")).toBe(SAMPLE);
    expect(await writeSkillsLock(file, lock)).toBe(false);
    writeFileSync(file, "{ nope");
    expect(err(() => readSkillsLock(file)).file).toBe(file);
  });
});

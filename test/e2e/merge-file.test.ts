/**
 * End to end: `skillsync merge-file` driven through the built binary (build first: `npm run build`),
 * compared byte for byte, and by exit status, with `git merge-file` on the same inputs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANTHROPIC_SKILLS } from "../helpers/paths.js";

const BIN = path.resolve("dist/cli/main.cjs");
const FIXTURES = ANTHROPIC_SKILLS;
const GIT_ENV = { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
let tmp: string;

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function run(cmd: string, args: string[], cwd = tmp): Run {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...GIT_ENV, NO_COLOR: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
}
const ours = (...args: string[]) => run(process.execPath, [BIN, "merge-file", ...args]);
const git = (...args: string[]) => run("git", ["merge-file", ...args]);

/** Writes the three inputs of a case into their own folder; returns the folder. */
function writeCase(
  name: string,
  files: { current: string | Buffer; base: string | Buffer; other: string | Buffer },
) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "current.md"), files.current);
  fs.writeFileSync(path.join(dir, "base.md"), files.base);
  fs.writeFileSync(path.join(dir, "other.md"), files.other);
  return dir;
}

function edit(text: string, f: (lines: string[]) => void): string {
  const lines = text.split("\n");
  f(lines);
  return lines.join("\n");
}

beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing; run 'npm run build' first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-merge-file-e2e-"));
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const OPTION_SETS: string[][] = [
  [],
  ["--diff3"],
  ["--zdiff3"],
  ["-L", "project", "-L", "base", "-L", "collection"],
  ["--diff3", "-L", "project"],
  ["--ours"],
  ["--theirs"],
  ["--union"],
  ["--marker-size", "10"],
];

describe("skillsync merge-file vs git merge-file", () => {
  it("matches git on the fixture skills (stdout and exit status)", () => {
    const skills = fs.readdirSync(FIXTURES).sort().slice(0, 3);
    const dirs = skills.map((skill, k) => {
      const base = fs.readFileSync(path.join(FIXTURES, skill, "SKILL.md"), "utf8");
      const n = base.split("\n").length;
      const current = edit(base, (l) => {
        l.splice(Math.floor(n / 3), 1, "Edited in the project.");
        l.splice(Math.floor(n / 2) + k, 0, "## Memory", "- learned something");
      });
      const other = edit(base, (l) => {
        l.splice(Math.floor(n / 3), 1, "Edited in the collection.");
        l.splice(n - 2, 1);
        l.push("Appended upstream.");
      });
      return writeCase(`fixture-${skill}`, { current, base, other });
    });
    // Each option set on one of the skills (spawning the CLI is the slow part).
    for (const [k, opts] of OPTION_SETS.entries()) {
      const dir = dirs[k % dirs.length] as string;
      const args = ["-p", ...opts, "current.md", "base.md", "other.md"];
      const mine = run(process.execPath, [BIN, "merge-file", ...args], dir);
      const theirs = run("git", ["merge-file", ...args], dir);
      expect(mine.stderr).toBe("");
      expect({ opts, code: mine.code, out: mine.stdout.toString("latin1") }).toEqual({
        opts,
        code: theirs.code,
        out: theirs.stdout.toString("latin1"),
      });
      if (opts.length === 0) expect(theirs.code).toBeGreaterThan(0); // the fixture edits do conflict
    }
  }, 120_000);

  it("matches git on CRLF, a BOM and a missing final newline", () => {
    const cases = {
      crlf: { base: "a\r\nb\r\nc\r\n", current: "x\r\nb\r\nc\r\n", other: "y\r\nb\r\nc\r\n" },
      bom: { base: "\uFEFF# T\nb\nc\n", current: "\uFEFF# T\nB\nc\n", other: "\uFEFF# T\nb\nc\nd\n" },
      nofinal: { base: "a\nb", current: "a\nB", other: "a\nC" },
      latin1: {
        base: Buffer.from([0x63, 0xe9, 0x0a, 0x61, 0x0a]),
        current: Buffer.from([0x43, 0xe9, 0x0a, 0x61, 0x0a]),
        other: Buffer.from([0x64, 0xe9, 0x0a, 0x61, 0x0a]),
      },
    };
    for (const [name, files] of Object.entries(cases)) {
      const dir = writeCase(name, files);
      for (const opts of [["--diff3"], ["--union"]]) {
        const args = ["-p", ...opts, "current.md", "base.md", "other.md"];
        const mine = run(process.execPath, [BIN, "merge-file", ...args], dir);
        const theirs = run("git", ["merge-file", ...args], dir);
        expect([name, mine.code, mine.stdout.toString("latin1")]).toEqual([
          name,
          theirs.code,
          theirs.stdout.toString("latin1"),
        ]);
      }
    }
  }, 60_000);

  it("writes CURRENT in place (keeping its mode) like git, and leaves BASE and OTHER alone", () => {
    const files = { base: "1\n2\n3\n4\n5\n", current: "1\nX\n3\n4\n5\n", other: "1\n2\n3\n4\nY\n" };
    const a = writeCase("inplace-a", files);
    const b = writeCase("inplace-b", files);
    fs.chmodSync(path.join(a, "current.md"), 0o755);
    fs.chmodSync(path.join(b, "current.md"), 0o755);
    const mine = run(process.execPath, [BIN, "merge-file", "current.md", "base.md", "other.md"], a);
    const theirs = run("git", ["merge-file", "current.md", "base.md", "other.md"], b);
    expect(mine.code).toBe(0);
    expect(theirs.code).toBe(0);
    expect(mine.stdout.length).toBe(0);
    expect(fs.readFileSync(path.join(a, "current.md"), "utf8")).toBe("1\nX\n3\n4\nY\n");
    expect(fs.readFileSync(path.join(a, "current.md"))).toEqual(fs.readFileSync(path.join(b, "current.md")));
    expect(fs.statSync(path.join(a, "current.md")).mode & 0o777).toBe(0o755);
    expect(fs.readFileSync(path.join(a, "base.md"), "utf8")).toBe(files.base);
    expect(fs.readdirSync(a).sort()).toEqual(["base.md", "current.md", "other.md"]);
  });

  it("uses the file names as default labels and exits with the conflict count, capped at 127", () => {
    const dir = writeCase("labels", { base: "a\n", current: "b\n", other: "c\n" });
    const r = run(process.execPath, [BIN, "merge-file", "-p", "current.md", "base.md", "other.md"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toBe("<<<<<<< current.md\nb\n=======\nc\n>>>>>>> other.md\n");
    // 200 conflicts separated by enough lettered lines to stay apart.
    const block = (v: string) =>
      Array.from(
        { length: 200 },
        (_, i) => `${v}${i}\nkeep a${i}\nkeep b${i}\nkeep c${i}\nkeep d${i}\n`,
      ).join("");
    const many = writeCase("many", { base: block("base"), current: block("ours"), other: block("theirs") });
    const m = run(process.execPath, [BIN, "merge-file", "-p", "current.md", "base.md", "other.md"], many);
    const g = run("git", ["merge-file", "-p", "current.md", "base.md", "other.md"], many);
    expect(m.code).toBe(127);
    expect(g.code).toBe(127);
    expect(m.stdout.equals(g.stdout)).toBe(true);
  });

  it("exits 255 with one error line on a missing file, a binary file, or too many labels", () => {
    const dir = writeCase("errors", { base: "a\n", current: "b\n", other: "c\n" });
    fs.writeFileSync(path.join(dir, "bin.dat"), Buffer.from([1, 0, 2]));
    const missing = run(
      process.execPath,
      [BIN, "merge-file", "-p", "current.md", "nope.md", "other.md"],
      dir,
    );
    expect(missing.code).toBe(255);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain("nope.md");
    expect(
      git("-p", path.join(dir, "current.md"), path.join(dir, "nope.md"), path.join(dir, "other.md")).code,
    ).toBe(255);
    const binary = run(process.execPath, [BIN, "merge-file", "-p", "current.md", "bin.dat", "other.md"], dir);
    expect(binary.code).toBe(255);
    expect(binary.stderr).toBe("error: Cannot merge binary files: bin.dat\n");
    expect(
      git("-p", path.join(dir, "current.md"), path.join(dir, "bin.dat"), path.join(dir, "other.md")).code,
    ).toBe(255);
    const labels = ours("-L", "1", "-L", "2", "-L", "3", "-L", "4", "x", "y", "z");
    expect(labels.code).toBe(255);
    expect(labels.stderr).toContain("too many labels");
    expect(fs.readFileSync(path.join(dir, "current.md"), "utf8")).toBe("b\n");
  });
});

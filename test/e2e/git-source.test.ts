/**
 * End to end: `skillsync add github:…|git+…`, `outdated` and `update` driven through the built binary
 * against local bare repositories standing in for GitHub (build first: `npm run build`).
 *
 * Until `registerGitSource` is wired into src/cli/main.ts, `outdated`/`update` run through a small shim
 * that registers only those two commands on the same built modules (a warning says so).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = path.resolve("dist/cli/main.cjs");
const GIT_ENV = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
};
const TOKEN = "ghp_e2eSECRET0987654321";
let tmp: string;
let home: string;
let repos: string;
let shim: string | undefined;

function env(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...GIT_ENV,
    HOME: tmp,
    SKILLSYNC_HOME: home,
    SKILLSYNC_GITHUB_BASE: `file://${repos}/`,
    NO_COLOR: "1",
  };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: env() });
}

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
}

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const viaShim = shim !== undefined && (args[0] === "outdated" || args[0] === "update");
  const argv = viaShim ? [shim!, ...args] : [BIN, ...args];
  const r = spawnSync(process.execPath, argv, { cwd: tmp, encoding: "utf8", env: env() });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function skill(name: string, body: string): string {
  return `---\nname: ${name}\ndescription: The ${name} skill for end-to-end tests.\n---\n\n${body}`;
}

const BODY = "# Title\n\nline 1\nline 2\nline 3\n\n## Usage\n\nuse 1\nuse 2\nuse 3\n";

function makeRepo(owner: string, name: string, files: Record<string, string>): { work: string; url: string } {
  const bare = path.join(repos, owner, `${name}.git`);
  const work = path.join(tmp, "work", `${owner}-${name}`);
  fs.mkdirSync(path.dirname(bare), { recursive: true });
  git(tmp, "init", "-q", "--bare", "-b", "main", bare);
  git(tmp, "init", "-q", "-b", "main", work);
  write(work, files);
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "init");
  git(work, "remote", "add", "origin", bare);
  git(work, "push", "-q", "origin", "main");
  return { work, url: `file://${bare}` };
}

function push(work: string, files: Record<string, string>): string {
  write(work, files);
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "upstream change");
  git(work, "push", "-q", "origin", "main");
  return git(work, "rev-parse", "HEAD").trim();
}

const coll = () => path.join(home, "collections", "default");
const skillMd = (name: string) => path.join(coll(), "skills", name, "SKILL.md");
const lockText = () => fs.readFileSync(path.join(coll(), "skillsync.lock"), "utf8");

beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing; run 'npm run build' first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-gitsrc-e2e-"));
  home = path.join(tmp, "home");
  repos = path.join(tmp, "repos");
  const probe = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8", env: env() });
  if (!/^\s+outdated\b/m.test(probe.stdout) || !/^\s+update\b/m.test(probe.stdout)) {
    console.warn(
      "git-source e2e: 'outdated'/'update' are not registered in dist/cli/main.js yet; running them through a shim",
    );
    const commander = createRequire(import.meta.url).resolve("commander");
    shim = path.join(tmp, "shim.mjs");
    fs.writeFileSync(
      shim,
      [
        `const { Command } = await import(${JSON.stringify(pathToFileURL(commander).href)});`,
        `const { registerGitSource } = await import(${JSON.stringify(pathToFileURL(path.resolve("dist/cli/commands/git-source.js")).href)});`,
        `const program = new Command("skillsync").option("--home <dir>").option("--collection <name>").exitOverride();`,
        "registerGitSource(program);",
        "try { await program.parseAsync(process.argv); } catch { process.exitCode = 2; }",
      ].join("\n"),
    );
  }
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("git sources through the binary", () => {
  let repo: { work: string; url: string };

  it("adds a skill from git+file://…#PATH and a marketplace via github:", () => {
    repo = makeRepo("acme", "skills", {
      "skills/foo/SKILL.md": skill("foo", BODY),
      "skills/other/SKILL.md": skill("other", BODY),
    });
    makeRepo("acme", "market", {
      ".claude-plugin/marketplace.json": JSON.stringify({
        name: "acme",
        owner: { name: "Acme" },
        plugins: [{ name: "docs", source: "./", strict: false, skills: ["./skills/pdf", "./skills/xlsx"] }],
      }),
      "skills/pdf/SKILL.md": skill("pdf", BODY),
      "skills/xlsx/SKILL.md": skill("xlsx", BODY),
      "skills/hidden/SKILL.md": skill("hidden", BODY),
    });
    const a = cli("add", `git+${repo.url}#skills/foo`, "--json");
    expect(a.stderr).toBe("");
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)[0].results[0]).toMatchObject({ kind: "skill", name: "foo", status: "added" });
    const m = cli("add", "github:acme/market");
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/added\s+skill\/pdf/);
    expect(m.stdout).toMatch(/added\s+skill\/xlsx/);
    expect(fs.existsSync(skillMd("hidden"))).toBe(false);
    const lock = lockText();
    expect(lock).toContain(`source = "git+${repo.url}#skills/foo"`);
    expect(lock).toContain('source = "github:acme/market/skills/pdf"');
    expect(lock).toMatch(/resolved-ref = "[0-9a-f]{40}"/);
  });

  it("outdated: exit 0 when current, 1 with {name, type, source, current, latest} after upstream moves", () => {
    const none = cli("outdated", "--json");
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual([]);
    const latest = push(repo.work, {
      "skills/foo/SKILL.md": skill("foo", BODY.replace("line 1", "line 1 upstream")),
    });
    const r = cli("outdated", "--json");
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      expect.objectContaining({ name: "foo", type: "skill", source: `git+${repo.url}#skills/foo`, latest }),
    ]);
  });

  it("--frozen fails on the stale lock and writes nothing", () => {
    const before = lockText();
    const r = cli("update", "--frozen");
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/lock file is out of date with upstream for skill\/foo/);
    expect(lockText()).toBe(before);
  });

  it("update --preview shows the diff and writes nothing; update merges a local edit", () => {
    fs.writeFileSync(skillMd("foo"), skill("foo", BODY.replace("use 3", "use 3 local")));
    const p = cli("update", "foo", "--preview");
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toContain("+line 1 upstream");
    expect(p.stdout).toContain("nothing was written");
    expect(fs.readFileSync(skillMd("foo"), "utf8")).not.toContain("upstream");
    const u = cli("update", "foo", "--json");
    expect(u.code, u.stderr).toBe(0);
    expect(JSON.parse(u.stdout)[0]).toMatchObject({
      artifact_name: "skill/foo",
      success: true,
      direction: "pull",
      strategy_used: "merge",
    });
    const text = fs.readFileSync(skillMd("foo"), "utf8");
    expect(text).toContain("line 1 upstream");
    expect(text).toContain("use 3 local");
    const o = cli("outdated");
    expect(o.code, o.stderr).toBe(0);
  });

  it("overlapping edits: exit 1 and nothing written; --auto-resolve theirs takes upstream", () => {
    push(repo.work, {
      "skills/foo/SKILL.md": skill(
        "foo",
        BODY.replace("line 1", "line 1 upstream").replace("line 2", "two upstream"),
      ),
    });
    const local = fs.readFileSync(skillMd("foo"), "utf8").replace("line 2", "two local");
    fs.writeFileSync(skillMd("foo"), local);
    const r = cli("update", "--all", "--json");
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ success: false, conflicts_remaining: 1 });
    expect(fs.readFileSync(skillMd("foo"), "utf8")).toBe(local);
    const t = cli("update", "--all", "--auto-resolve", "theirs");
    expect(t.code, t.stderr).toBe(0);
    const text = fs.readFileSync(skillMd("foo"), "utf8");
    expect(text).toContain("two upstream");
    expect(text).toContain("use 3 local");
    const f = cli("update", "--frozen");
    expect(f.code, f.stderr).toBe(0);
  });

  it("bad specs are usage errors (exit 2); a failing clone exits 3 without the token", () => {
    const bad = cli("add", "github:acme");
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/bad git source/);
    const creds = cli("add", `git+https://me:${TOKEN}@example.invalid/r.git`);
    expect(creds.code, creds.stderr).toBe(2);
    expect(creds.stderr).not.toContain(TOKEN);
    fs.writeFileSync(path.join(home, "config.toml"), 'version = 1\ngit_token_env = "E2E_GIT_TOKEN"\n');
    const r = spawnSync(process.execPath, [BIN, "add", "git+https://127.0.0.1:9/acme/private.git#skills/x"], {
      cwd: tmp,
      encoding: "utf8",
      env: { ...env(), E2E_GIT_TOKEN: TOKEN },
    });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/git ls-remote/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
    expect(`${r.stdout}${r.stderr}`).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString("base64"));
    expect(lockText()).not.toContain(TOKEN);
  });
});

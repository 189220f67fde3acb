/**
 * End to end: `skillsync codex sync` and `skillsync cache …` driven through the built binary against
 * a local bare repository (build first: `npm run build`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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
let tmp: string;
let home: string;
let project: string;
let bare: string;
let work: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...GIT_ENV } });
}

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
}

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, ...GIT_ENV, SKILLSYNC_HOME: home, NO_COLOR: "1" },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing; run 'npm run build' first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-codex-e2e-"));
  home = path.join(tmp, "home");
  project = path.join(tmp, "web");
  bare = path.join(tmp, "codex.git");
  work = path.join(tmp, "codex-work");
  fs.mkdirSync(project);
  git(tmp, "init", "-q", "--bare", "-b", "main", bare);
  git(tmp, "init", "-q", "-b", "main", work);
  write(work, {
    "projects/web/docs/a.md": "# a\n",
    "projects/web/docs/b.md": "# b\n",
    "projects/web/private/secret.md": "# no\n",
    "shared/style.md": "# style\n",
  });
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "init");
  git(work, "remote", "add", "origin", bare);
  git(work, "push", "-q", "origin", "main");
  write(home, {
    "config.toml": `version = 1\n[codex]\nrepo = "file://${bare}"\norg = "acme"\nexclude = ["private/**"]\ndeletion_threshold = 1\n`,
  });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("skillsync codex sync (binary)", () => {
  it("refuses a project folder that does not exist", () => {
    const r = cli("codex", "sync", "--project-dir", path.join(tmp, "typo"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/project folder .*typo does not exist/);
    expect(fs.existsSync(path.join(tmp, "typo"))).toBe(false);
  });

  it("dry run prints the plan and writes nothing", () => {
    const r = cli("codex", "sync", "--dry-run", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ status: "success", direction: "from-codex", files_added: 3, dry_run: true });
    expect(fs.readdirSync(project)).toEqual([]);
  });

  it("syncs into the cache and the cache commands see it", () => {
    const r = cli("codex", "sync", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j).sort()).toEqual(
      [
        "status",
        "direction",
        "mode",
        "files_synced",
        "files_added",
        "files_modified",
        "files_deleted",
        "deletion_threshold_exceeded",
        "cache_path",
        "cache_index_updated",
        "dry_run",
        "duration_seconds",
      ].sort(),
    );
    expect(j).toMatchObject({ files_synced: 3, cache_index_updated: true, mode: "cache" });
    expect(fs.realpathSync(j.cache_path)).toBe(
      fs.realpathSync(path.join(project, ".skillsync/codex/cache/acme/web")),
    );
    const list = JSON.parse(cli("cache", "list", "--json").stdout);
    expect(list.entries.map((e: { uri: string }) => e.uri)).toEqual([
      "codex://acme/web/docs/a.md",
      "codex://acme/web/docs/b.md",
      "codex://acme/web/shared/style.md",
    ]);
    const stats = JSON.parse(cli("cache", "stats", "--json").stdout);
    expect(stats).toMatchObject({ entries: 3, expired: 0, total_bytes: 16 });
    expect(cli("cache", "health").code).toBe(0);
  });

  it("health reports a tampered file (exit 1) and --fix repairs it", () => {
    const f = path.join(project, ".skillsync/codex/cache/acme/web/docs/a.md");
    fs.writeFileSync(f, "tampered");
    const bad = cli("cache", "health");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/hash_mismatch: .*docs\/a\.md/);
    expect(bad.stdout).toMatch(/fix: .*cache health --fix/);
    const fixed = cli("cache", "health", "--fix", "--json");
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ healthy: true });
    expect(fs.readFileSync(f, "utf8")).toBe("# a\n");
  });

  it("a deletion over the threshold stops with exit 2 and deletes nothing", () => {
    git(work, "rm", "-q", "projects/web/docs/a.md", "projects/web/docs/b.md");
    git(work, "commit", "-q", "-m", "remove");
    git(work, "push", "-q", "origin", "main");
    const r = cli("codex", "sync");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/would delete 2 files.*--force/);
    expect(fs.existsSync(path.join(project, ".skillsync/codex/cache/acme/web/docs/a.md"))).toBe(true);
    const forced = cli("codex", "sync", "--force", "--json");
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ files_deleted: 2, deletion_threshold_exceeded: true });
  });

  it("a git failure prints the failure JSON and exits 3; cache clear empties the cache", () => {
    fs.renameSync(bare, `${bare}.gone`);
    try {
      const r = cli("codex", "sync", "--json");
      expect(r.code).toBe(3);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: "failure", phase: "clone" });
    } finally {
      fs.renameSync(`${bare}.gone`, bare);
    }
    const c = cli("cache", "clear", "--json");
    expect(JSON.parse(c.stdout)).toMatchObject({ removed: 1 });
    expect(JSON.parse(cli("cache", "list", "--json").stdout).entries).toEqual([]);
  });
});

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SkillsyncError } from "../core/errors.js";
import { defaultConfig } from "../store/config.js";
import { scrubSecrets } from "../store/git.js";
import { cacheRootFor, clearCache, ensureGitignored, listCache, loadCacheIndex } from "./cache.js";
import { CodexRepoCache, cacheHealth, readCodexDocument } from "./fetch.js";
import { codexSettings } from "./settings.js";
import { failureJson, runCodexSync } from "./sync.js";

Object.assign(process.env, {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
});

const T0 = Date.parse("2026-03-01T10:00:00.000Z");
let tmp: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
}

/** A bare repo plus a work clone to push upstream changes from. */
function makeRemote(
  name: string,
  files: Record<string, string>,
): { bare: string; work: string; url: string } {
  const bare = path.join(tmp, `${name}.git`);
  const work = path.join(tmp, `${name}-work`);
  git(tmp, "init", "-q", "--bare", "-b", "main", bare);
  git(tmp, "init", "-q", "-b", "main", work);
  write(work, files);
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "init");
  git(work, "remote", "add", "origin", bare);
  git(work, "push", "-q", "origin", "main");
  return { bare, work, url: `file://${bare}` };
}

function pushUpstream(work: string, files: Record<string, string>, remove: string[] = []): void {
  write(work, files);
  for (const r of remove) fs.rmSync(path.join(work, r));
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "upstream change");
  git(work, "push", "-q", "origin", "main");
}

const CODEX_FILES = {
  "README.md": "# codex\n",
  "projects/web/docs/setup.md": "# setup\n",
  "projects/web/docs/deploy.md": "# deploy\n",
  "projects/web/notes.txt": "not markdown\n",
  "projects/web/drafts/wip.md": "# wip\n",
  "projects/api/docs/api.md": "# other project\n",
  "shared/style.md": "# style\n",
  "systems/ci.md": "# ci\n",
};

function settingsFor(url: string | undefined, projectDir: string, codex: Record<string, unknown> = {}) {
  const config = defaultConfig();
  config.codex = {
    ...config.codex,
    repo: url,
    org: "acme",
    project: "web",
    exclude: ["drafts/**"],
    ...codex,
  };
  return codexSettings({ config, projectDir, gitCacheDir: path.join(tmp, "home", "cache", "git") });
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-codex-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
let project: string;
beforeEach(() => {
  project = path.join(tmp, `project-${++n}`);
  fs.mkdirSync(project);
});

describe("codex sync from-codex", () => {
  it("copies matching docs into the cache, indexes them and git-ignores the cache", async () => {
    const remote = makeRemote(`r${n}`, CODEX_FILES);
    const s = settingsFor(remote.url, project);
    const out = await runCodexSync({ settings: s, now: () => T0 });
    expect(out.result).toEqual({
      status: "success",
      direction: "from-codex",
      mode: "cache",
      files_synced: 4,
      files_added: 4,
      files_modified: 0,
      files_deleted: 0,
      deletion_threshold_exceeded: false,
      cache_path: path.join(project, ".skillsync/codex/cache/acme/web"),
      cache_index_updated: true,
      dry_run: false,
      duration_seconds: 0,
    });
    const cache = out.result.cache_path;
    expect(fs.readFileSync(path.join(cache, "docs/setup.md"), "utf8")).toBe("# setup\n");
    expect(fs.existsSync(path.join(cache, "shared/style.md"))).toBe(true);
    expect(fs.existsSync(path.join(cache, "systems/ci.md"))).toBe(true);
    expect(fs.existsSync(path.join(cache, "notes.txt"))).toBe(false);
    expect(fs.existsSync(path.join(cache, "drafts/wip.md"))).toBe(false);
    expect(fs.readFileSync(path.join(project, ".gitignore"), "utf8")).toMatch(/^\.skillsync\/$/m);
    const index = await loadCacheIndex(cacheRootFor(project));
    const head = git(remote.work, "rev-parse", "HEAD").trim();
    expect(index.entries.map((e) => e.uri)).toEqual([
      "codex://acme/web/docs/deploy.md",
      "codex://acme/web/docs/setup.md",
      "codex://acme/web/shared/style.md",
      "codex://acme/web/systems/ci.md",
    ]);
    expect(index.entries[1]).toMatchObject({
      path: "acme/web/docs/setup.md",
      source: head,
      cached_at: "2026-03-01T10:00:00.000Z",
      expires_at: "2026-03-08T10:00:00.000Z",
      size_bytes: 8,
    });
    expect(index.entries[1]?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(out.commit).toBe(head);
  });

  it("dry run reports and writes nothing; a rerun picks up upstream edits and deletions", async () => {
    const remote = makeRemote(`r${n}`, CODEX_FILES);
    const s = settingsFor(remote.url, project, { deletion_threshold_percent: 100 });
    const dry = await runCodexSync({ settings: s, dryRun: true, now: () => T0 });
    expect(dry.result).toMatchObject({ files_added: 4, dry_run: true, cache_index_updated: false });
    expect(fs.readdirSync(project)).toEqual([]);
    await runCodexSync({ settings: s, now: () => T0 });
    pushUpstream(remote.work, { "projects/web/docs/setup.md": "# setup v2\n" }, ["shared/style.md"]);
    const again = await runCodexSync({ settings: s, now: () => T0 + 1000 });
    expect(again.result).toMatchObject({
      files_synced: 3,
      files_added: 0,
      files_modified: 1,
      files_deleted: 1,
    });
    expect(again.plan.modify).toEqual(["docs/setup.md"]);
    expect(again.plan.delete).toEqual(["shared/style.md"]);
    const cache = again.result.cache_path;
    expect(fs.readFileSync(path.join(cache, "docs/setup.md"), "utf8")).toBe("# setup v2\n");
    expect(fs.existsSync(path.join(cache, "shared/style.md"))).toBe(false);
    const uris = (await loadCacheIndex(cacheRootFor(project))).entries.map((e) => e.uri);
    expect(uris).not.toContain("codex://acme/web/shared/style.md");
  });

  it("stops on the count threshold and on the percent threshold; --force goes ahead", async () => {
    const remote = makeRemote(`r${n}`, CODEX_FILES);
    const s = settingsFor(remote.url, project, { deletion_threshold: 1, deletion_threshold_percent: 100 });
    await runCodexSync({ settings: s, now: () => T0 });
    pushUpstream(remote.work, {}, ["projects/web/docs/setup.md", "projects/web/docs/deploy.md"]);
    const byCount = await runCodexSync({ settings: s, now: () => T0 });
    expect(byCount.result).toMatchObject({
      status: "blocked",
      deletion_threshold_exceeded: true,
      files_deleted: 2,
    });
    expect(byCount.warnings.join("\n")).toMatch(/threshold of 1.*--force/);
    expect(fs.existsSync(path.join(byCount.result.cache_path, "docs/setup.md"))).toBe(true);

    const sPct = settingsFor(remote.url, project, { deletion_threshold: 50, deletion_threshold_percent: 20 });
    const byPct = await runCodexSync({ settings: sPct, now: () => T0 });
    expect(byPct.result.status).toBe("blocked");
    expect(byPct.warnings.join("\n")).toMatch(/2 of 4 files \(50\.0%\)/);
    expect(fs.existsSync(path.join(byPct.result.cache_path, "docs/deploy.md"))).toBe(true);

    const forced = await runCodexSync({ settings: sPct, force: true, now: () => T0 });
    expect(forced.result).toMatchObject({
      status: "success",
      files_deleted: 2,
      deletion_threshold_exceeded: true,
    });
    expect(fs.existsSync(path.join(forced.result.cache_path, "docs/deploy.md"))).toBe(false);
  });

  it("reports an unreachable repository as a clone-phase git failure and writes nothing", async () => {
    const s = settingsFor(`file://${path.join(tmp, "nope.git")}`, project);
    const err = await runCodexSync({ settings: s, now: () => T0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkillsyncError);
    expect((err as SkillsyncError).exitCode).toBe(3);
    expect(failureJson(err)).toMatchObject({ status: "failure", phase: "clone", partial_results: {} });
    expect(fs.readdirSync(project)).toEqual([]);
    const noRepo = await runCodexSync({ settings: settingsFor(undefined, project), now: () => T0 }).catch(
      (e: unknown) => e,
    );
    expect((noRepo as SkillsyncError).exitCode).toBe(2);
    expect((noRepo as SkillsyncError).message).toMatch(/codex\.repo/);
  });
});

describe("codex sync concurrency", () => {
  it("serialises concurrent syncs and fetches on one project (locks), and keeps projects' clones apart", async () => {
    const remote = makeRemote(`r${n}`, CODEX_FILES);
    const s = settingsFor(remote.url, project);
    const repos = new CodexRepoCache(s, 0);
    const results = await Promise.all([
      runCodexSync({ settings: s, now: () => T0 }),
      runCodexSync({ settings: s, now: () => T0 }),
      readCodexDocument({ settings: s, repos, uri: "codex://acme/api/docs/api.md", now: () => T0 }),
    ]);
    expect(results[0].result.status).toBe("success");
    expect(results[1].result.status).toBe("success");
    const uris = (await loadCacheIndex(cacheRootFor(project))).entries.map((e) => e.uri);
    expect(uris).toContain("codex://acme/api/docs/api.md");
    expect(uris).toContain("codex://acme/web/docs/setup.md");

    const other = path.join(tmp, `api-project-${n}`);
    fs.mkdirSync(other);
    const sApi = settingsFor(remote.url, other, { project: "api" });
    const api = await runCodexSync({ settings: sApi, now: () => T0 });
    expect(api.result.files_synced).toBe(3);
    expect(
      fs.readdirSync(path.join(tmp, "home", "cache", "git")).filter((d) => d.endsWith("-api")),
    ).toHaveLength(1);
  });

  it("derives a safe project name from the folder when codex.project is unset", () => {
    const config = defaultConfig();
    const s = codexSettings({ config, projectDir: "/src/My Project", gitCacheDir: "/h/cache/git" });
    expect(s.project).toBe("My-Project");
    expect(s.locksDir).toBe(path.resolve("/h/locks"));
    config.codex.project = "bad/name";
    expect(() => codexSettings({ config, projectDir: "/src/x", gitCacheDir: "/h/cache/git" })).toThrow(
      /codex\.project/,
    );
  });
});

describe("codex sync to-codex", () => {
  it("commits the project's docs on a new branch, or on the default branch with pushDefault", async () => {
    const remote = makeRemote(`r${n}`, CODEX_FILES);
    write(project, { "docs/setup.md": "# setup edited\n", "docs/new.md": "# new\n", "src/x.ts": "x" });
    const s = settingsFor(remote.url, project, { deletion_threshold_percent: 100 });
    const out = await runCodexSync({ settings: s, direction: "to-codex", now: () => T0 });
    expect(out.result).toMatchObject({
      status: "success",
      direction: "to-codex",
      files_synced: 2,
      files_added: 1,
      files_modified: 1,
      files_deleted: 1,
    });
    expect(out.branch).toBe("skillsync/codex-web-20260301T100000Z");
    expect(git(remote.bare, "show", `${out.branch}:projects/web/docs/new.md`)).toBe("# new\n");
    expect(git(remote.bare, "show", "main:projects/web/docs/setup.md")).toBe("# setup\n");
    expect(() => git(remote.bare, "show", `${out.branch}:projects/web/docs/deploy.md`)).toThrow();
    // a file outside the selection (notes.txt) stays
    expect(git(remote.bare, "show", `${out.branch}:projects/web/notes.txt`)).toBe("not markdown\n");

    const def = await runCodexSync({ settings: s, direction: "to-codex", pushDefault: true, now: () => T0 });
    expect(def.branch).toBe("main");
    expect(git(remote.bare, "show", "main:projects/web/docs/setup.md")).toBe("# setup edited\n");
    const again = await runCodexSync({
      settings: s,
      direction: "to-codex",
      pushDefault: true,
      now: () => T0,
    });
    expect(again.branch).toBeUndefined();
    expect(again.result.files_added + again.result.files_modified + again.result.files_deleted).toBe(0);
  });
});

describe("codex sync to-codex failures", () => {
  it("reports a rejected push as a push-phase git failure and never forces it", async () => {
    const remote = makeRemote(`r${n}`, CODEX_FILES);
    fs.writeFileSync(path.join(remote.bare, "hooks", "pre-receive"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    write(project, { "docs/setup.md": "# mine\n", "docs/deploy.md": "# deploy\n" });
    const s = settingsFor(remote.url, project);
    const err = await runCodexSync({
      settings: s,
      direction: "to-codex",
      pushDefault: true,
      now: () => T0,
    }).catch((e: unknown) => e);
    expect((err as SkillsyncError).exitCode).toBe(3);
    expect(failureJson(err)).toMatchObject({
      status: "failure",
      phase: "push",
      partial_results: { direction: "to-codex", files_modified: 1 },
    });
    expect(git(remote.bare, "show", "main:projects/web/docs/setup.md")).toBe("# setup\n");
  });
});

describe("reading codex documents through the cache", () => {
  it("fetches a miss, serves a fresh hit, and falls back to a stale copy when offline", async () => {
    const remote = makeRemote(`r${n}`, CODEX_FILES);
    const s = settingsFor(remote.url, project, { ttl: 60 });
    let now = T0;
    const repos = new CodexRepoCache(s, 0);
    const first = await readCodexDocument({
      settings: s,
      repos,
      uri: "codex://acme/web/docs/setup.md",
      now: () => now,
    });
    expect(first.origin).toBe("fetched");
    expect(first.bytes.toString()).toBe("# setup\n");
    // another project of the same codex repo is fetched on demand too
    const other = await readCodexDocument({
      settings: s,
      repos,
      uri: "codex://acme/api/docs/api.md",
      now: () => now,
    });
    expect(other.bytes.toString()).toBe("# other project\n");
    now += 1000;
    const hit = await readCodexDocument({
      settings: s,
      repos,
      uri: "codex://acme/web/docs/setup.md",
      now: () => now,
    });
    expect(hit.origin).toBe("cache");
    expect(hit.entry.last_accessed).toBe("2026-03-01T10:00:01.000Z");
    await expect(
      readCodexDocument({ settings: s, repos, uri: "codex://acme/web/docs/none.md", now: () => now }),
    ).rejects.toThrow(/does not exist/);

    fs.renameSync(remote.bare, `${remote.bare}.offline`);
    now += 120_000;
    const stale = await readCodexDocument({
      settings: s,
      repos,
      uri: "codex://acme/web/docs/setup.md",
      now: () => now,
    });
    expect(stale.origin).toBe("stale");
    expect(stale.warning).toMatch(/stale copy.*unreachable/);
    expect(stale.bytes.toString()).toBe("# setup\n");
    await expect(
      readCodexDocument({ settings: s, repos, uri: "codex://acme/web/docs/deploy.md", now: () => now }),
    ).rejects.toMatchObject({ code: "GIT" });
    fs.renameSync(`${remote.bare}.offline`, remote.bare);
  });
});

describe("cache health, list and clear", () => {
  it("finds and repairs missing, changed, expired and orphan files", async () => {
    const remote = makeRemote(`r${n}`, CODEX_FILES);
    const s = settingsFor(remote.url, project, { ttl: 60 });
    const out = await runCodexSync({ settings: s, now: () => T0 });
    const cache = out.result.cache_path;
    fs.rmSync(path.join(cache, "docs/setup.md"));
    fs.writeFileSync(path.join(cache, "docs/deploy.md"), "tampered\n");
    fs.writeFileSync(path.join(cache, "stray.md"), "?\n");
    const check = await cacheHealth({ settings: s, now: () => T0 + 1000 });
    expect(check.healthy).toBe(false);
    expect(check.problems.map((p) => p.kind).sort()).toEqual(["hash_mismatch", "missing", "orphan"]);
    const expiredCheck = await cacheHealth({ settings: s, now: () => T0 + 120_000 });
    expect(expiredCheck.problems.filter((p) => p.kind === "expired")).toHaveLength(2);

    const fixed = await cacheHealth({ settings: s, now: () => T0 + 120_000, fix: true });
    expect(fixed.healthy).toBe(true);
    expect(fixed.fixed).toHaveLength(5);
    expect(fs.readFileSync(path.join(cache, "docs/setup.md"), "utf8")).toBe("# setup\n");
    expect(fs.readFileSync(path.join(cache, "docs/deploy.md"), "utf8")).toBe("# deploy\n");
    expect(fs.existsSync(path.join(cache, "stray.md"))).toBe(false);
  });

  it("lists with expiry and clears expired entries or everything", async () => {
    const remote = makeRemote(`r${n}`, CODEX_FILES);
    const s = settingsFor(remote.url, project, { ttl: 60 });
    await runCodexSync({ settings: s, now: () => T0 });
    const repos = new CodexRepoCache(s, 0);
    await readCodexDocument({
      settings: s,
      repos,
      uri: "codex://acme/api/docs/api.md",
      now: () => T0 + 50_000,
    });
    const root = cacheRootFor(project);
    const rows = await listCache(root, T0 + 70_000);
    expect(rows.filter((r) => r.expired)).toHaveLength(4);
    const cleared = await clearCache({ root, now: T0 + 70_000, expiredOnly: true });
    expect(cleared.removed).toBe(4);
    expect((await loadCacheIndex(root)).entries.map((e) => e.uri)).toEqual(["codex://acme/api/docs/api.md"]);
    expect(fs.existsSync(path.join(root, "acme/web/docs/setup.md"))).toBe(false);
    const all = await clearCache({ root, now: T0 });
    expect(all.removed).toBe(1);
    expect(fs.readdirSync(root)).toEqual(["index.json"]);
  });

  it("leaves a .gitignore that already ignores the cache alone", async () => {
    fs.writeFileSync(path.join(project, ".gitignore"), "node_modules\n/.skillsync/\n");
    expect(await ensureGitignored(project)).toBe(false);
    fs.writeFileSync(path.join(project, ".gitignore"), "node_modules");
    expect(await ensureGitignored(project)).toBe(true);
    expect(fs.readFileSync(path.join(project, ".gitignore"), "utf8")).toBe(
      "node_modules\n# skillsync codex doc cache\n.skillsync/\n",
    );
  });
});

describe("scrubSecrets", () => {
  it("removes URL credentials and token values", () => {
    expect(scrubSecrets("fatal: https://bob:s3cr3t@example.com/x.git not found", [])).toBe(
      "fatal: https://***@example.com/x.git not found",
    );
    expect(scrubSecrets("token ghp_abcdef leaked", ["ghp_abcdef"])).toBe("token *** leaked");
  });
});

/**
 * Git sources against local bare repositories standing in for GitHub (no network): add, outdated,
 * update (merge, conflicts, strategies, preview), --frozen, and token hygiene.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SkillsyncError } from "../core/errors.js";
import { readLockFile } from "../store/lock-file.js";
import { closeStateDbs, openStateDb } from "../store/state-db.js";
import { initCollection } from "./collection-ops.js";
import { addFromGit, gitAuthFor, outdated, readGitBase, scrub } from "./git-source.js";
import { updateFromGit } from "./git-update.js";
import { openWorkspace, type Workspace } from "./workspace.js";

const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
};
const saved: Record<string, string | undefined> = {};
let tmp: string;
let n = 0;

function sh(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env } });
}

function write(root: string, files: Record<string, string | null>): void {
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(root, rel);
    if (text === null) fs.rmSync(p, { force: true });
    else {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
    }
  }
}

function skill(name: string, body: string): string {
  return `---\nname: ${name}\ndescription: The ${name} skill for tests.\n---\n\n${body}`;
}

const BODY = [
  "# Title",
  "",
  "line 1",
  "line 2",
  "line 3",
  "",
  "## Usage",
  "",
  "use 1",
  "use 2",
  "use 3",
  "",
].join("\n");

/** A bare repo at `<tmp>/repos/<owner>/<name>.git` with a work clone; returns both paths. */
function makeRepo(owner: string, name: string, files: Record<string, string>) {
  const bare = path.join(tmp, "repos", owner, `${name}.git`);
  const work = path.join(tmp, "work", `${owner}-${name}-${n++}`);
  fs.mkdirSync(path.dirname(bare), { recursive: true });
  sh(tmp, "init", "-q", "--bare", "-b", "main", bare);
  sh(tmp, "init", "-q", "-b", "main", work);
  write(work, files);
  sh(work, "add", "-A");
  sh(work, "commit", "-q", "-m", "init");
  sh(work, "remote", "add", "origin", bare);
  sh(work, "push", "-q", "origin", "main");
  return { bare, work, url: `file://${bare}` };
}

function commit(work: string, files: Record<string, string | null>, msg = "change"): string {
  write(work, files);
  sh(work, "add", "-A");
  sh(work, "commit", "-q", "-m", msg);
  sh(work, "push", "-q", "origin", "main");
  return sh(work, "rev-parse", "HEAD").trim();
}

async function freshWorkspace(): Promise<Workspace> {
  const home = path.join(tmp, `home-${n++}`);
  const ws = await openWorkspace({ home });
  await initCollection(ws);
  return ws;
}

function skillFile(ws: Workspace, name: string): string {
  return path.join(ws.collectionDir, "skills", name, "SKILL.md");
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-gitsrc-"));
  const env = { ...GIT_ENV, HOME: tmp, SKILLSYNC_GITHUB_BASE: `file://${path.join(tmp, "repos")}/` };
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});

afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  closeStateDbs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("add from git", () => {
  it("adds one skill from git+file://…#PATH and records source and commit", async () => {
    const repo = makeRepo("acme", "one", {
      "skills/foo/SKILL.md": skill("foo", BODY),
      "skills/foo/scripts/run.sh": "#!/bin/sh\necho hi\n",
      "skills/bar/SKILL.md": skill("bar", BODY),
    });
    const head = sh(repo.work, "rev-parse", "HEAD").trim();
    const ws = await freshWorkspace();
    const r = await addFromGit(ws, { spec: `git+${repo.url}#skills/foo` });
    expect(r.results.map((a) => `${a.kind}/${a.name}:${a.status}`)).toEqual(["skill/foo:added"]);
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toBe(skill("foo", BODY));
    expect(fs.existsSync(path.join(ws.collectionDir, "skills", "foo", "scripts", "run.sh"))).toBe(true);
    expect(fs.existsSync(path.join(ws.collectionDir, "skills", "bar"))).toBe(false);
    const entry = readLockFile(ws.lockPath).artifact[0]!;
    expect(entry).toMatchObject({ name: "foo", source: `git+${repo.url}#skills/foo`, "resolved-ref": head });
    expect(readGitBase(ws, "skill", "foo")).toEqual({ tree: entry.sha, commit: head });
    // The cache is a sparse clone under $SKILLSYNC_HOME/cache/git/.
    const cached = fs.readdirSync(ws.paths.gitCache);
    expect(cached).toHaveLength(1);
  });

  it("adds a folder of skills via github: mapped to local repos, with the ref in each source", async () => {
    const repo = makeRepo("acme", "many", {
      "skills/alpha/SKILL.md": skill("alpha", BODY),
      "skills/beta/SKILL.md": skill("beta", BODY),
    });
    sh(repo.work, "tag", "v1");
    sh(repo.work, "push", "-q", "origin", "v1");
    const ws = await freshWorkspace();
    const r = await addFromGit(ws, { spec: "github:acme/many/skills@v1" });
    expect(r.results.map((a) => a.name).sort()).toEqual(["alpha", "beta"]);
    const sources = readLockFile(ws.lockPath).artifact.map((e) => e.source);
    expect(sources.sort()).toEqual(["github:acme/many/skills/alpha@v1", "github:acme/many/skills/beta@v1"]);
  });

  it("adds the skills a marketplace.json lists, or only the picked ones", async () => {
    const repo = makeRepo("acme", "market", {
      ".claude-plugin/marketplace.json": JSON.stringify({
        name: "acme",
        owner: { name: "Acme" },
        plugins: [
          { name: "docs", source: "./", strict: false, skills: ["./skills/pdf", "./skills/xlsx"] },
          { name: "tools", source: "./plugins/tools" },
        ],
      }),
      "skills/pdf/SKILL.md": skill("pdf", BODY),
      "skills/xlsx/SKILL.md": skill("xlsx", BODY),
      "skills/unlisted/SKILL.md": skill("unlisted", BODY),
      "plugins/tools/skills/lint/SKILL.md": skill("lint", BODY),
      "plugins/tools/commands/review.md": "---\ndescription: Review the diff\n---\n\nReview it.\n",
    });
    const ws = await freshWorkspace();
    const r = await addFromGit(ws, { spec: "github:acme/market" });
    expect(r.results.map((a) => `${a.kind}/${a.name}`).sort()).toEqual([
      "command/review",
      "skill/lint",
      "skill/pdf",
      "skill/xlsx",
    ]);
    expect(readLockFile(ws.lockPath).artifact.find((e) => e.name === "lint")?.source).toBe(
      "github:acme/market/plugins/tools/skills/lint",
    );
    const ws2 = await freshWorkspace();
    const picked = await addFromGit(ws2, { spec: `git+${repo.url}`, pick: ["xlsx"] });
    expect(picked.results.map((a) => a.name)).toEqual(["xlsx"]);
    await expect(addFromGit(ws2, { spec: `git+${repo.url}`, pick: ["nope"] })).rejects.toThrow(
      /not in the marketplace: nope/,
    );
  });

  it("pins a 40-hex commit: adds that exact version and never reports it outdated", async () => {
    const repo = makeRepo("acme", "pinned", { "skills/p/SKILL.md": skill("p", BODY) });
    const first = sh(repo.work, "rev-parse", "HEAD").trim();
    commit(repo.work, { "skills/p/SKILL.md": skill("p", `${BODY}v2\n`) });
    const ws = await freshWorkspace();
    await addFromGit(ws, { spec: `git+${repo.url}#skills/p@${first}` });
    expect(fs.readFileSync(skillFile(ws, "p"), "utf8")).toBe(skill("p", BODY));
    expect(readLockFile(ws.lockPath).artifact[0]).toMatchObject({
      source: `git+${repo.url}#skills/p@${first}`,
      "resolved-ref": first,
    });
    expect(await outdated(ws)).toEqual([]);
  });

  it("refuses a PATH missing at the commit and writes nothing", async () => {
    const repo = makeRepo("acme", "missing", { "skills/a/SKILL.md": skill("a", BODY) });
    const ws = await freshWorkspace();
    const before = fs.readFileSync(ws.lockPath, "utf8");
    await expect(addFromGit(ws, { spec: `git+${repo.url}#skills/zzz` })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(addFromGit(ws, { spec: `git+${repo.url}#skills/a@nobranch` })).rejects.toMatchObject({
      code: "GIT",
    });
    expect(fs.readFileSync(ws.lockPath, "utf8")).toBe(before);
  });
});

describe("outdated and update", () => {
  let repo: ReturnType<typeof makeRepo>;
  let ws: Workspace;

  beforeEach(async () => {
    repo = makeRepo("up", `s${n++}`, { "skills/foo/SKILL.md": skill("foo", BODY) });
    ws = await freshWorkspace();
    await addFromGit(ws, { spec: `git+${repo.url}#skills/foo` });
  });
  afterEach(() => closeStateDbs());

  it("outdated lists an artifact only after upstream moves", async () => {
    expect(await outdated(ws)).toEqual([]);
    const old = readLockFile(ws.lockPath).artifact[0]!["resolved-ref"];
    const next = commit(repo.work, { "README.md": "hi\n" });
    expect(await outdated(ws)).toEqual([
      { name: "foo", type: "skill", source: `git+${repo.url}#skills/foo`, current: old, latest: next },
    ]);
    // An unrelated upstream commit: update only moves the lock.
    const r = await updateFromGit(ws, { all: true });
    expect(r.results[0]).toMatchObject({ success: true, direction: "pull", strategy_used: "fast-forward" });
    expect(readLockFile(ws.lockPath).artifact[0]!["resolved-ref"]).toBe(next);
    expect(await outdated(ws)).toEqual([]);
  });

  it("merges an upstream edit with a non-overlapping local edit", async () => {
    const next = commit(repo.work, {
      "skills/foo/SKILL.md": skill("foo", BODY.replace("line 1", "line 1 upstream")),
      "skills/foo/references/new.md": "# new\n",
    });
    fs.writeFileSync(skillFile(ws, "foo"), skill("foo", BODY.replace("use 3", "use 3 local")));
    const r = await updateFromGit(ws, { names: ["foo"] });
    expect(r.results[0]).toMatchObject({
      artifact_name: "skill/foo",
      success: true,
      direction: "pull",
      strategy_used: "merge",
      conflicts_remaining: 0,
    });
    expect(r.snapshots).toHaveLength(1);
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toBe(
      skill("foo", BODY.replace("line 1", "line 1 upstream").replace("use 3", "use 3 local")),
    );
    expect(fs.existsSync(path.join(ws.collectionDir, "skills", "foo", "references", "new.md"))).toBe(true);
    const entry = readLockFile(ws.lockPath).artifact[0]!;
    expect(entry["resolved-ref"]).toBe(next);
    expect(entry.sha).toBe(r.results[0]!.new_hash);
    // The new base is upstream's tree, not the merged collection copy.
    expect(readGitBase(ws, "skill", "foo")?.commit).toBe(next);
    expect(readGitBase(ws, "skill", "foo")?.tree).not.toBe(entry.sha);
    // A second upstream change merges against that base, keeping the local edit.
    commit(repo.work, {
      "skills/foo/SKILL.md": skill(
        "foo",
        BODY.replace("line 1", "line 1 upstream").replace("line 2", "line 2 v3"),
      ),
    });
    const r2 = await updateFromGit(ws, { all: true });
    expect(r2.results[0]).toMatchObject({ success: true, conflicts_remaining: 0 });
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toContain("use 3 local");
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toContain("line 2 v3");
  });

  it("overlapping edits conflict: abort writes nothing, --auto-resolve theirs takes upstream", async () => {
    commit(repo.work, { "skills/foo/SKILL.md": skill("foo", BODY.replace("line 2", "line 2 upstream")) });
    const local = skill("foo", BODY.replace("line 2", "line 2 local"));
    fs.writeFileSync(skillFile(ws, "foo"), local);
    const lockBefore = fs.readFileSync(ws.lockPath, "utf8");
    const r = await updateFromGit(ws, { names: ["skill/foo"] });
    expect(r.results[0]).toMatchObject({ success: false, conflicts_remaining: 1 });
    expect(r.results[0]!.error).toMatch(/merge conflict in SKILL.md/);
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toBe(local);
    expect(fs.readFileSync(ws.lockPath, "utf8")).toBe(lockBefore);
    // preview shows the would-be merge and writes nothing
    const p = await updateFromGit(ws, { names: ["foo"], autoResolve: "theirs", preview: true });
    expect(p.preview[0]!.diff).toContain("+line 2 upstream");
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toBe(local);
    // prompt without a terminal acts as merge + abort and says so
    const q = await updateFromGit(ws, { names: ["foo"], strategy: "prompt" });
    expect(q.notes[0]).toMatch(/needs a terminal/);
    expect(q.results[0]!.success).toBe(false);
    const t = await updateFromGit(ws, { names: ["foo"], autoResolve: "theirs" });
    expect(t.results[0]).toMatchObject({ success: true, conflicts_resolved: 1, conflicts_remaining: 0 });
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toBe(
      skill("foo", BODY.replace("line 2", "line 2 upstream")),
    );
  });

  it("fork keeps the local copy and adds NAME-upstream; overwrite takes upstream", async () => {
    commit(repo.work, { "skills/foo/SKILL.md": skill("foo", BODY.replace("line 2", "line 2 upstream")) });
    const local = skill("foo", BODY.replace("line 2", "line 2 local"));
    fs.writeFileSync(skillFile(ws, "foo"), local);
    const f = await updateFromGit(ws, { names: ["foo"], strategy: "fork" });
    expect(f.results[0]).toMatchObject({ success: true, strategy_used: "fork" });
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toBe(local);
    const forked = fs.readFileSync(skillFile(ws, "foo-upstream"), "utf8");
    expect(forked).toContain("name: foo-upstream");
    expect(forked).toContain("line 2 upstream");
    expect(
      readLockFile(ws.lockPath)
        .artifact.map((e) => e.name)
        .sort(),
    ).toEqual(["foo", "foo-upstream"]);
    const o = await updateFromGit(ws, { names: ["foo"], strategy: "overwrite" });
    expect(o.results[0]).toMatchObject({ success: true, strategy_used: "overwrite" });
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toBe(
      skill("foo", BODY.replace("line 2", "line 2 upstream")),
    );
  });

  it("prompt on a terminal: per-file choice, or conflict markers written into the collection", async () => {
    commit(repo.work, { "skills/foo/SKILL.md": skill("foo", BODY.replace("line 2", "line 2 upstream")) });
    const local = skill("foo", BODY.replace("line 2", "line 2 local"));
    fs.writeFileSync(skillFile(ws, "foo"), local);
    const asked: string[] = [];
    const m = await updateFromGit(ws, {
      names: ["foo"],
      strategy: "prompt",
      prompter: async (q) => {
        asked.push(`${q.artifact}:${q.path}`);
        expect(q.diff).toContain("+line 2 upstream");
        return "markers";
      },
    });
    expect(asked).toEqual(["skill/foo:SKILL.md"]);
    expect(m.results[0]).toMatchObject({ conflicts_remaining: 1 });
    const text = fs.readFileSync(skillFile(ws, "foo"), "utf8");
    expect(text).toContain("<<<<<<< collection\nline 2 local\n=======\nline 2 upstream\n>>>>>>> upstream\n");
    // The user resolves the markers; the next upstream change merges against the new base.
    fs.writeFileSync(skillFile(ws, "foo"), skill("foo", BODY.replace("line 2", "line 2 both")));
    commit(repo.work, {
      "skills/foo/SKILL.md": skill(
        "foo",
        BODY.replace("line 2", "line 2 upstream").replace("use 1", "use 1 up"),
      ),
    });
    const next = await updateFromGit(ws, {
      names: ["foo"],
      strategy: "prompt",
      prompter: async () => "upstream",
    });
    expect(next.results[0]).toMatchObject({ success: true, conflicts_remaining: 0 });
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toBe(
      skill("foo", BODY.replace("line 2", "line 2 both").replace("use 1", "use 1 up")),
    );
  });

  it("overwrite keeps the collection's preserved sections", async () => {
    commit(repo.work, { "skills/foo/SKILL.md": skill("foo", BODY.replace("line 2", "line 2 upstream")) });
    fs.writeFileSync(
      skillFile(ws, "foo"),
      skill("foo", `${BODY.replace("line 2", "line 2 local")}\n## Memory\n\nremember this\n`),
    );
    const r = await updateFromGit(ws, { names: ["foo"], strategy: "overwrite" });
    expect(r.results[0]).toMatchObject({ success: true, strategy_used: "overwrite" });
    const text = fs.readFileSync(skillFile(ws, "foo"), "utf8");
    expect(text).toContain("line 2 upstream");
    expect(text).not.toContain("line 2 local");
    expect(text).toContain("## Memory\n\nremember this\n");
  });

  it("reads the base from git at resolved-ref when state.db has no record of it", async () => {
    openStateDb(ws.paths.stateDb).exec("DELETE FROM git_base");
    expect(readGitBase(ws, "skill", "foo")).toBeUndefined();
    commit(repo.work, { "skills/foo/SKILL.md": skill("foo", BODY.replace("line 1", "line 1 upstream")) });
    fs.writeFileSync(skillFile(ws, "foo"), skill("foo", BODY.replace("use 3", "use 3 local")));
    const r = await updateFromGit(ws, { all: true });
    expect(r.results[0]).toMatchObject({ success: true, strategy_used: "merge", conflicts_remaining: 0 });
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toBe(
      skill("foo", BODY.replace("line 1", "line 1 upstream").replace("use 3", "use 3 local")),
    );
  });

  it("updates a single-file command and a root-level skill", async () => {
    const cmdRepo = makeRepo("up", `cmd${n++}`, {
      "commands/review.md": "---\ndescription: Review\n---\n\nv1\n",
    });
    const rootName = `root-skill${n++}`;
    const rootRepo = makeRepo("up", rootName, { "SKILL.md": skill(rootName, BODY) });
    await addFromGit(ws, { spec: `git+${cmdRepo.url}#commands/review.md` });
    await addFromGit(ws, { spec: `git+${rootRepo.url}` });
    commit(cmdRepo.work, { "commands/review.md": "---\ndescription: Review\n---\n\nv2\n" });
    commit(rootRepo.work, { "SKILL.md": skill(rootName, `${BODY}v2\n`) });
    const r = await updateFromGit(ws, { names: ["review", rootName] });
    expect(r.results.map((x) => [x.artifact_name, x.success, x.strategy_used])).toEqual([
      ["command/review", true, "fast-forward"],
      [`skill/${rootName}`, true, "fast-forward"],
    ]);
    expect(fs.readFileSync(path.join(ws.collectionDir, "commands", "review.md"), "utf8")).toContain("v2");
    expect(fs.readFileSync(skillFile(ws, rootName), "utf8")).toContain("v2");
  });

  it("refuses to update an artifact that is not from git", async () => {
    await expect(updateFromGit(ws, { names: ["nope"] })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(updateFromGit(ws, {})).rejects.toMatchObject({ code: "USAGE" });
  });
});

describe("update --frozen", () => {
  it("reinstalls a missing artifact at the locked commit and fails on a stale lock", async () => {
    const repo = makeRepo("fz", "r", { "skills/foo/SKILL.md": skill("foo", BODY) });
    const ws = await freshWorkspace();
    await addFromGit(ws, { spec: `git+${repo.url}#skills/foo` });
    const original = fs.readFileSync(skillFile(ws, "foo"), "utf8");
    // A CI machine: the lock is there, the artifact and the object store are not.
    fs.rmSync(path.join(ws.collectionDir, "skills", "foo"), { recursive: true });
    fs.rmSync(ws.paths.objects, { recursive: true });
    fs.rmSync(ws.paths.gitCache, { recursive: true });
    const r = await updateFromGit(ws, { frozen: true });
    expect(r.results[0]).toMatchObject({ success: true, direction: "pull" });
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toBe(original);
    // A local edit differs from the lock: fail, nothing written.
    fs.writeFileSync(skillFile(ws, "foo"), `${original}edit\n`);
    await expect(updateFromGit(ws, { frozen: true })).rejects.toThrow(/differs from the lock file/);
    fs.writeFileSync(skillFile(ws, "foo"), original);
    // Upstream moved: the lock is stale.
    commit(repo.work, { "skills/foo/SKILL.md": skill("foo", `${BODY}more\n`) });
    const lockBefore = fs.readFileSync(ws.lockPath, "utf8");
    let err: unknown;
    try {
      await updateFromGit(ws, { frozen: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SkillsyncError);
    expect((err as SkillsyncError).code).toBe("DRIFT");
    expect((err as SkillsyncError).exitCode).toBe(1);
    expect((err as SkillsyncError).message).toMatch(/out of date with upstream for skill\/foo/);
    expect(fs.readFileSync(ws.lockPath, "utf8")).toBe(lockBefore);
    expect(fs.readFileSync(skillFile(ws, "foo"), "utf8")).toBe(original);
  });
});

describe("credentials", () => {
  it("a failing clone with a token does not leak it", async () => {
    const token = "ghp_SECRETtoken1234567890";
    const home = path.join(tmp, `home-${n++}`);
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, "config.toml"), 'version = 1\ngit_token_env = "SKILLSYNC_TEST_TOKEN"\n');
    process.env.SKILLSYNC_TEST_TOKEN = token;
    try {
      const ws = await openWorkspace({ home });
      await initCollection(ws);
      let err: unknown;
      try {
        await addFromGit(ws, { spec: "git+https://127.0.0.1:9/acme/private.git#skills/x" });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SkillsyncError);
      const e = err as SkillsyncError;
      expect(e.code).toBe("GIT");
      const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
      for (const text of [e.message, e.toLine(), JSON.stringify(e.details ?? {})]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(basic);
      }
      // A pinned commit skips ls-remote, so this one fails in the clone itself.
      let cloneErr: unknown;
      try {
        await addFromGit(ws, { spec: `git+https://127.0.0.1:9/acme/private.git#skills/x@${"a".repeat(40)}` });
      } catch (e) {
        cloneErr = e;
      }
      expect((cloneErr as SkillsyncError).message).toMatch(/git clone/);
      expect((cloneErr as SkillsyncError).message).not.toContain(token);
      expect((cloneErr as SkillsyncError).message).not.toContain(basic);
      expect(
        fs.readdirSync(ws.paths.gitCache).flatMap((d) => fs.readdirSync(path.join(ws.paths.gitCache, d))),
      ).toEqual([]);
      expect(fs.readFileSync(ws.lockPath, "utf8")).not.toContain(token);
    } finally {
      delete process.env.SKILLSYNC_TEST_TOKEN;
    }
  });

  it("hands the token as an extra header after existing GIT_CONFIG_COUNT entries, HTTPS only", () => {
    const env = { T: "tok-12345", GIT_CONFIG_COUNT: "2" };
    const a = gitAuthFor("https://h/x.git", "T", env);
    expect(a.env.GIT_CONFIG_COUNT).toBe("3");
    expect(a.env.GIT_CONFIG_KEY_2).toBe("http.extraHeader");
    expect(a.env.GIT_CONFIG_VALUE_2).toMatch(/^Authorization: Basic /);
    expect(gitAuthFor("ssh://git@h/x.git", "T", env).env).toEqual({});
    expect(scrub("fatal: https://u:tok-12345@h/ tok-12345", a.secrets)).toBe("fatal: https://***@h/ ***");
  });
});

/**
 * The daemon with a real chokidar watcher on temp folders, real HTTP, real SQLite and a fake sync
 * runner (the engine is injected), so these tests check the daemon's own guarantees.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "smol-toml";
import { afterEach, describe, expect, it } from "vitest";
import { isSkillsyncError } from "../core/errors.js";
import type { FsmonitorResponse } from "../core/fsmonitor.js";
import { listLocalSkills } from "../store/state/local-skills.js";
import { closeStateDbs } from "../store/state-db.js";
import { readTree } from "../store/tree-read.js";
import type { DaemonStatus, SyncStatus } from "./context.js";
import { type DaemonHandle, startDaemon } from "./daemon.js";
import { nullLogger } from "./log.js";
import type { SyncRunInput, SyncRunReport } from "./sync-types.js";

const FIXTURES = path.resolve(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "shared",
  "fixtures",
  "skills",
  "anthropics",
);

interface Call {
  trigger: string;
  at: number;
}

interface Setup {
  home: string;
  collection: string;
  project: string;
  calls: Call[];
  /** Replaceable behaviour of the fake runner. */
  behave: (input: SyncRunInput, n: number) => Promise<SyncRunReport>;
  handle?: DaemonHandle;
}

const temps: string[] = [];
const handles: DaemonHandle[] = [];

const okReport = (names: string[] = ["skill/brand-guidelines"]): SyncRunReport => ({
  results: names.map((n) => ({
    artifact_name: n,
    success: true,
    direction: "push",
    strategy_used: "fast-forward",
    conflicts_resolved: 0,
    conflicts_remaining: 0,
    previous_hash: null,
    new_hash: null,
    snapshot_id: null,
    error: null,
  })),
  conflicts: [],
  invalid: [],
  errors: [],
});

function writeConfig(home: string, daemon: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  fs.writeFileSync(path.join(home, "config.toml"), stringify({ version: 1, ...extra, daemon }));
}

function setup(daemon: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Setup {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-daemon-"));
  temps.push(home);
  const collection = path.join(home, "collections", "default");
  for (const s of ["brand-guidelines", "internal-comms"])
    fs.cpSync(path.join(FIXTURES, s), path.join(collection, "skills", s), { recursive: true });
  const project = path.join(home, "proj");
  fs.cpSync(
    path.join(FIXTURES, "brand-guidelines"),
    path.join(project, ".claude", "skills", "brand-guidelines"),
    {
      recursive: true,
    },
  );
  writeConfig(
    home,
    { enabled: true, debounce_ms: 300, min_interval: 0, cooldown: 0, ...daemon },
    { projects: [project], ...extra },
  );
  const s: Setup = { home, collection, project, calls: [], behave: async () => okReport() };
  return s;
}

async function start(
  s: Setup,
  extra: Partial<Parameters<typeof startDaemon>[0]> = {},
): Promise<DaemonHandle> {
  let n = 0;
  const handle = await startDaemon({
    home: s.home,
    port: 0,
    logger: nullLogger,
    webRoot: path.join(s.home, "web"),
    registerUi: () => {},
    runner: async (input) => {
      s.calls.push({ trigger: input.trigger, at: Date.now() });
      return s.behave(input, n++);
    },
    ...extra,
  });
  handles.push(handle);
  s.handle = handle;
  await handle.watching;
  return handle;
}

async function waitFor<T>(what: string, f: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getJson<T>(h: DaemonHandle, p: string): Promise<T> {
  const res = await fetch(`${h.url}${p}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

afterEach(async () => {
  for (const h of handles.splice(0)) await h.stop();
  closeStateDbs();
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

describe("daemon", () => {
  it("scans the collection and projects into local_skills on start", async () => {
    const s = setup({ enabled: false });
    fs.mkdirSync(path.join(s.collection, "skills", "broken"), { recursive: true });
    fs.writeFileSync(path.join(s.collection, "skills", "broken", "SKILL.md"), "no frontmatter\n");
    const h = await start(s);
    const rows = listLocalSkills(h.ctx.stateDb);
    const seen = rows.map(
      (r) => `${r.location === "collection" ? "collection" : "project"}:${r.kind}/${r.name}:${r.valid}`,
    );
    expect(seen.sort()).toEqual([
      "collection:skill/brand-guidelines:true",
      "collection:skill/broken:false",
      "collection:skill/internal-comms:true",
      "project:skill/brand-guidelines:true",
    ]);
    const brand = rows.filter((r) => r.name === "brand-guidelines");
    expect(brand[0]?.tree_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(brand[0]?.tree_hash).toBe(brand[1]?.tree_hash);
    expect(rows.find((r) => r.name === "broken")?.problems[0]).toContain("frontmatter");
    // disabled: nothing synced automatically, the API still answers
    await sleep(300);
    expect(s.calls).toEqual([]);
    const st = await getJson<SyncStatus>(h, "/api/skills/sync/status");
    expect(st.last_sync).toBeNull();
  });

  it("syncs one edit within debounce + 1 s", async () => {
    const s = setup({ debounce_ms: 300 });
    const h = await start(s);
    await waitFor("startup sync", () => s.calls.length === 1);
    await h.scheduler.idle();
    const file = path.join(s.project, ".claude", "skills", "brand-guidelines", "SKILL.md");
    const t0 = Date.now();
    fs.appendFileSync(file, "\nOne more line.\n");
    const call = await waitFor("watch sync", () => s.calls.find((c) => c.trigger.includes("watch")), 5000);
    expect(call.at - t0).toBeLessThanOrEqual(300 + 1000);
    expect(call.at - t0).toBeGreaterThanOrEqual(300);
    await h.scheduler.idle();
    const st = await getJson<SyncStatus>(h, "/api/skills/sync/status");
    expect(st.pending_updates).toEqual([]);
    expect(st.state).toBe("green");
  });

  it("syncs an edit in another agent's folder of a project (project_agents, issue 11)", async () => {
    const s = setup({ debounce_ms: 200 }, { project_agents: {} });
    writeConfig(
      s.home,
      { enabled: true, debounce_ms: 200, min_interval: 0, cooldown: 0 },
      { projects: [s.project], project_agents: { [s.project]: ["claude-code", "cursor"] } },
    );
    fs.cpSync(
      path.join(FIXTURES, "internal-comms"),
      path.join(s.project, ".agents", "skills", "internal-comms"),
      { recursive: true },
    );
    const h = await start(s);
    await waitFor("startup sync", () => s.calls.length === 1);
    await h.scheduler.idle();
    fs.appendFileSync(
      path.join(s.project, ".agents", "skills", "internal-comms", "SKILL.md"),
      "\nCursor edit.\n",
    );
    await waitFor("watch sync", () => s.calls.find((c) => c.trigger.includes("watch")), 5000);
    // A file no trigger covers outside every target folder still starts nothing.
    await h.scheduler.idle();
    const n = s.calls.length;
    fs.writeFileSync(path.join(s.project, "README.md"), "not an artifact\n");
    await sleep(600);
    expect(s.calls.length).toBe(n);
  });

  it("backs the collection up after a sync that changed something when backup.auto is on", async () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-daemon-backup-"));
    temps.push(repo);
    const s = setup({}, { backup: { auto: true, repo } });
    s.behave = async () => {
      const r = okReport();
      r.results[0]!.new_hash = "a".repeat(64);
      return r;
    };
    const gitEnv = {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    };
    Object.assign(process.env, gitEnv);
    const h = await start(s);
    await waitFor("startup sync", () => s.calls.length === 1);
    await h.scheduler.idle();
    const log = await waitFor(
      "backup commit",
      () => {
        try {
          return (
            execFileSync("git", ["log", "--oneline"], { cwd: repo, encoding: "utf8" }).trim() || undefined
          );
        } catch {
          return undefined;
        }
      },
      15_000,
    );
    expect(log.split("\n")).toHaveLength(1);
    expect(
      fs.existsSync(path.join(repo, "collections", "default", "skills", "brand-guidelines", "SKILL.md")),
    ).toBe(true);
  });

  it("turns a burst of 1,000 writes into one sync and ignores excluded files", async () => {
    const s = setup({ debounce_ms: 400 });
    const h = await start(s);
    await waitFor("startup sync", () => s.calls.length === 1);
    await h.scheduler.idle();
    fs.writeFileSync(path.join(s.collection, "skills", "internal-comms", "debug.log"), "excluded\n");
    await sleep(900);
    expect(s.calls).toHaveLength(1);
    const dir = path.join(s.collection, "skills", "burst");
    fs.mkdirSync(path.join(dir, "references"), { recursive: true });
    fs.writeFileSync(path.join(dir, "SKILL.md"), "---\nname: burst\ndescription: Many files.\n---\nBody\n");
    for (let i = 0; i < 999; i++) fs.writeFileSync(path.join(dir, "references", `f${i}.md`), `file ${i}\n`);
    await waitFor("burst sync", () => s.calls.length >= 2, 10_000);
    await sleep(1500);
    expect(s.calls.map((c) => c.trigger)).toEqual(["startup", "watch"]);
    const row = listLocalSkills(h.ctx.stateDb).find((r) => r.name === "burst");
    expect(row?.valid).toBe(true);
  });

  it("does not sync again because of its own writes, but syncs a user edit made during a run once it ended", async () => {
    const s = setup({ debounce_ms: 150 });
    const skillDir = path.join(s.project, ".claude", "skills", "brand-guidelines");
    s.behave = async (_input, n) => {
      if (n === 0) {
        // what a deploy does: write the artifact into the project, report its new tree hash
        fs.appendFileSync(path.join(skillDir, "SKILL.md"), "\nDeployed.\n");
        const tree = readTree({ path: skillDir, form: "folder" });
        await sleep(400); // the watcher sees the write while the run is still in flight
        const r = okReport(["skill/brand-guidelines"]);
        r.results[0]!.new_hash = tree!.sha;
        return r;
      }
      return okReport();
    };
    const h = await start(s);
    await waitFor("startup sync", () => s.calls.length === 1);
    await h.scheduler.idle();
    await sleep(800);
    expect(s.calls.map((c) => c.trigger)).toEqual(["startup"]);
    // a user edit during a (slow) run is synced after it
    s.behave = async () => {
      await sleep(500);
      return okReport();
    };
    void h.ctx.requestSync("manual");
    await waitFor("manual run", () => s.calls.length === 2);
    fs.appendFileSync(path.join(s.collection, "skills", "internal-comms", "SKILL.md"), "\nuser edit\n");
    await waitFor("follow-up", () => s.calls.length === 3, 4000);
    expect(s.calls.map((c) => c.trigger)).toEqual(["startup", "manual", "watch"]);
  });

  it("rescans every rescan_interval: finds what the watcher could not see and watches a project created later", async () => {
    const s = setup({ rescan_interval: 1 });
    const late = path.join(s.home, "late-project");
    writeConfig(
      s.home,
      { enabled: true, debounce_ms: 200, min_interval: 0, cooldown: 0, rescan_interval: 1 },
      { projects: [s.project, late] },
    );
    const h = await start(s);
    await waitFor("startup sync", () => s.calls.length === 1);
    await h.scheduler.idle();
    fs.cpSync(path.join(FIXTURES, "internal-comms"), path.join(late, ".claude", "skills", "internal-comms"), {
      recursive: true,
    });
    await waitFor("rescan sync", () => s.calls.length === 2, 5000);
    expect(s.calls[1]?.trigger).toBe("rescan");
    await h.scheduler.idle();
    expect(
      listLocalSkills(h.ctx.stateDb).some((r) => r.location === late && r.name === "internal-comms"),
    ).toBe(true);
    // the rescan that found the new project also put it under watch: an edit there syncs again
    // (through the watcher, or the next rescan if that comes first)
    fs.appendFileSync(path.join(late, ".claude", "skills", "internal-comms", "SKILL.md"), "\nedit\n");
    await waitFor(
      "watch sync",
      () => s.calls.slice(2).some((c) => c.trigger.includes("watch") || c.trigger.includes("rescan")),
      5000,
    );
  });

  it("fires a per-second cron schedule and reports the next run", async () => {
    const s = setup({ schedules: ["* * * * * *"] });
    const h = await start(s);
    const st = await getJson<DaemonStatus>(h, "/api/daemon/status");
    expect(st.next_scheduled).not.toBeNull();
    await waitFor("scheduled sync", () => s.calls.some((c) => c.trigger.includes("schedule")), 3500);
  });

  it("backs off after failures, keeps the error in history and status, and recovers", async () => {
    const s = setup({ cooldown: 0.3, backoff_cap: 1 });
    s.behave = async (_i, n) => (n < 2 ? { ...okReport([]), errors: ["hub unreachable"] } : okReport());
    const h = await start(s);
    await waitFor("first failure", () => s.calls.length === 1);
    await h.scheduler.idle();
    const failed = await getJson<DaemonStatus>(h, "/api/daemon/status");
    expect(failed.state).toBe("red");
    expect(failed.backoff.failures).toBe(1);
    expect(failed.backoff.last_error).toBe("hub unreachable");
    await waitFor("recovery", () => s.calls.length === 3, 5000);
    await h.scheduler.idle();
    expect(s.calls.map((c) => c.trigger)).toEqual(["startup", "retry", "retry"]);
    expect(s.calls[1]!.at - s.calls[0]!.at).toBeGreaterThanOrEqual(300);
    const ok = await getJson<DaemonStatus>(h, "/api/daemon/status");
    expect(ok.backoff).toEqual({ failures: 0, until: null, last_error: null });
    expect(ok.state).toBe("green");
    const history = await getJson<{ outcome: string; error: string | null }[]>(h, "/api/sync/history");
    expect(history.map((x) => x.outcome)).toEqual(["ok", "failed", "failed"]);
    expect(history[1]?.error).toBe("hub unreachable");
  });

  it("holds back an invalid skill while the others sync, and shows it in status and history", async () => {
    const s = setup();
    fs.mkdirSync(path.join(s.collection, "skills", "bad-skill"), { recursive: true });
    fs.writeFileSync(path.join(s.collection, "skills", "bad-skill", "SKILL.md"), "---\nname: other\n---\n");
    // A runner that applies the validation gate the way the engine does: from the scan.
    s.behave = async () => {
      const rows = listLocalSkills(s.handle!.ctx.stateDb).filter((r) => r.location === "collection");
      const report = okReport(rows.filter((r) => r.valid).map((r) => `${r.kind}/${r.name}`));
      report.invalid = rows
        .filter((r) => !r.valid)
        .map((r) => ({ artifact: `${r.kind}/${r.name}`, problems: r.problems }));
      return report;
    };
    const h = await start(s);
    await waitFor("startup sync", () => s.calls.length === 1);
    await h.scheduler.idle();
    const st = await getJson<DaemonStatus>(h, "/api/daemon/status");
    expect(st.invalid.map((i) => i.artifact)).toEqual(["skill/bad-skill"]);
    expect(st.invalid[0]?.problems.join(" ")).toContain("must equal the folder name");
    expect(st.synced_skills).toBe(2);
    expect(st.pending_updates).toEqual(["skill/bad-skill"]);
    expect(st.state).toBe("yellow");
    const [last] = await getJson<{ outcome: string; invalid: { artifact: string }[]; artifacts: string[] }[]>(
      h,
      "/api/sync/history",
    );
    expect(last?.outcome).toBe("partial");
    expect(last?.artifacts).toEqual(["skill/brand-guidelines", "skill/internal-comms"]);
  });

  it("reports green, yellow and red from the last run", async () => {
    const s = setup({ enabled: false });
    const h = await start(s);
    const color = async () => (await getJson<SyncStatus>(h, "/api/skills/sync/status")).state;
    expect(await color()).toBe("yellow"); // never synced
    s.behave = async () => okReport();
    await h.ctx.requestSync("test");
    expect(await color()).toBe("green");
    s.behave = async () => ({
      ...okReport(),
      conflicts: [{ project: s.project, artifact: "skill/brand-guidelines", kind: "modified" }],
    });
    await h.ctx.requestSync("test");
    const st = await getJson<SyncStatus>(h, "/api/skills/sync/status");
    expect(st.state).toBe("red");
    expect(st.conflicts).toHaveLength(1);
    s.behave = async () => ({ ...okReport(), errors: ["boom"] });
    await h.ctx.requestSync("test");
    expect(await color()).toBe("red");
    s.behave = async () => okReport();
    await h.ctx.requestSync("test");
    expect(await color()).toBe("green");
  });

  it("syncs medium-priority changes once min_changes accumulated and only marks low-priority ones pending", async () => {
    const s = setup({
      debounce_ms: 150,
      min_changes: 2,
      triggers: [
        { pattern: "skills/brand-guidelines/**", priority: "medium" },
        { pattern: "skills/internal-comms/**", priority: "medium" },
        { pattern: ".claude/skills/**", priority: "low" },
      ],
    });
    const h = await start(s);
    await waitFor("startup sync", () => s.calls.length === 1);
    await h.scheduler.idle();
    fs.appendFileSync(path.join(s.project, ".claude", "skills", "brand-guidelines", "SKILL.md"), "\nlow\n");
    await waitFor("low pending", () => h.ctx.status().pending_updates.length === 1);
    fs.appendFileSync(path.join(s.collection, "skills", "brand-guidelines", "SKILL.md"), "\nmedium 1\n");
    await sleep(600);
    expect(s.calls).toHaveLength(1);
    fs.appendFileSync(path.join(s.collection, "skills", "internal-comms", "SKILL.md"), "\nmedium 2\n");
    await waitFor("medium sync", () => s.calls.length === 2);
    expect(s.calls[1]?.trigger).toBe("watch:medium");
    await h.scheduler.idle();
    expect(h.ctx.status().pending_updates).toEqual([]);
  });

  it("streams daemon events over SSE", async () => {
    const s = setup({ enabled: false });
    const h = await start(s);
    const ac = new AbortController();
    const res = await fetch(`${h.url}/api/events`, { signal: ac.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const types = () =>
      [...text.matchAll(/^data: (.*)$/gm)].map((m) => (JSON.parse(m[1]!) as { type: string }).type);
    const readUntil = async (type: string) => {
      while (!types().includes(type)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${type}`);
        text += value;
      }
    };
    await readUntil("hello");
    void h.ctx.requestSync("manual");
    await readUntil("sync-finished");
    ac.abort();
    expect(types()).toEqual(
      expect.arrayContaining(["hello", "sync-started", "sync-finished", "status-changed"]),
    );
  });

  it("refuses mutating requests without the token or from another origin, and never sends CORS headers", async () => {
    const s = setup({ enabled: false });
    const h = await start(s);
    const token = fs.readFileSync(path.join(s.home, "daemon.token"), "utf8").trim();
    expect(fs.statSync(path.join(s.home, "daemon.token")).mode & 0o777).toBe(0o600);
    expect(h.ctx.token).toBe(token);
    const none = await fetch(`${h.url}/api/sync`, { method: "POST" });
    expect(none.status).toBe(403);
    const wrong = await fetch(`${h.url}/api/sync`, {
      method: "POST",
      headers: { "x-skillsync-token": "nope" },
    });
    expect(wrong.status).toBe(403);
    const cross = await fetch(`${h.url}/api/sync`, {
      method: "POST",
      headers: { "x-skillsync-token": token, origin: "http://evil.example" },
    });
    expect(cross.status).toBe(403);
    expect(cross.headers.get("access-control-allow-origin")).toBeNull();
    expect(s.calls).toHaveLength(0);
    const good = await fetch(`${h.url}/api/sync?wait=1`, {
      method: "POST",
      headers: { "x-skillsync-token": token, origin: h.url },
    });
    expect(good.status).toBe(200);
    expect(s.calls.map((c) => c.trigger)).toEqual(["manual"]);
    // DNS rebinding: a foreign Host header is refused even for reads
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: h.port, path: "/", headers: { host: `evil.example:${h.port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(403);
    // the UI page carries the token for same-origin scripts
    fs.mkdirSync(path.join(s.home, "web"), { recursive: true });
    fs.writeFileSync(
      path.join(s.home, "web", "index.html"),
      "<html><head><title>x</title></head><body></body></html>",
    );
    const page = await (await fetch(`${h.url}/some/client/route`)).text();
    expect(page).toContain(`<meta name="skillsync-token" content="${token}">`);
  });

  it("answers POST /api/fsmonitor: token required, body checked, changed artifacts since a token", async () => {
    const s = setup({ enabled: false });
    const h = await start(s);
    const token = fs.readFileSync(path.join(s.home, "daemon.token"), "utf8").trim();
    const ask = (body: string, headers: Record<string, string> = { "x-skillsync-token": token }) =>
      fetch(`${h.url}/api/fsmonitor`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
    const query = async (since: string | null, roots = [s.collection, s.project]) => {
      const res = await ask(JSON.stringify({ roots, since }));
      expect(res.status).toBe(200);
      return (await res.json()) as FsmonitorResponse;
    };
    expect((await ask(JSON.stringify({ roots: [s.collection], since: null }), {})).status).toBe(403);
    const notJson = await ask("{roots");
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: "invalid fsmonitor request: the body is not JSON" });
    const bad = await ask(JSON.stringify({ roots: ["relative"], since: null }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/roots\.0: must be an absolute path/);

    const first = await query(null);
    expect(first.token).toMatch(/^[0-9a-f]+:\d+$/);
    expect(first.roots[s.collection]).toMatchObject({ all: true });
    expect(first.roots[s.project]).toMatchObject({ all: true });
    const skill = path.join(s.collection, "skills", "internal-comms");
    fs.appendFileSync(path.join(skill, "SKILL.md"), "\nedited\n");
    const elsewhere = path.join(s.home, "not-a-project");
    fs.mkdirSync(elsewhere);
    const second = await query(first.token, [s.collection, s.project, elsewhere]);
    expect(second.roots).toEqual({
      [s.collection]: { all: false, changed: [skill] },
      [s.project]: { all: false, changed: [] },
      [elsewhere]: { all: true, reason: expect.stringMatching(/not a root the daemon watches/) },
    });
    expect((await query(second.token)).roots[s.collection]).toEqual({ all: false, changed: [] });

    // another daemon start (here with the chokidar backend) cannot vouch for the old token
    handles.splice(handles.indexOf(h), 1);
    await h.stop();
    const h2 = await start(s, { watcherBackend: "chokidar" });
    const again = (await (
      await fetch(`${h2.url}/api/fsmonitor`, {
        method: "POST",
        headers: { "x-skillsync-token": token },
        body: JSON.stringify({ roots: [s.collection], since: second.token }),
      })
    ).json()) as FsmonitorResponse;
    expect(again.roots[s.collection]).toMatchObject({
      all: true,
      reason: expect.stringMatching(/restarted/),
    });
    const chokidar = (await (
      await fetch(`${h2.url}/api/fsmonitor`, {
        method: "POST",
        headers: { "x-skillsync-token": token },
        body: JSON.stringify({ roots: [s.collection], since: again.token }),
      })
    ).json()) as FsmonitorResponse;
    expect(chokidar.roots[s.collection]).toMatchObject({
      all: true,
      reason: expect.stringMatching(/chokidar/),
    });
  });

  it("refuses a second daemon for the same home, naming the running one", async () => {
    const s = setup({ enabled: false });
    const h = await start(s);
    const info = JSON.parse(fs.readFileSync(path.join(s.home, "daemon.json"), "utf8")) as {
      pid: number;
      port: number;
    };
    expect(info).toMatchObject({ pid: process.pid, port: h.port });
    const err = await startDaemon({
      home: s.home,
      port: 0,
      logger: nullLogger,
      runner: async () => okReport(),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSkillsyncError(err) && err.code).toBe("LOCKED");
    expect(String((err as Error).message)).toContain(`pid ${process.pid}, port ${h.port}`);
    await h.stop();
    expect(fs.existsSync(path.join(s.home, "daemon.json"))).toBe(false);
    const again = await start(s);
    expect(again.port).toBeGreaterThan(0);
  });

  it("reloads config without a restart: enabling automatic sync runs the sync it held back", async () => {
    const s = setup({ enabled: false });
    const h = await start(s);
    fs.appendFileSync(path.join(s.collection, "skills", "internal-comms", "SKILL.md"), "\nedit\n");
    await waitFor(
      "pending edit",
      () => h.ctx.status().pending_updates.includes("skill/internal-comms"),
      3000,
    );
    expect(s.calls).toHaveLength(0);
    const events: string[] = [];
    h.ctx.subscribe((e) => events.push(e.type));
    writeConfig(
      s.home,
      { enabled: true, debounce_ms: 300, min_interval: 0, cooldown: 0 },
      { projects: [s.project] },
    );
    await waitFor("sync after enable", () => s.calls.length === 1, 5000);
    expect(s.calls[0]?.trigger).toContain("watch");
    expect(events).toContain("config-changed");
    await h.scheduler.idle();
    expect(h.ctx.status().pending_updates).toEqual([]);
  });

  it("follows a hub's event stream and rate-limits hub-triggered runs to one per min_interval", async () => {
    // A change event as a hub sends it (the client validates every field).
    const hubChange = (cursor: number) =>
      JSON.stringify({
        owner: "alice",
        kind: "skill",
        name: "from-hub",
        cursor,
        op: "put",
        revision: cursor,
        version: "1.0.0",
        tree_hash: "a".repeat(64),
        at: "2026-12-06T00:00:00Z",
      });
    // A minimal hub: an SSE stream the test pushes events into, and an empty changes page.
    let push: ((data: string) => void) | undefined;
    const hub = http.createServer((req, res) => {
      if (req.url?.startsWith("/api/v1/changes")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ changes: [], cursor: 0, more: false }));
      } else if (req.url === "/api/v1/events") {
        expect(req.headers.authorization).toBe("Bearer hub-secret");
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(": hi\n\n");
        push = (d) => res.write(d);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => hub.listen(0, "127.0.0.1", r));
    const hubPort = (hub.address() as { port: number }).port;
    try {
      const s = setup({ min_interval: 1.5 }, { remotes: { team: { url: `http://127.0.0.1:${hubPort}` } } });
      fs.writeFileSync(
        path.join(s.home, "credentials.toml"),
        stringify({ remotes: { team: { token: "hub-secret" } } }),
        { mode: 0o600 },
      );
      const fetched: string[] = [];
      const h = await start(s, {
        hubFetcher: async ({ remote }) => {
          fetched.push(remote);
          return okReport(["skill/from-hub"]).results;
        },
      });
      await waitFor("startup sync", () => s.calls.length === 1);
      await waitFor("hub stream", () => push !== undefined, 5000);
      await h.scheduler.idle();
      const base = s.calls.length;
      push!(`id: 1\nevent: change\ndata: ${hubChange(1)}\n\n`);
      await waitFor("hub-triggered sync", () => s.calls.length === base + 1, 3000);
      const first = s.calls.at(-1)!;
      expect(first.trigger).toBe("hub:team");
      await h.scheduler.idle();
      push!(`id: 2\nevent: change\ndata: ${hubChange(2)}\n\n`);
      await sleep(100);
      push!(`id: 3\nevent: change\ndata: ${hubChange(3)}\n\n`);
      await sleep(400);
      expect(s.calls.length).toBe(base + 1); // inside the window: waiting, not dropped
      await waitFor("window end", () => s.calls.length === base + 2, 3000);
      const second = s.calls.at(-1)!;
      expect(second.at - first.at).toBeGreaterThanOrEqual(1450); // window is measured from the run start, a few ms before the runner is called
      await sleep(300);
      expect(s.calls.length).toBe(base + 2);
      expect(fetched.filter((r) => r === "team").length).toBeGreaterThanOrEqual(3);
      const view = await getJson<{ artifacts: { id: string; places: Record<string, unknown> }[] }>(
        h,
        "/api/skills",
      );
      expect(view.artifacts.find((a) => a.id === "skill/from-hub")?.places).toHaveProperty("remote:team");
    } finally {
      await new Promise<void>((r) => {
        hub.close(() => r());
        hub.closeAllConnections();
      });
    }
  });

  it("aborts the sync in flight on stop and waits for it to finish", async () => {
    const s = setup();
    let aborted = false;
    let finished = false;
    s.behave = (input) =>
      new Promise((resolve) => {
        input.signal?.addEventListener("abort", () => {
          aborted = true;
          setTimeout(() => {
            finished = true;
            resolve(okReport());
          }, 100);
        });
      });
    const h = await start(s);
    await waitFor("sync in flight", () => s.calls.length === 1);
    handles.splice(handles.indexOf(h), 1);
    await h.stop();
    expect(aborted).toBe(true);
    expect(finished).toBe(true);
  });
});

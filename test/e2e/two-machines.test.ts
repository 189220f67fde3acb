/**
 * Two clients (two homes) and one hub process on loopback, through the built binary: publish from A,
 * fetch on B, edits on both → conflict reported and nothing lost; hub stopped → publish queues;
 * hub back → the queue is replayed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, cpSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { CLI_BIN, REPO_ROOT } from "../helpers/paths.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";

let root: string;
let server: ChildProcess | undefined;
let url = "";
let port = 0;
let token = "";

async function startHub(fixedPort = 0): Promise<void> {
  const child = spawn(process.execPath, [CLI_BIN, "hub", "serve", "--port", String(fixedPort)], {
    env: { ...process.env, SKILLSYNC_HOME: join(root, "server"), NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server = child;
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`hub did not start: ${out}`)), 15_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`hub exited ${code}: ${out}`)));
  });
  port = Number(new URL(url).port);
}

async function stopHub(): Promise<void> {
  const s = server;
  server = undefined;
  if (!s || s.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    s.once("exit", () => resolve());
    s.kill("SIGTERM");
  });
}

const cli = (home: string, ...args: string[]) => runCli(args, { home: join(root, home) });
const skillFile = (home: string, name: string) =>
  join(root, home, "collections", "default", "skills", name, "SKILL.md");

beforeAll(async () => {
  root = tempDir("skillsync-2m-").path;
  expect(runCli(["hub", "user", "add", "alice"], { home: join(root, "server") }).code).toBe(0);
  const t = runCli(["hub", "token", "create", "alice"], { home: join(root, "server") });
  expect(t.code).toBe(0);
  token = t.stdout.trim();
  await startHub();
  cpSync(join(REPO_ROOT, "examples"), join(root, "examples"), { recursive: true });
  for (const home of ["a", "b"]) {
    expect(cli(home, "init").code).toBe(0);
    expect(cli(home, "remote", "add", "hub", url).code).toBe(0);
    const l = cli(home, "login", "--token", token);
    expect(l.code, l.stderr).toBe(0);
    expect(l.stdout).toContain("as alice");
    expect(readFileSync(join(root, home, "credentials.toml"), "utf8")).toContain(token);
    expect(statSync(join(root, home, "credentials.toml")).mode & 0o777).toBe(0o600);
    expect(cli(home, "remote", "list").stdout).not.toContain(token);
  }
}, 60_000);

afterAll(async () => {
  await stopHub();
  cleanupTempDirs();
});

describe("two machines and one hub", () => {
  it("publish on A, fetch on B", () => {
    expect(cli("a", "add", join(root, "examples")).code).toBe(0);
    const p = cli("a", "publish", "--all", "--json");
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout).results).toHaveLength(3);
    const f = cli("b", "fetch", "--json");
    expect(f.code, f.stderr).toBe(0);
    expect(readFileSync(skillFile("b", "commit-message"))).toEqual(
      readFileSync(skillFile("a", "commit-message")),
    );
    // Nothing changed since: a second fetch and publish do nothing.
    expect(JSON.parse(cli("b", "fetch", "--json").stdout).results).toEqual([]);
  });

  it("edits on both machines: the second publish is a conflict, fetch merges, nothing is lost", () => {
    writeFileSync(
      skillFile("a", "commit-message"),
      readFileSync(skillFile("a", "commit-message"), "utf8").replace("1. Run", "1. First run"),
    );
    expect(cli("a", "publish", "commit-message").code).toBe(0);
    writeFileSync(
      skillFile("b", "commit-message"),
      readFileSync(skillFile("b", "commit-message"), "utf8").replace("5. Never invent", "5. Do not invent"),
    );
    const stale = cli("b", "publish", "commit-message", "--json");
    expect(stale.code).toBe(1);
    expect(JSON.parse(stale.stdout).results[0]).toMatchObject({ success: false, conflicts_remaining: 1 });
    const st = cli("b", "status", "--hub", "--json", "--project", root);
    const hubRow = JSON.parse(st.stdout).hub.artifacts.find(
      (x: { name: string }) => x.name === "commit-message",
    );
    expect(hubRow).toMatchObject({ drift_type: "modified", drift_side: "both", recommendation: "merge" });
    expect(cli("b", "fetch").code).toBe(0);
    const merged = readFileSync(skillFile("b", "commit-message"), "utf8");
    expect(merged).toContain("1. First run");
    expect(merged).toContain("5. Do not invent");
    expect(cli("b", "publish", "commit-message").code).toBe(0);
    expect(cli("a", "fetch").code).toBe(0);
    expect(readFileSync(skillFile("a", "commit-message"), "utf8")).toBe(merged);
  });

  it("overlapping edits: fetch reports the conflict, writes nothing, and keeps it pending", () => {
    const f = skillFile("a", "changelog-entry");
    writeFileSync(f, readFileSync(f, "utf8").replace("- One line per change", "- One line per change (A)"));
    expect(cli("a", "publish", "changelog-entry").code).toBe(0);
    const g = skillFile("b", "changelog-entry");
    writeFileSync(g, readFileSync(g, "utf8").replace("- One line per change", "- One line per change (B)"));
    const before = readFileSync(g);
    const r = cli("b", "fetch", "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({
      success: false,
      artifact_name: "skill/changelog-entry",
    });
    expect(readFileSync(g)).toEqual(before);
    // Still pending: the next fetch sees it again even though the cursor moved.
    expect(cli("b", "fetch").code).toBe(1);
    const t = cli("b", "fetch", "--auto-resolve", "theirs");
    expect(t.code, t.stdout).toBe(0);
    expect(readFileSync(g, "utf8")).toContain("(A)");
  });

  it("hub down: publish queues (exit 0); hub back: the next fetch replays the queue in order", async () => {
    await stopHub();
    const f = skillFile("a", "review-checklist");
    appendFileSync(f, "\nOffline edit one.\n");
    const q1 = cli("a", "publish", "review-checklist");
    expect(q1.code, q1.stderr).toBe(0);
    expect(q1.stdout).toContain("queued");
    appendFileSync(f, "Offline edit two.\n");
    expect(cli("a", "publish", "review-checklist").code).toBe(0);
    expect(JSON.parse(cli("a", "remote", "list", "--json").stdout)[0].queued).toBe(1);
    await startHub(port);
    const r = cli("a", "fetch", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).replayed).toHaveLength(1);
    expect(JSON.parse(cli("a", "remote", "list", "--json").stdout)[0].queued).toBe(0);
    expect(cli("b", "fetch").code).toBe(0);
    expect(readFileSync(skillFile("b", "review-checklist"), "utf8")).toContain("Offline edit two.");
  });

  it("fetch --strategy fork keeps both; --strategy overwrite takes the hub's version after a snapshot", () => {
    const edit = (home: string, name: string, to: string) => {
      const f = skillFile(home, name);
      writeFileSync(f, readFileSync(f, "utf8").replace(/^(# .*)$/m, `$1 ${to}`));
    };
    edit("a", "commit-message", "(A)");
    expect(cli("a", "publish", "commit-message").code).toBe(0);
    edit("b", "commit-message", "(B)");
    const fork = cli("b", "fetch", "--strategy", "fork");
    expect(fork.code, fork.stdout).toBe(0);
    expect(readFileSync(skillFile("b", "commit-message-hub"), "utf8")).toContain("(A)");
    expect(readFileSync(skillFile("b", "commit-message-hub"), "utf8")).toContain("name: commit-message-hub");
    expect(readFileSync(skillFile("b", "commit-message"), "utf8")).toContain("(B)");

    edit("a", "changelog-entry", "(A2)");
    expect(cli("a", "publish", "changelog-entry").code).toBe(0);
    edit("b", "changelog-entry", "(B2)");
    const over = cli("b", "fetch", "--strategy", "overwrite", "--json");
    expect(over.code, over.stdout).toBe(0);
    const res = JSON.parse(over.stdout).results.find(
      (x: { artifact_name: string }) => x.artifact_name === "skill/changelog-entry",
    );
    expect(res).toMatchObject({ success: true, strategy_used: "overwrite" });
    expect(res.snapshot_id).toMatch(/^[0-9a-f]{12}$/);
    expect(readFileSync(skillFile("b", "changelog-entry"))).toEqual(
      readFileSync(skillFile("a", "changelog-entry")),
    );
  });

  it("a refused token gets one clear line and exit 3", () => {
    const r = runCli(["login", "--token", "skh_bad_token"], { home: join(root, "a") });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toContain("skh_bad_token");
  });
});

/**
 * End to end with the real sync engine: one hub process, machine A running `skillsync daemon` over
 * two projects, machine B publishing through the hub. An edit in project 1 reaches the collection
 * and project 2; a change B publishes reaches A's collection and both projects through the hub's
 * event stream; SIGTERM stops the daemon with exit 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { CLI_BIN, REPO_ROOT } from "../helpers/paths.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";

let root: string;
let hub: ChildProcess | undefined;
let daemon: ChildProcess | undefined;
let daemonErr = "";
let url = "";

const cli = (home: string, ...args: string[]) => runCli(args, { home: join(root, home) });
const projectSkill = (p: string, name: string) => join(root, p, ".claude", "skills", name, "SKILL.md");
const collectionSkill = (home: string, name: string) =>
  join(root, home, "collections", "default", "skills", name, "SKILL.md");

/**
 * The text of `file`, or "" while it is missing: a sync replaces a skill folder by two renames (old
 * out, new in), so a poll can land in the instant between them (docs/sync.md).
 */
function textOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw e;
  }
}

async function waitFor(what: string, f: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\ndaemon stderr:\n${daemonErr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stop(child: ChildProcess | undefined): Promise<number | null> {
  if (!child || child.exitCode !== null) return Promise.resolve(child?.exitCode ?? null);
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

beforeAll(async () => {
  root = tempDir("skillsync-daemon-real-").path;
  expect(runCli(["hub", "user", "add", "alice"], { home: join(root, "server") }).code).toBe(0);
  const token = runCli(["hub", "token", "create", "alice"], { home: join(root, "server") }).stdout.trim();
  hub = spawn(process.execPath, [CLI_BIN, "hub", "serve", "--port", "0"], {
    env: { ...process.env, SKILLSYNC_HOME: join(root, "server"), NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
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
    hub!.stdout!.on("data", onData);
    hub!.stderr!.on("data", onData);
  });
  cpSync(join(REPO_ROOT, "examples"), join(root, "examples"), { recursive: true });
  for (const home of ["a", "b"]) {
    expect(cli(home, "init").code).toBe(0);
    expect(cli(home, "remote", "add", "hub", url).code).toBe(0);
    expect(cli(home, "login", "--token", token).code).toBe(0);
  }
  expect(cli("a", "add", join(root, "examples")).code).toBe(0);
  expect(cli("a", "publish", "--all").code).toBe(0);
  for (const p of ["p1", "p2"]) {
    mkdirSync(join(root, p));
    const d = cli("a", "deploy", "--all", "--project", join(root, p));
    expect(d.code, d.stderr).toBe(0);
    expect(cli("a", "project", "add", join(root, p)).code).toBe(0);
  }
  for (const kv of [
    "daemon.debounce_ms=200",
    "daemon.min_interval=0",
    "daemon.cooldown=1",
    "daemon.enabled=true",
  ])
    expect(cli("a", "config", "set", kv).code).toBe(0);
  expect(cli("b", "fetch").code).toBe(0);
}, 90_000);

afterAll(async () => {
  await stop(daemon);
  await stop(hub);
  cleanupTempDirs();
});

describe("the daemon with the real engine, a hub and two projects", () => {
  it("starts, syncs project edits to the other project, and follows hub changes", async () => {
    daemon = spawn(process.execPath, [CLI_BIN, "daemon", "--port", "0"], {
      env: { ...process.env, SKILLSYNC_HOME: join(root, "a"), NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    daemon.stderr!.on("data", (d: Buffer) => (daemonErr += d.toString()));
    await waitFor("daemon.json", () => existsSync(join(root, "a", "daemon.json")));
    await waitFor("startup sync", () => {
      const h = JSON.parse(cli("a", "auto", "history", "--json").stdout) as {
        history: { trigger: string }[];
      };
      return h.history.some((x) => x.trigger.includes("startup"));
    });
    const first = JSON.parse(cli("a", "auto", "history", "--json").stdout) as {
      history: { outcome: string; error: string | null }[];
    };
    expect(first.history.at(-1)?.error ?? null).toBeNull();

    // an edit in project 1 reaches the collection and project 2
    // (edit the body: the `## Memory` section at the end belongs to the project and is never copied)
    const p1 = projectSkill("p1", "commit-message");
    writeFileSync(
      p1,
      readFileSync(p1, "utf8").replace("# Commit message\n", "# Commit message\n\nEdited in project one.\n"),
    );
    await waitFor("edit in p2", () =>
      textOrEmpty(projectSkill("p2", "commit-message")).includes("Edited in project one."),
    );
    expect(readFileSync(collectionSkill("a", "commit-message"), "utf8")).toContain("Edited in project one.");

    // a change published by another machine reaches both projects through the hub
    const file = collectionSkill("b", "review-checklist");
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace("\n## ", "\nAdded on machine B.\n\n## "));
    const pub = cli("b", "publish", "review-checklist");
    expect(pub.code, pub.stderr).toBe(0);
    await waitFor("hub change in p1 and p2", () =>
      ["p1", "p2"].every((p) =>
        textOrEmpty(projectSkill(p, "review-checklist")).includes("Added on machine B."),
      ),
    );
    const status = JSON.parse(cli("a", "auto", "status", "--json").stdout) as {
      daemon: { running: boolean };
      conflicts: unknown[];
    };
    expect(status.daemon.running).toBe(true);
    expect(status.conflicts).toEqual([]);
    const h = JSON.parse(cli("a", "auto", "history", "--json").stdout) as { history: { trigger: string }[] };
    expect(h.history.some((x) => x.trigger.includes("hub:hub"))).toBe(true);

    expect(await stop(daemon)).toBe(0);
    expect(existsSync(join(root, "a", "daemon.json"))).toBe(false);
  });
});

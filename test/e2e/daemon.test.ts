/**
 * End to end: the daemon and its commands through the built binary (`npm run build` first):
 * `project`, `config`, `auto`, one daemon per home, and a clean stop on SIGTERM in the middle of a
 * (slow, fake) sync that leaves every artifact old or new.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const BIN = path.resolve("dist/cli/main.cjs");
const DIST = path.resolve("dist");
let home: string;
const children: ChildProcess[] = [];

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, "--home", home, ...args], {
    env: { ...process.env, NO_COLOR: "1", SKILLSYNC_HOME: "" },
    encoding: "utf8",
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function spawnDaemon(args: string[]): ChildProcess & { out: () => string; err: () => string } {
  const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: "1" } });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => (out += String(d)));
  child.stderr?.on("data", (d) => (err += String(d)));
  return Object.assign(child, { out: () => out, err: () => err });
}

async function waitFor<T>(what: string, f: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const exited = (c: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (c.exitCode !== null) resolve(c.exitCode);
    else c.once("exit", (code) => resolve(code));
  });

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-e2e-daemon-"));
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill("SIGKILL");
      await exited(c);
    }
  }
  fs.rmSync(home, { recursive: true, force: true });
});

describe("skillsync project / config / auto", () => {
  it("registers, lists and removes projects in config", () => {
    const p = path.join(home, "proj");
    fs.mkdirSync(p);
    expect(cli("project", "add", p).code).toBe(0);
    expect(cli("project", "add", p).stdout).toContain("already registered");
    const list = JSON.parse(cli("project", "list", "--json").stdout) as {
      projects: { path: string; exists: boolean; agents: string[] }[];
    };
    expect(list.projects).toEqual([{ path: p, exists: true, agents: ["claude-code"] }]);
    const missing = cli("project", "add", path.join(home, "nope"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("does not exist");
    expect(cli("project", "remove", p).code).toBe(0);
    const gone = cli("project", "remove", p);
    expect(gone.code).toBe(2);
    expect(JSON.parse(cli("config", "get", "projects", "--json").stdout)).toEqual({
      key: "projects",
      value: [],
    });
  });

  it("shows, gets and sets validated config keys, refusing bad ones without writing", () => {
    expect(cli("config", "get", "daemon.debounce_ms").stdout.trim()).toBe("500");
    expect(cli("config", "set", "daemon.debounce_ms=250").code).toBe(0);
    expect(cli("config", "get", "daemon.debounce_ms").stdout.trim()).toBe("250");
    const before = fs.readFileSync(path.join(home, "config.toml"), "utf8");
    const unknown = cli("config", "set", "daemon.nope=1");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown config key 'daemon.nope'");
    expect(cli("config", "set", "daemon.debounce_ms=-4").code).toBe(2);
    const cron = cli("config", "set", 'daemon.schedules=["every tuesday"]');
    expect(cron.code).toBe(2);
    expect(cron.stderr).toContain("not a cron expression");
    expect(
      cli("config", "set", "daemon.triggers", '[{pattern = "skills/**", priority = "urgent"}]').code,
    ).toBe(2);
    expect(fs.readFileSync(path.join(home, "config.toml"), "utf8")).toBe(before);
    const shown = JSON.parse(cli("config", "show", "--json").stdout) as { daemon: { debounce_ms: number } };
    expect(shown.daemon.debounce_ms).toBe(250);
  });

  it("turns automatic sync on and off and reports status and history without a daemon", () => {
    expect(JSON.parse(cli("auto", "status", "--json").stdout)).toMatchObject({
      enabled: false,
      daemon: { running: false },
      last_sync: null,
      state: "yellow",
    });
    expect(cli("auto", "enable").stdout).toContain("automatic sync on");
    expect(JSON.parse(cli("auto", "status", "--json").stdout).enabled).toBe(true);
    expect(cli("auto", "disable").code).toBe(0);
    expect(cli("config", "get", "daemon.enabled").stdout.trim()).toBe("false");
    expect(JSON.parse(cli("auto", "history", "--json").stdout)).toEqual({ history: [] });
  });
});

describe("skillsync daemon", () => {
  it("serves the API, refuses a second daemon for the same home (exit 2), and stops on SIGTERM", async () => {
    const first = spawnDaemon([BIN, "--home", home, "daemon", "--port", "0"]);
    const info = await waitFor("daemon.json", () => {
      try {
        return JSON.parse(fs.readFileSync(path.join(home, "daemon.json"), "utf8")) as {
          pid: number;
          port: number;
        };
      } catch {
        return undefined;
      }
    });
    expect(info.pid).toBe(first.pid);
    const res = await fetch(`http://127.0.0.1:${info.port}/api/skills/sync/status`);
    expect(await res.json()).toMatchObject({ state: "yellow", last_sync: null });
    const second = cli("daemon", "--port", "0");
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`already running for ${home} (pid ${info.pid}, port ${info.port}`);
    const live = JSON.parse(cli("auto", "status", "--json").stdout) as { daemon: unknown };
    expect(live.daemon).toEqual({ running: true, pid: info.pid, port: info.port });
    first.kill("SIGTERM");
    expect(await exited(first)).toBe(0);
    expect(fs.existsSync(path.join(home, "daemon.json"))).toBe(false);
    const log = fs
      .readFileSync(path.join(home, "logs", "daemon.log"), "utf8")
      .trim()
      .split("\n");
    expect(log.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain("daemon stopped");
  });

  it("takes over at once the lock of a daemon that was killed", async () => {
    const readInfo = () => {
      try {
        return JSON.parse(fs.readFileSync(path.join(home, "daemon.json"), "utf8")) as {
          pid: number;
          port: number;
        };
      } catch {
        return undefined;
      }
    };
    const first = spawnDaemon([BIN, "--home", home, "daemon", "--port", "0"]);
    await waitFor("first daemon", () => readInfo()?.pid === first.pid);
    first.kill("SIGKILL");
    await exited(first);
    const second = spawnDaemon([BIN, "--home", home, "daemon", "--port", "0"]);
    await waitFor("second daemon", () => readInfo()?.pid === second.pid, 8000);
    second.kill("SIGTERM");
    expect(await exited(second)).toBe(0);
  });

  it("on SIGTERM during a slow sync, finishes the artifact in hand, leaves every artifact old or new, and exits 0", async () => {
    const target = path.join(home, "target");
    fs.mkdirSync(target);
    const old = "old\n".repeat(20_000);
    const fresh = "new\n".repeat(20_000);
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(target, `a${i}.md`), old);
    fs.writeFileSync(path.join(home, "config.toml"), "version = 1\n[daemon]\nenabled = true\n");
    const url = (p: string) => pathToFileURL(path.join(DIST, p)).href;
    const script = path.join(home, "slow-daemon.mjs");
    fs.writeFileSync(
      script,
      `import { join } from "node:path";
import { startDaemon } from ${JSON.stringify(url("daemon/daemon.js"))};
import { runUntilSignal } from ${JSON.stringify(url("daemon/foreground.js"))};
import { writeFileAtomic } from ${JSON.stringify(url("store/fs.js"))};
const [home, target] = process.argv.slice(2);
process.exitCode = await runUntilSignal({ start: async () => {
const handle = await startDaemon({ home, port: 0, runner: async ({ signal }) => {
  for (let i = 0; i < 30; i++) {
    if (signal?.aborted) return { results: [], conflicts: [], invalid: [], errors: ["stopped"] };
    await writeFileAtomic(join(target, "a" + i + ".md"), ${JSON.stringify(fresh)});
    if (i === 3) process.stdout.write("MIDWAY\\n");
    await new Promise((r) => setTimeout(r, 100));
  }
  return { results: [], conflicts: [], invalid: [], errors: [] };
} });
process.stdout.write("READY " + handle.port + "\\n");
return handle;
} });
`,
    );
    const child = spawnDaemon([script, home, target]);
    await waitFor("sync midway", () => child.out().includes("MIDWAY"));
    child.kill("SIGTERM");
    expect(await exited(child)).toBe(0);
    const contents = fs.readdirSync(target).map((f) => fs.readFileSync(path.join(target, f), "utf8"));
    expect(fs.readdirSync(target).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `a${i}.md`).sort());
    expect(contents.every((c) => c === old || c === fresh)).toBe(true);
    expect(contents.filter((c) => c === fresh).length).toBeGreaterThanOrEqual(4);
    expect(contents.filter((c) => c === old).length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(home, "daemon.json"))).toBe(false);
    const history = JSON.parse(cli("auto", "history", "--json").stdout) as { history: { error: string }[] };
    expect(history.history[0]?.error).toBe("stopped");
  });
});

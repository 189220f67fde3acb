/**
 * `skillsync ui` through the built binary: prints the running daemon's URL when there is no browser
 * (no DISPLAY), and exits 2 with how to start the daemon when none runs for the home.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI_BIN } from "../helpers/paths.js";

const CLI = CLI_BIN;
const dir = mkdtempSync(join(tmpdir(), "skillsync-ui-cmd-"));
let daemon: ChildProcess | undefined;

function ui(home: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, SKILLSYNC_HOME: home, NO_COLOR: "1" };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return spawnSync(process.execPath, [CLI, "ui", ...args], { env, encoding: "utf8" });
}

afterAll(async () => {
  if (daemon && daemon.exitCode === null) {
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon?.once("exit", r));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("skillsync ui", () => {
  it("exits 2 and says how to start the daemon when none runs", () => {
    const r = ui(join(dir, "none"));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("skillsync daemon");
    expect(r.stdout).toBe("");
  });

  it("prints the daemon's URL when there is no browser", async () => {
    const home = join(dir, "home");
    daemon = spawn(process.execPath, [CLI, "daemon", "--port", "0"], {
      env: { ...process.env, SKILLSYNC_HOME: home, NO_COLOR: "1" },
      stdio: "ignore",
    });
    const infoPath = join(home, "daemon.json");
    const end = Date.now() + 15_000;
    let port = 0;
    while (Date.now() < end) {
      if (existsSync(infoPath)) {
        const info = JSON.parse(readFileSync(infoPath, "utf8")) as { pid: number; port: number };
        if (info.pid === daemon.pid) {
          port = info.port;
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(port).toBeGreaterThan(0);
    const r = ui(home);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`http://127.0.0.1:${port}/`);
    const page = await fetch(r.stdout.trim());
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<meta name="skillsync-token"');
  });
});

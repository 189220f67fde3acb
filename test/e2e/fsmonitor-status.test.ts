/**
 * `skillsync status` with `status.fsmonitor = true` and a real daemon (docs/daemon.md, "fsmonitor"):
 * on the fixture skills, edits made right before a status (no waiting) on either side, a new
 * sub-folder, a removed file and a new artifact are all reported exactly as a full walk reports them;
 * only what the daemon saw change is read; without a daemon the status warns and walks everything.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCli } from "../helpers/cli.js";
import { copyFixtures } from "../helpers/fixtures.js";
import { CLI_BIN } from "../helpers/paths.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";

let root: string;
let home: string;
let project: string;
let daemon: ChildProcess | undefined;
let daemonOut = "";

const cli = (...args: string[]) =>
  runCli(args, { home, cwd: project, env: { SKILLSYNC_TRACE_FSMONITOR: "1" } });
const trace = (r: CliResult) => r.stderr.split("\n").filter((l) => l.startsWith("fsmonitor:"));
const REUSED = "fsmonitor: nothing changed; the last status report still holds";

interface Report {
  artifacts: { name: string; drift_type: string; drift_side: string | null }[];
}

/** Drifted artifacts as `name:drift:side`, sorted. */
function drifted(r: CliResult): string[] {
  const rep = JSON.parse(r.stdout) as Report;
  return rep.artifacts
    .filter((a) => a.drift_type !== "in-sync")
    .map((a) => `${a.name}:${a.drift_type}:${a.drift_side ?? "-"}`)
    .sort();
}

/** Status with the monitor and a full walk must agree; returns the monitored run. */
function statusBoth(): CliResult {
  const monitored = cli("status", "--json");
  const full = cli("status", "--json", "--no-fsmonitor");
  expect(drifted(monitored)).toEqual(drifted(full));
  return monitored;
}

beforeAll(async () => {
  root = tempDir("skillsync-fsmonitor-").path;
  home = join(root, "home");
  project = join(root, "project");
  mkdirSync(project);
  mkdirSync(home);
  copyFixtures(join(root, "fixtures"), {
    only: ["theme-factory", "brand-guidelines", "mcp-builder", "skill-creator"],
  });
  expect(cli("init").code).toBe(0);
  expect(cli("add", join(root, "fixtures")).code).toBe(0);
  expect(cli("deploy", "--all", "--project", project).code).toBe(0);
  expect(cli("project", "add", project).code).toBe(0);
  expect(cli("config", "set", "status.fsmonitor=true").code).toBe(0);
  daemon = spawn(process.execPath, [CLI_BIN, "daemon", "--port", "0"], {
    env: { ...process.env, SKILLSYNC_HOME: home, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  daemon.stdout!.on("data", (d: Buffer) => (daemonOut += d.toString()));
  daemon.stderr!.on("data", (d: Buffer) => (daemonOut += d.toString()));
  // Until the daemon vouches for both roots (the first answers are "all": no token yet, watch not ready).
  const until = Date.now() + 30_000;
  for (;;) {
    const r = cli("status", "--project", project);
    const t = trace(r).filter((l) => !l.includes("report still holds"));
    if (t.length === 2 && t.every((l) => l.endsWith(": 0 changed artifact(s)"))) break;
    if (Date.now() > until) throw new Error(`daemon never vouched: ${t.join("; ")}\n${daemonOut}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}, 120_000);

afterAll(async () => {
  if (daemon && daemon.exitCode === null)
    await new Promise((res) => {
      daemon!.once("exit", res);
      daemon!.kill("SIGTERM");
    });
  cleanupTempDirs();
});

describe("status with fsmonitor", () => {
  it("reports edits made right before it on both sides, exactly as a full walk does", () => {
    // Project: a theme of theme-factory; collection: brand-guidelines; both sides of mcp-builder.
    appendFileSync(
      join(project, ".claude", "skills", "theme-factory", "themes", "ocean-depths.md"),
      "\nproject edit\n",
    );
    const brand = join(home, "collections", "default", "skills", "brand-guidelines", "SKILL.md");
    appendFileSync(brand, "\ncollection edit\n");
    appendFileSync(join(project, ".claude", "skills", "mcp-builder", "SKILL.md"), "\nproject edit\n");
    appendFileSync(
      join(home, "collections", "default", "skills", "mcp-builder", "SKILL.md"),
      "\ncollection\n",
    );
    const r = statusBoth();
    expect(drifted(r)).toEqual([
      "brand-guidelines:modified:collection",
      "mcp-builder:modified:both",
      "theme-factory:modified:project",
    ]);
    // The daemon named what changed: one artifact in the project twice over, two in the collection.
    expect(
      trace(r)
        .filter((l) => l !== REUSED)
        .sort(),
    ).toEqual([
      `fsmonitor: ${join(home, "collections", "default")}: 2 changed artifact(s)`,
      `fsmonitor: ${project}: 2 changed artifact(s)`,
    ]);
    // Nothing changed since: the next status reads nothing again, reuses the report, says the same.
    const again = cli("status", "--json");
    expect(trace(again)).toContain(REUSED);
    expect(drifted(again)).toEqual(drifted(r));
    expect(trace(cli("status", "--json"))).toContain(REUSED);
    // The record belongs to no artifact (the daemon names no change), yet a hand edit of it shows.
    const rec = join(project, ".claude", ".skillsync-deployed.toml");
    const text = readFileSync(rec, "utf8");
    const was = statSync(rec);
    writeFileSync(rec, text.replace(/deployed-at = "[^"]+"/g, 'deployed-at = "2020-01-01T00:00:00Z"'));
    utimesSync(rec, was.atime, was.mtime); // even with its mtime put back

    const edited = cli("status", "--json");
    expect(trace(edited)).not.toContain(REUSED);
    const report = JSON.parse(edited.stdout) as { artifacts: { last_deployed: string | null }[] };
    expect(report.artifacts.filter((a) => a.last_deployed !== null).map((a) => a.last_deployed)).toEqual(
      Array(4).fill("2020-01-01T00:00:00Z"),
    );
    // A config change (here the preserved sections) is an input of the report too.
    expect(cli("config", "set", 'preserve_sections=["Memory"]').code).toBe(0);
    expect(trace(cli("status", "--json"))).not.toContain(REUSED);
  });

  it("sees a new sub-folder, a removed file and a new untracked artifact", () => {
    const skill = join(project, ".claude", "skills", "skill-creator");
    mkdirSync(join(skill, "notes"));
    writeFileSync(join(skill, "notes", "n.md"), "new\n");
    rmSync(join(project, ".claude", "skills", "theme-factory", "themes", "forest-canopy.md"));
    mkdirSync(join(project, ".claude", "commands"), { recursive: true });
    writeFileSync(join(project, ".claude", "commands", "hello.md"), "---\ndescription: hi\n---\nHello\n");
    const r = statusBoth();
    expect(drifted(r)).toEqual(
      expect.arrayContaining([
        "hello:untracked:-",
        "theme-factory:modified:project",
        "skill-creator:modified:project",
      ]),
    );
    // A later edit inside the new sub-folder is heard too (the daemon watches it at once).
    cli("status", "--json");
    writeFileSync(join(skill, "notes", "n.md"), "changed\n");
    const t = trace(cli("status", "--json"));
    expect(t).not.toContain(REUSED);
    expect(t).toContain(`fsmonitor: ${project}: 1 changed artifact(s)`);
  });

  it("walks a project the daemon does not watch, and still trusts it for the collection", () => {
    const other = join(root, "other-project");
    mkdirSync(other);
    expect(cli("deploy", "--all", "--project", other).code).toBe(0);
    appendFileSync(join(other, ".claude", "skills", "skill-creator", "SKILL.md"), "\nedited in other\n");
    const r = runCli(["status", "--json", "--project", other], {
      home,
      env: { SKILLSYNC_TRACE_FSMONITOR: "1" },
    });
    const t = trace(r);
    expect(t.find((l) => l.startsWith(`fsmonitor: ${other}: all (`))).toBeDefined();
    expect(t).toContain(`fsmonitor: ${join(home, "collections", "default")}: 0 changed artifact(s)`);
    const full = runCli(["status", "--json", "--project", other, "--no-fsmonitor"], { home });
    expect(drifted(r)).toEqual(drifted(full));
    expect(drifted(r)).toContain("skill-creator:modified:project");
  });

  it("walks everything, with a warning, when no daemon runs; --no-fsmonitor walks silently", async () => {
    const before = drifted(cli("status", "--json"));
    await new Promise((res) => {
      daemon!.once("exit", res);
      daemon!.kill("SIGTERM");
    });
    expect(existsSync(join(home, "daemon.json"))).toBe(false);
    appendFileSync(
      join(project, ".claude", "skills", "brand-guidelines", "SKILL.md"),
      "\nafter the daemon\n",
    );
    const r = cli("status", "--json");
    expect(r.stderr).toContain("fsmonitor: no daemon is running for this home; reading every file");
    expect(drifted(r)).toEqual(
      [...before.filter((d) => !d.startsWith("brand-guidelines:")), "brand-guidelines:modified:both"].sort(),
    );
    const quiet = cli("status", "--json", "--no-fsmonitor");
    expect(quiet.stderr).not.toContain("fsmonitor");
    expect(readFileSync(join(project, ".claude", ".skillsync-deployed.toml"), "utf8")).toContain(
      "brand-guidelines",
    );
  });
});

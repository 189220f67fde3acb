/**
 * Issue 13 (start-up): the built CLI loads yaml, zod, smol-toml and cli-table3 only when it uses them
 * (scripts/bundle-cli.mjs turns src/'s imports of them into stubs over `dist/cli/vendor-<name>.cjs`).
 * A warm `status`, whose files (config.toml, the lock file, the deployment record, both trees) the
 * parsed cache and the stat cache vouch for, loads none of them; a
 * command that parses a skill's frontmatter or a changed lock file loads what it needs and behaves as
 * before. Node's `NODE_DEBUG=module` trace names every CommonJS file the process loads.
 */
import { spawnSync } from "node:child_process";
import {
  accessSync,
  appendFileSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { copyFixtures } from "../helpers/fixtures.js";
import { DIST_DIR, requireBuild } from "../helpers/paths.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";

beforeAll(() => requireBuild());
afterAll(() => cleanupTempDirs());

const VENDORS = ["cli-table3", "smol-toml", "yaml", "zod"];

/** The vendor files a run loaded, from its `NODE_DEBUG=module` trace on stderr. */
function vendorsLoaded(stderr: string): string[] {
  const found = new Set<string>();
  for (const m of stderr.matchAll(/load "[^"]*\/vendor-([\w-]+)\.cjs"/g)) found.add(m[1] ?? "");
  return [...found].sort();
}

/** The Node built-in modules a run required, from its `NODE_DEBUG=module` trace on stderr. */
function builtinsLoaded(stderr: string): string[] {
  return [...new Set([...stderr.matchAll(/load built-in module (node:[\w/]+)/g)].map((m) => m[1] ?? ""))];
}

/**
 * Moves every file's mtime 10 s into the past, so the racy-timestamp rule of the parsed cache and the
 * stat cache (a file changed in the second its row was written is not trusted) does not depend on
 * how fast the test runs.
 */
function settle(dir: string): void {
  const past = new Date(Date.now() - 10_000);
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath, e.name);
    if (e.isFile() || e.isDirectory()) utimesSync(p, past, past);
  }
}

describe("lazily loaded dependencies of the CLI bundle", () => {
  it("has one vendor file per lazily loaded package", () => {
    for (const v of VENDORS)
      expect(statSync(join(DIST_DIR, "cli", `vendor-${v}.cjs`)).size).toBeGreaterThan(0);
  });

  it("a warm status loads none of them; parsing loads what it needs", () => {
    const t = tempDir("lazy-vendor-");
    const home = join(t.path, "home");
    const project = join(t.path, "project");
    const src = copyFixtures(join(t.path, "src"), { only: ["canvas-design", "theme-factory"] });
    const run = (args: string[], code = 0) => {
      const r = runCli(args, { home, cwd: project, env: { NODE_DEBUG: "module" } });
      expect(r.code, `skillsync ${args.join(" ")}: ${r.stdout}`).toBe(code);
      return { ...r, vendors: vendorsLoaded(r.stderr) };
    };
    mkdirSync(project);
    run(["init"]);
    // Reading SKILL.md's frontmatter needs yaml; checking it against the spec needs no schema library.
    expect(run(["add", join(src, "canvas-design")]).vendors).toContain("yaml");
    run(["add", join(src, "theme-factory")]);
    run(["deploy", "--all", "--project", project]);
    run(["config", "set", "snapshot_retention", "40"]); // a config.toml to read at every start
    settle(home);
    settle(project);
    run(["status"]); // the caches learn the settled files
    const warm = run(["status"]);
    expect(warm.stdout).toContain("everything in sync (2 artifacts)");
    expect(warm.vendors).toEqual([]);
    // Nor node:crypto (nothing is hashed), node:http (no daemon is asked without status.fsmonitor) or
    // node:worker_threads (two rows start no thread): src/core/lazy-crypto.ts and the lazy requires.
    const builtins = builtinsLoaded(warm.stderr);
    expect(builtins).toContain("node:fs");
    for (const m of ["node:crypto", "node:http", "node:worker_threads"]) expect(builtins).not.toContain(m);

    // A changed lock file is parsed (TOML) and checked (zod) again, and status still reports both.
    const lock = join(home, "collections", "default", "skillsync.lock");
    expect(existsSync(lock)).toBe(true);
    appendFileSync(lock, "\n# edited by hand\n");
    const reparsed = run(["status"]);
    expect(reparsed.vendors).toEqual(expect.arrayContaining(["smol-toml", "zod"]));
    expect(reparsed.stdout).toContain("everything in sync (2 artifacts)");

    // Drift is printed as a table (cli-table3).
    appendFileSync(join(project, ".claude", "skills", "theme-factory", "SKILL.md"), "\nedited\n");
    const drifted = run(["status"], 1);
    expect(drifted.stdout).toMatch(/theme-factory .*modified/);
    expect(drifted.vendors).toContain("cli-table3");
  });
});

describe("the CLI bundle is CommonJS (Node 20 loads it without its ES module loader)", () => {
  it("is the package's bin, and the old dist/cli/main.js path runs it", () => {
    const pkg = JSON.parse(readFileSync(resolve("package.json"), "utf8")) as { bin: Record<string, string> };
    expect(pkg.bin.skillsync).toBe("dist/cli/main.cjs");
    const bin = join(DIST_DIR, "cli", "main.cjs");
    accessSync(bin, constants.X_OK);
    expect(readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    const version = (file: string) =>
      spawnSync(process.execPath, [join(DIST_DIR, "cli", file), "--version"], { encoding: "utf8" }).stdout;
    expect(version("main.js")).toBe(version("main.cjs"));
    expect(version("main.cjs")).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("a status loads its chunks as CommonJS files", () => {
    const t = tempDir("cjs-bundle-");
    mkdirSync(join(t.path, "project"));
    expect(runCli(["init"], { home: join(t.path, "home"), cwd: join(t.path, "project") }).code).toBe(0);
    const r = runCli(["status"], {
      home: join(t.path, "home"),
      cwd: join(t.path, "project"),
      env: { NODE_DEBUG: "module" },
    });
    expect(r.code, r.stdout).toBe(0);
    // NODE_DEBUG=module traces CommonJS loads only: an ES module build would list no chunk here.
    const chunks = [...r.stderr.matchAll(/load "[^"]*\/cli\/(chunk-[\w-]+\.cjs)"/g)].map((m) => m[1]);
    expect(chunks.length).toBeGreaterThan(5);
  });
});

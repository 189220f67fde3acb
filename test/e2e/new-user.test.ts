/**
 * Issue 14, points 1, 2 and 6, through the built CLI:
 * 1. every key documented in docs/config.md (parsed from its tables, so a newly documented key is
 *    covered without editing this test) can be set with `config set KEY VALUE` and `KEY=VALUE`, and
 *    `config get` returns it;
 * 2. a corrupt `skillsync.lock` is reported with file and line by every command that reads the
 *    collection (exit 2), and nothing in the home or the project changes, byte for byte;
 * 6. temp leftovers of a single-file write killed mid-way (config.toml, credentials.toml,
 *    daemon.json, daemon.token) are removed by the next command; the real files are untouched.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseJsonOutput, runCli } from "../helpers/cli.js";
import { copyFixtures } from "../helpers/fixtures.js";
import { REPO_ROOT, requireBuild } from "../helpers/paths.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";
import { diffSnapshots, snapshotTree } from "../helpers/tree.js";

const TEMP_MARKER = ".skillsync-tmp-";

beforeAll(() => requireBuild());
afterAll(() => cleanupTempDirs());

/** One documented key: its dotted name and the default column as written. */
interface DocKey {
  key: string;
  default: string;
}

/**
 * The keys of docs/config.md: every `| \`key\` | default | meaning |` row of a table under a
 * `### ` heading; a heading naming a table (`` `[daemon]` ``) prefixes its keys.
 */
function documentedKeys(): DocKey[] {
  const text = readFileSync(join(REPO_ROOT, "docs", "config.md"), "utf8");
  const keys: DocKey[] = [];
  let prefix: string | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("## ")) prefix = undefined;
    if (line.startsWith("### ")) {
      const table = /`\[([a-z_.]+)\]`/.exec(line)?.[1];
      prefix = table ? `${table}.` : line.includes("Top level") ? "" : undefined;
      continue;
    }
    const row = /^\|\s*`([A-Za-z_.]+)`\s*\|\s*([^|]*?)\s*\|/.exec(line);
    if (row && prefix !== undefined) keys.push({ key: `${prefix}${row[1]}`, default: row[2]! });
  }
  return keys;
}

/** A value (as TOML text) for `k` that differs from its default where it can, and its parsed form. */
function sampleValue(k: DocKey): { key: string; text: string } {
  const special: Record<string, string> = {
    version: "1",
    collection: '"other"',
    profile: '"claude"',
    projects: '["/tmp/some-project"]',
    default_remote: '"team"',
    "daemon.watcher": '"chokidar"',
    "daemon.schedules": '["0 */6 * * *"]',
    "daemon.triggers": '[{pattern = "skills/**", priority = "low"}]',
    project_agents: '{"/tmp/some-project" = ["cursor", "codex"]}',
  };
  if (k.key.includes("NAME"))
    return { key: k.key.replace("NAME", "team"), text: '"https://hub.example.com"' };
  if (special[k.key]) return { key: k.key, text: special[k.key]! };
  const d = k.default.replace(/`/g, "");
  if (/^\d+$/.test(d)) return { key: k.key, text: String(Number(d) + 1) };
  if (d === "true" || d === "false") return { key: k.key, text: d === "true" ? "false" : "true" };
  if (d.startsWith("[")) return { key: k.key, text: '["docs/**"]' };
  return { key: k.key, text: `"value-of-${k.key}"` };
}

describe("config set: every documented key", () => {
  it("finds the keys of every table in docs/config.md", () => {
    const keys = documentedKeys().map((k) => k.key);
    // the keys the issue names, and one of each table, so a broken parser cannot pass quietly
    for (const k of [
      "codex.repo",
      "codex.project",
      "backup.repo",
      "daemon.enabled",
      "status.fsmonitor",
      "lock_timeout_ms",
    ])
      expect(keys).toContain(k);
    expect(keys.length).toBeGreaterThan(35);
  });

  it("sets each one with KEY VALUE or KEY=VALUE and reads it back", () => {
    const home = tempDir().path;
    const keys = documentedKeys();
    keys.forEach((k, i) => {
      const { key, text } = sampleValue(k);
      const expected = (parseToml(`v = ${text}`) as { v: unknown }).v;
      const args = i % 2 === 0 ? ["config", "set", key, text] : ["config", "set", `${key}=${text}`];
      const set = runCli(args, { home });
      expect(set.code, `${args.join(" ")}: ${set.stderr}`).toBe(0);
      const got = runCli(["config", "get", key, "--json"], { home });
      expect(got.code, `get ${key}: ${got.stderr}`).toBe(0);
      expect(parseJsonOutput<{ value: unknown }>(got).value, key).toEqual(expected);
      // it is in the file, not only a default that happens to match
      let cur: unknown = parseToml(readFileSync(join(home, "config.toml"), "utf8"));
      for (const part of key.split(".")) cur = (cur as Record<string, unknown>)[part];
      expect(cur, `${key} in config.toml`).toEqual(expected);
    });
  });

  it("answers unknown keys with exit 2 and writes nothing", () => {
    const home = tempDir().path;
    const r = runCli(["config", "set", "codex.nope", "1"], { home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown config key 'codex.nope'");
    expect(existsSync(join(home, "config.toml"))).toBe(false);
  });

  it("prints an unset key as empty (null in --json)", () => {
    const home = tempDir().path;
    const r = runCli(["config", "get", "codex.project", "--json"], { home });
    expect(r.code).toBe(0);
    expect(parseJsonOutput<{ value: unknown }>(r).value).toBeNull();
  });
});

describe("a corrupt lock file", () => {
  let root: string;
  let home: string;
  let project: string;
  let lockPath: string;

  beforeAll(() => {
    root = tempDir().path;
    home = join(root, "home");
    project = join(root, "project");
    mkdirSync(project);
    const src = copyFixtures(join(root, "src"), { only: ["internal-comms", "brand-guidelines"] });
    expect(runCli(["init"], { home }).code).toBe(0);
    expect(runCli(["add", src], { home }).code).toBe(0);
    expect(runCli(["deploy", "--all", "--project", project], { home }).code).toBe(0);
    // a project edit, so that pull/sync would have something to write
    const skill = join(project, ".claude", "skills", "internal-comms", "SKILL.md");
    writeFileSync(skill, `${readFileSync(skill, "utf8")}\nlocal edit\n`);
    lockPath = join(home, "collections", "default", "skillsync.lock");
  });

  const corruptions: [string, (text: string) => string, RegExp][] = [
    [
      "a TOML syntax error",
      (t) => t.replace("[[artifact]]", "[[artifact]"),
      /skillsync\.lock:\d+: lock file is not valid TOML/,
    ],
    [
      "a field of the wrong type",
      (t) => t.replace(/^sha = .*$/m, "sha = 12"),
      /skillsync\.lock:\d+: lock file: \[\[artifact\]\] #1 field 'sha'/,
    ],
    [
      "a hostile name",
      (t) => t.replace(/^name = .*$/m, 'name = "../../escape"'),
      /skillsync\.lock:\d+: .*name/,
    ],
  ];
  const commands: string[][] = [
    ["status"],
    ["deploy", "--all"],
    ["sync"],
    ["pull", "--all"],
    ["push", "--all"],
    ["list"],
    ["show", "internal-comms"],
  ];

  for (const [what, corrupt, message] of corruptions)
    it(`with ${what}: every command reports it with file and line, exit 2, nothing changed`, () => {
      const good = readFileSync(lockPath, "utf8");
      writeFileSync(lockPath, corrupt(good));
      try {
        const before = snapshotTree(root);
        for (const args of commands) {
          const full = ["list", "show"].includes(args[0]!) ? args : [...args, "--project", project];
          const r = runCli(full, { home });
          expect(r.code, `${full.join(" ")}: ${r.stdout}${r.stderr}`).toBe(2);
          expect(r.stderr, full.join(" ")).toMatch(message);
          expect(r.stderr.trim().split("\n"), `${full.join(" ")}: one line`).toHaveLength(1);
          // everything, state.db included, is byte-identical
          expect(diffSnapshots(before, snapshotTree(root)), full.join(" ")).toEqual([]);
        }
      } finally {
        writeFileSync(lockPath, good);
      }
      expect(runCli(["status", "--project", project], { home }).code).toBe(1);
    });
});

describe("temp leftovers of single-file writes", () => {
  /** A pid that named a process which has exited (so its temps are leftovers, not live writes). */
  function deadPid(): number {
    const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    return Number(r.stdout);
  }

  it("removes a config.toml temp left by a write killed mid-way (fault injection) and hand-made ones", () => {
    const home = tempDir().path;
    expect(runCli(["config", "set", "daemon.port", "7100"], { home }).code).toBe(0);
    const config = readFileSync(join(home, "config.toml"), "utf8");
    const temps = () => readdirSync(home).filter((n) => n.includes(TEMP_MARKER));
    // kill the write at its first fault point that leaves the temp behind (after the temp's write)
    for (let at = 1; at <= 8 && temps().length === 0; at++) {
      const killed = runCli(["config", "set", "daemon.port", "7200"], {
        home,
        env: { SKILLSYNC_FAULT: `at=${at},action=kill` },
      });
      expect(killed.signal).toBe("SIGKILL");
    }
    expect(temps().length).toBe(1);
    const pid = deadPid();
    for (const f of ["credentials.toml", "daemon.json", "daemon.token"])
      writeFileSync(join(home, `.${f}${TEMP_MARKER}${pid}-0123456789ab`), "half written");
    writeFileSync(join(home, "credentials.toml"), 'version = 1\n[remotes.team]\ntoken = "t"\n', {
      mode: 0o600,
    });
    expect(temps().length).toBe(4);
    expect(temps().some((n) => n.startsWith(".config.toml"))).toBe(true);

    const r = runCli(["config", "get", "daemon.port"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("7100");
    expect(temps()).toEqual([]);
    expect(readFileSync(join(home, "config.toml"), "utf8")).toBe(config);
    expect(readFileSync(join(home, "credentials.toml"), "utf8")).toContain('token = "t"');
  });

  it("keeps the temps of a write still in flight (its process alive)", () => {
    const home = tempDir().path;
    mkdirSync(home, { recursive: true });
    const live = join(home, `.config.toml${TEMP_MARKER}${process.pid}-0123456789ab`);
    writeFileSync(live, "in flight");
    expect(runCli(["config", "show"], { home }).code).toBe(0);
    expect(existsSync(live)).toBe(true);
  });
});

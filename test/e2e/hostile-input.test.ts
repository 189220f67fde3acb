/**
 * Issue 14 point 4: names and paths that arrive from a hub, a git repository, a lock file or a
 * deployment record are validated before any path is built from them. Each case tries one attack
 * through the built CLI and checks that the command fails with the documented exit code (3 for a
 * hub, 2 for local files) and that nothing under the test's temp root changed (the whole tree is
 * snapshotted before and after: home, collection, project, and the folders around them).
 *
 * The hostile hub is a small node:http server on 127.0.0.1 port 0 that speaks just enough of the
 * hub API (docs/hub-api.md) to hand out one crafted change and artifact.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliAsync } from "../helpers/cli.js";
import { copyFixtures } from "../helpers/fixtures.js";
import { commitAll, initRepo } from "../helpers/git.js";
import { requireBuild } from "../helpers/paths.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";
import { diffSnapshots, snapshotTree } from "../helpers/tree.js";

interface WireFile {
  path: string;
  mode: "644" | "755";
  data: string;
}
interface Scenario {
  changes: { owner: string; kind: string; name: string; op: "put" | "delete" }[];
  /** Files of every artifact the hub hands out. */
  files: WireFile[];
  /** Overrides of the artifact answer (e.g. another name than asked). */
  answer?: Record<string, unknown>;
}

const NOW = "2026-12-01T00:00:00Z";
/** An absolute path outside the temp root that a hostile hub names; it must never appear. */
const OUTSIDE = `/tmp/skillsync-hostile-${process.pid}-pwned.txt`;
const b64 = (s: string) => Buffer.from(s).toString("base64");
const skillMd = (name: string) => `---\nname: ${name}\ndescription: hostile test skill\n---\n# ${name}\n`;

let scenario: Scenario = { changes: [], files: [] };
let server: Server;
let hubUrl = "";

function startHostileHub(): Promise<void> {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/api/v1/me")
      return send(200, {
        user: { name: "alice", created_at: NOW },
        teams: [],
        token: { id: "t1", created_at: NOW, expires_at: null },
      });
    if (url.pathname === "/api/v1/changes") {
      // every scenario's changes, whatever cursor the client stored (a refused page stores none)
      const after = Number(url.searchParams.get("after") ?? 0);
      const changes = scenario.changes.map((c, i) => ({
        ...c,
        cursor: i + 1,
        revision: 1,
        version: "1.0.0",
        tree_hash: "a".repeat(64),
        at: NOW,
      }));
      return send(200, { changes, cursor: after + scenario.changes.length, more: false });
    }
    const m = /^\/api\/v1\/artifacts\/([^/]+)\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (m && req.method === "GET") {
      const [owner, kind, name] = [m[1]!, m[2]!, m[3]!].map(decodeURIComponent);
      return send(200, {
        owner,
        kind,
        name,
        version: "1.0.0",
        tree_hash: createHash("sha256").update("x").digest("hex"),
        revision: 1,
        created_at: NOW,
        updated_at: NOW,
        updated_by: "mallory",
        files: scenario.files,
        ...scenario.answer,
      });
    }
    send(404, { error: { code: "not_found", message: "no such route" } });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

let root: string;
let home: string;
let project: string;

beforeAll(async () => {
  requireBuild();
  await startHostileHub();
  root = tempDir("skillsync-hostile-").path;
  home = join(root, "home");
  project = join(root, "project");
  mkdirSync(project);
  const src = copyFixtures(join(root, "src"), { only: ["internal-comms"] });
  const run = async (args: string[]) => {
    const r = await runCliAsync(args, { home });
    expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
  };
  await run(["init"]);
  await run(["add", src]);
  await run(["deploy", "--all", "--project", project]);
  await run(["remote", "add", "evil", hubUrl]);
  await run(["login", "evil", "--token", "secret-token"]);
}, 60_000);

afterAll(async () => {
  await new Promise((r) => server.close(r));
  cleanupTempDirs();
});

/**
 * Everything under the temp root except `state.db` (skillsync's own cache database: schema
 * creation and the status cache may touch it; it holds no user data and no path is built from it
 * here) and the git cache (clones of the test's repositories).
 */
const snap = () =>
  snapshotTree(root, { ignore: (p) => p.startsWith("home/state.db") || p.startsWith("home/cache/") });

/** Runs `args`, expects exit `code` and a message matching `message`, and no change under root. */
async function expectRefused(args: string[], code: number, message: RegExp): Promise<void> {
  const before = snap();
  const r = await runCliAsync(args, { home });
  expect(r.code, `${args.join(" ")}: ${r.stdout}${r.stderr}`).toBe(code);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split("\n"), "one error line").toHaveLength(1);
  expect(diffSnapshots(before, snap()), args.join(" ")).toEqual([]);
  expect(existsSync(OUTSIDE), `${OUTSIDE} must not be written`).toBe(false);
}

const okSkill = (name: string): WireFile[] => [{ path: "SKILL.md", mode: "644", data: b64(skillMd(name)) }];

describe("a hostile hub", () => {
  const nameCases: [string, Scenario["changes"]][] = [
    ["a name with '..'", [{ owner: "alice", kind: "skill", name: "../../escape", op: "put" }]],
    ["a name with a backslash", [{ owner: "alice", kind: "command", name: "..\\..\\escape", op: "put" }]],
    ["an absolute name", [{ owner: "alice", kind: "command", name: "/etc/passwd", op: "put" }]],
    ["a name with NUL", [{ owner: "alice", kind: "command", name: "ok\u0000.md", op: "put" }]],
    ["an over-long name", [{ owner: "alice", kind: "command", name: "x".repeat(300), op: "put" }]],
    ["a '..' delete", [{ owner: "alice", kind: "skill", name: "..", op: "delete" }]],
    ["an owner with '/'", [{ owner: "../alice", kind: "skill", name: "fine", op: "put" }]],
    [
      "two names differing only in case",
      [
        { owner: "alice", kind: "command", name: "Deploy", op: "put" },
        { owner: "alice", kind: "command", name: "deploy", op: "put" },
      ],
    ],
  ];
  for (const [what, changes] of nameCases)
    it(`answering ${what} is refused with exit 3, nothing written`, async () => {
      scenario = { changes, files: okSkill("fine") };
      await expectRefused(["fetch", "--remote", "evil"], 3, /hub .* refuses/);
    });

  const pathCases: [string, WireFile[]][] = [
    ["a '..' path", [...okSkill("fine"), { path: "../../outside.txt", mode: "644", data: b64("pwned") }]],
    [
      "a path deep with '..'",
      [...okSkill("fine"), { path: "scripts/../../../x.sh", mode: "755", data: b64("pwned") }],
    ],
    ["an absolute path", [...okSkill("fine"), { path: OUTSIDE, mode: "644", data: b64("pwned") }]],
    [
      "a backslash path",
      [...okSkill("fine"), { path: "..\\..\\pwned.txt", mode: "644", data: b64("pwned") }],
    ],
    ["a NUL in a path", [...okSkill("fine"), { path: "a\u0000b.txt", mode: "644", data: b64("pwned") }]],
    [
      "an over-long segment",
      [...okSkill("fine"), { path: `${"y".repeat(300)}.txt`, mode: "644", data: b64("x") }],
    ],
    [
      "paths differing only in case",
      [...okSkill("fine"), { path: "skill.md", mode: "644", data: b64("twin") }],
    ],
  ];
  for (const [what, files] of pathCases)
    it(`sending ${what} in an artifact is refused with exit 3, nothing written`, async () => {
      scenario = { changes: [{ owner: "alice", kind: "skill", name: "fine", op: "put" }], files };
      await expectRefused(["fetch", "--remote", "evil"], 3, /hub .* refuses/);
    });

  it("answering another artifact than asked is refused", async () => {
    scenario = {
      changes: [{ owner: "alice", kind: "skill", name: "fine", op: "put" }],
      files: okSkill("internal-comms"),
      answer: { name: "internal-comms" },
    };
    await expectRefused(["fetch", "--remote", "evil"], 3, /instead of skill\/fine/);
  });

  it("a well-formed answer is fetched (the fake hub is not refused for being fake)", async () => {
    scenario = {
      changes: [{ owner: "alice", kind: "skill", name: "fine", op: "put" }],
      files: okSkill("fine"),
    };
    const r = await runCliAsync(["fetch", "--remote", "evil"], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(home, "collections", "default", "skills", "fine", "SKILL.md"), "utf8")).toBe(
      skillMd("fine"),
    );
  });
});

describe("hand-edited local files", () => {
  const lockPath = () => join(home, "collections", "default", "skillsync.lock");
  const recordPath = () => join(project, ".claude", ".skillsync-deployed.toml");

  const edits: [string, () => string, (t: string) => string][] = [
    [
      "lock file: '..' name",
      lockPath,
      (t) => t.replace('name = "internal-comms"', 'name = "../../../escape"'),
    ],
    [
      "lock file: absolute name",
      lockPath,
      (t) => t.replace('name = "internal-comms"', 'name = "/tmp/escape"'),
    ],
    ["lock file: NUL in name", lockPath, (t) => t.replace('name = "internal-comms"', 'name = "a\\u0000b"')],
    [
      "lock file: names differing only in case",
      lockPath,
      (t) => {
        const block = t.slice(t.indexOf("[[artifact]]"));
        return `${t}\n${block.replace(/name = "([^"]+)"/, 'name = "Internal-Comms"').replace('type = "skill"', 'type = "command"')}\n${block
          .replace(/name = "([^"]+)"/, 'name = "internal-comms"')
          .replace('type = "skill"', 'type = "command"')
          .replace('name = "internal-comms"', 'name = "INTERNAL-COMMS"')}`;
      },
    ],
    ["record: '..' name", recordPath, (t) => t.replace('name = "internal-comms"', 'name = "../../escape"')],
    [
      "record: backslash name",
      recordPath,
      (t) => t.replace('name = "internal-comms"', 'name = "..\\\\escape"'),
    ],
  ];
  for (const [what, file, edit] of edits)
    it(`${what}: status, deploy and pull refuse it with exit 2, nothing changed`, async () => {
      const good = readFileSync(file(), "utf8");
      const bad = edit(good);
      expect(bad).not.toBe(good);
      writeFileSync(file(), bad);
      try {
        for (const args of [["status"], ["deploy", "--all"], ["pull", "--all"], ["sync"]])
          await expectRefused([...args, "--project", project], 2, /skillsync(\.lock|-deployed\.toml):\d+/);
      } finally {
        writeFileSync(file(), good);
      }
    });
});

describe("a git repository with hostile names", () => {
  it("a folder or file whose name is not a valid artifact name is not added, nothing written", async () => {
    const repo = join(root, "repo-hostile");
    mkdirSync(join(repo, "skills", "bad\\name"), { recursive: true });
    writeFileSync(join(repo, "skills", "bad\\name", "SKILL.md"), skillMd("bad\\name"));
    mkdirSync(join(repo, "commands"), { recursive: true });
    writeFileSync(join(repo, "commands", "..md"), "# dots\n");
    initRepo(repo);
    commitAll(repo, "hostile names");
    const before = snap();
    const r = await runCliAsync(["add", `git+file://${repo}`, "--all-or-nothing"], { home });
    expect(r.code, r.stderr).not.toBe(0);
    expect(diffSnapshots(before, snap())).toEqual([]);
  });

  it("two commands whose names differ only in case are refused, nothing written", async () => {
    const repo = join(root, "repo-case");
    mkdirSync(join(repo, "commands"), { recursive: true });
    writeFileSync(join(repo, "commands", "Deploy.md"), "# Deploy\n");
    writeFileSync(join(repo, "commands", "deploy.md"), "# deploy\n");
    initRepo(repo);
    commitAll(repo, "case twins");
    const before = snap();
    const r = await runCliAsync(["add", `git+file://${repo}`], { home });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/differ(s)? only in case/);
    expect(diffSnapshots(before, snap())).toEqual([]);
  });
});

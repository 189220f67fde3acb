/**
 * End to end: `skillsync hub serve` and the hub admin commands through the built binary, on SQLite
 * (always) and PostgreSQL (when SKILLSYNC_TEST_PG is set). Build first: `npm run build`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = path.resolve("dist/cli/main.cjs");
const PG = process.env.SKILLSYNC_TEST_PG || undefined;
let tmp: string;
let home: string;

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: tmp,
    encoding: "utf8",
    env: { ...process.env, SKILLSYNC_HOME: home, HOME: tmp, NO_COLOR: "1" },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `hub serve --port 0` and resolves with the URL it prints. */
function serve(...args: string[]): Promise<{ url: string; proc: ChildProcess; output: () => string }> {
  const proc = spawn(process.execPath, [BIN, "hub", "serve", "--port", "0", ...args], {
    cwd: tmp,
    env: { ...process.env, SKILLSYNC_HOME: home, HOME: tmp, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start: ${out}`)), 15_000);
    proc.on("exit", (code) => reject(new Error(`hub exited ${code}: ${out}`)));
    proc.stdout!.on("data", () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, proc, output: () => out });
      }
    });
  });
}

function stop(proc: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    proc.removeAllListeners("exit");
    proc.on("exit", (code) => resolve(code));
    proc.kill(signal);
  });
}

beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing; run 'npm run build' first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-hub-e2e-"));
  home = path.join(tmp, "home");
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const dbs: { label: string; db: () => string[]; cleanup?: () => Promise<void> }[] = [
  { label: "default SQLite under $SKILLSYNC_HOME", db: () => [] },
];
if (PG) {
  const schema = `skillsync_e2e_${randomBytes(5).toString("hex")}`;
  const url = new URL(PG);
  url.searchParams.set("schema", schema);
  dbs.push({
    label: "PostgreSQL",
    db: () => ["--db", url.toString()],
    cleanup: async () => {
      const pg = (await import("pg")).default;
      const c = new pg.Client({ connectionString: PG });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  });
}

for (const { label, db, cleanup } of dbs) {
  describe(`skillsync hub (binary) on ${label}`, () => {
    afterAll(async () => {
      await cleanup?.();
    });

    it("administers users, teams and tokens, serves the API, and stops cleanly on SIGTERM", async () => {
      expect(cli("hub", "user", "add", "alice", ...db()).code).toBe(0);
      expect(cli("hub", "user", "add", "bob", ...db()).code).toBe(0);
      const dup = cli("hub", "user", "add", "alice", ...db());
      expect([dup.code, dup.stderr]).toEqual([2, expect.stringMatching(/already taken/)]);
      expect(cli("hub", "user", "add", "Not_Valid", ...db()).code).toBe(2);
      expect(cli("hub", "team", "add", "acme", ...db()).code).toBe(0);
      expect(cli("hub", "team", "add-member", "acme", "bob", "--role", "reader", ...db()).code).toBe(0);
      expect(cli("hub", "team", "add-member", "acme", "bob", "--role", "boss", ...db()).code).toBe(2);
      expect(cli("hub", "team", "add-member", "nope", "bob", "--role", "reader", ...db()).code).toBe(2);
      const created = cli("hub", "token", "create", "alice", "--json", ...db());
      expect(created.code).toBe(0);
      const alice = JSON.parse(created.stdout) as { id: string; token: string; expires_at: string | null };
      expect(alice.expires_at).toBeNull();
      const plain = cli("hub", "token", "create", "bob", "--expires-in", "30", ...db());
      expect(plain.code).toBe(0);
      const bobToken = plain.stdout.trim();
      expect(bobToken).toMatch(/^skh_[0-9a-f]{8}_/);
      expect(plain.stderr).toMatch(/expires 20\d\d-/);
      expect(cli("hub", "token", "create", "ghost", ...db()).code).toBe(2);
      const listed = cli("hub", "token", "list", "--json", ...db());
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout).tokens.map((t: { user: string }) => t.user)).toEqual(["alice", "bob"]);
      expect(listed.stdout).not.toContain(alice.token);
      const users = JSON.parse(cli("hub", "user", "list", "--json", ...db()).stdout).users;
      expect(users).toEqual([
        { name: "alice", created_at: expect.any(String), teams: [] },
        { name: "bob", created_at: expect.any(String), teams: [{ name: "acme", role: "reader" }] },
      ]);
      const teams = cli("hub", "team", "list", ...db());
      expect(teams.stdout).toMatch(/acme\s.*bob \(reader\)/);

      const hub = await serve(...db());
      try {
        expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
        const auth = (t: string) => ({ authorization: `Bearer ${t}` });
        const me = await (await fetch(`${hub.url}/api/v1/me`, { headers: auth(bobToken) })).json();
        expect(me).toMatchObject({ user: { name: "bob" }, teams: [{ name: "acme", role: "reader" }] });
        const put = await fetch(`${hub.url}/api/v1/artifacts/alice/skill/pdf`, {
          method: "PUT",
          headers: { ...auth(alice.token), "if-none-match": "*", "content-type": "application/json" },
          body: JSON.stringify({
            files: [{ path: "SKILL.md", data: Buffer.from("# pdf").toString("base64") }],
          }),
        });
        expect(put.status).toBe(201);
        expect(
          (await fetch(`${hub.url}/api/v1/artifacts/alice/skill/pdf`, { headers: auth(bobToken) })).status,
        ).toBe(404);
        // Revoking works against the running server (same database, another process).
        expect(cli("hub", "token", "revoke", alice.id, ...db()).code).toBe(0);
        expect((await fetch(`${hub.url}/api/v1/me`, { headers: auth(alice.token) })).status).toBe(401);
        expect(cli("hub", "token", "revoke", bobToken, ...db()).code).toBe(0);
        expect((await fetch(`${hub.url}/api/v1/me`, { headers: auth(bobToken) })).status).toBe(401);
        const missing = cli("hub", "token", "revoke", "tok_00000000", ...db());
        expect(missing.code).toBe(2);
      } finally {
        const code = await stop(hub.proc);
        expect(code).toBe(0);
        expect(hub.output()).toMatch(/stopped/);
        expect(hub.output()).not.toContain(alice.token);
      }
    });
  });
}

describe("skillsync hub serve (binary) on sqlite:PATH", () => {
  it("keeps its data in the named file", async () => {
    const file = path.join(tmp, "other", "hub.db");
    const db = ["--db", `sqlite:${file}`];
    expect(cli("hub", "user", "add", "carol", ...db).code).toBe(0);
    const token = cli("hub", "token", "create", "carol", ...db).stdout.trim();
    expect(fs.existsSync(file)).toBe(true);
    const hub = await serve(...db);
    try {
      const me = await (
        await fetch(`${hub.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
      ).json();
      expect(me).toMatchObject({ user: { name: "carol" } });
    } finally {
      expect(await stop(hub.proc)).toBe(0);
    }
  });
});

describe("skillsync hub serve (binary): usage errors", () => {
  it("refuses an unknown --db scheme and a bad --port with exit 2", () => {
    const bad = cli("hub", "serve", "--db", "mysql://x");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/sqlite:PATH/);
    expect(cli("hub", "serve", "--port", "99999").code).toBe(2);
  });

  it("says which database it cannot open, exit 3, without the password", () => {
    const r = cli("hub", "serve", "--db", "postgres://hub:s3cret@127.0.0.1:1/nowhere");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("postgres://hub@127.0.0.1:1/nowhere");
    expect(r.stderr).not.toContain("s3cret");
  });

  it("stops on SIGINT as well", async () => {
    const hub = await serve();
    expect(await stop(hub.proc, "SIGINT")).toBe(0);
  });
});

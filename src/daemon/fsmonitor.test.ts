import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FsmonitorResponse, FsmonitorRootAnswer } from "../core/fsmonitor.js";
import { COLLECTION_LAYOUT, PROJECT_PROFILES } from "../core/layout.js";
import { defaultConfig } from "../store/config.js";
import { createClassifier } from "./classify.js";
import {
  Fsmonitor,
  FsmonitorLog,
  networkFileSystem,
  parseFsmonitorRequest,
  type ResolvedRoot,
} from "./fsmonitor.js";
import type { ScanRoot } from "./scan.js";
import { startWatcher, type Watcher } from "./watcher.js";

const temps: string[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

function tmpDir(): string {
  const t = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-fsmon-")));
  temps.push(t);
  return t;
}

const col: ScanRoot = { location: "collection", root: "/c", layout: COLLECTION_LAYOUT };
const proj: ScanRoot = { location: "/p", root: "/p", layout: PROJECT_PROFILES.claude! };
const logged = (r: ScanRoot) => ({ root: r, real: r.root, id: `1:${r.root}` });
const asked = (r: ScanRoot, given = r.root): ResolvedRoot => ({
  given,
  resolved: { real: r.root, id: `1:${r.root}` },
});

function startedLog(backend = "folders"): FsmonitorLog {
  const log = new FsmonitorLog({ instance: "i1" });
  log.watchStarted([logged(col), logged(proj)], backend);
  return log;
}

function reasonOf(a: FsmonitorRootAnswer | undefined): string {
  if (!a?.all) throw new Error(`expected all, got ${JSON.stringify(a)}`);
  return a.reason;
}

describe("FsmonitorLog", () => {
  it("answers all for a null, malformed or other instance's token, and gives a token of this instance", () => {
    const log = startedLog();
    const first = log.answer({ since: null, roots: [asked(col)] });
    expect(first.token).toMatch(/^i1:\d+$/);
    expect(reasonOf(first.roots["/c"])).toMatch(/no token/);
    expect(reasonOf(log.answer({ since: "garbage", roots: [asked(col)] }).roots["/c"])).toMatch(/malformed/);
    expect(reasonOf(log.answer({ since: "i1:999", roots: [asked(col)] }).roots["/c"])).toMatch(/malformed/);
    expect(reasonOf(log.answer({ since: "i0:1", roots: [asked(col)] }).roots["/c"])).toMatch(
      /daemon restarted/,
    );
  });

  it("names exactly the artifact locations changed after the token, under the root as asked", () => {
    const log = startedLog();
    log.observe({ root: col, rel: "skills/old/SKILL.md" });
    const t = log.token();
    log.observe({ root: col, rel: "skills/a/references/x.md" });
    log.observe({ root: col, rel: "skills/a/SKILL.md" });
    log.observe({ root: col, rel: "commands/new.md" });
    log.observe({ root: col, rel: "commands/deeper/x.md" }); // not part of any file-form artifact
    log.observe({ root: proj, rel: "src/index.ts" }); // outside
    log.observe({ root: proj, rel: ".claude/skills/b" });
    const r = log.answer({ since: t, roots: [asked(col, "/c/"), asked(proj)] });
    expect(r.roots["/c/"]).toEqual({ all: false, changed: ["/c/commands/new.md", "/c/skills/a"] });
    expect(r.roots["/p"]).toEqual({ all: false, changed: ["/p/.claude/skills/b"] });
    // nothing since the new token
    expect(log.answer({ since: r.token, roots: [asked(col)] }).roots["/c"]).toEqual({
      all: false,
      changed: [],
    });
    // an unrelated change (outside) does not move the token
    log.observe({ root: proj, rel: "README.md" });
    expect(log.token()).toBe(r.token);
  });

  it("resets only the root whose layout folder (or an ancestor) changed", () => {
    const log = startedLog();
    const t = log.token();
    log.observe({ root: proj, rel: ".claude" });
    log.observe({ root: col, rel: "skills/a/SKILL.md" });
    const r = log.answer({ since: t, roots: [asked(col), asked(proj)] });
    expect(reasonOf(r.roots["/p"])).toMatch(/\.claude itself changed/);
    expect(r.roots["/c"]).toEqual({ all: false, changed: ["/c/skills/a"] });
    // a token taken after the reset is good again
    log.observe({ root: proj, rel: ".claude/commands/x.md" });
    expect(log.answer({ since: r.token, roots: [asked(proj)] }).roots["/p"]).toEqual({
      all: false,
      changed: ["/p/.claude/commands/x.md"],
    });
  });

  it("resets every root on a watcher error and on a watcher restart", () => {
    const log = startedLog();
    const t = log.token();
    log.resetAll("watcher error: ENOSPC");
    const r = log.answer({ since: t, roots: [asked(col), asked(proj)] });
    expect(reasonOf(r.roots["/c"])).toMatch(/ENOSPC/);
    expect(reasonOf(r.roots["/p"])).toMatch(/ENOSPC/);
    log.watchStopped();
    expect(reasonOf(log.answer({ since: r.token, roots: [asked(col)] }).roots["/c"])).toMatch(/not ready/);
    log.watchStarted([logged(col)], "folders");
    expect(reasonOf(log.answer({ since: r.token, roots: [asked(col)] }).roots["/c"])).toMatch(
      /watch started after the token/,
    );
  });

  it("answers all for a root it does not watch, cannot resolve, or whose folder was replaced", () => {
    const log = startedLog();
    const t = log.token();
    const other: ResolvedRoot = { given: "/elsewhere", resolved: { real: "/elsewhere", id: "1:9" } };
    const missing: ResolvedRoot = { given: "/gone", resolved: { error: "cannot resolve /gone: ENOENT" } };
    const replaced: ResolvedRoot = { given: "/c", resolved: { real: "/c", id: "1:other" } };
    const r = log.answer({ since: t, roots: [other, missing] });
    expect(reasonOf(r.roots["/elsewhere"])).toMatch(/not a root the daemon watches/);
    expect(reasonOf(r.roots["/gone"])).toMatch(/ENOENT/);
    expect(reasonOf(log.answer({ since: t, roots: [replaced] }).roots["/c"])).toMatch(/replaced/);
  });

  it("answers all with the chokidar backend and when the barrier failed", () => {
    const log = startedLog("chokidar");
    expect(reasonOf(log.answer({ since: log.token(), roots: [asked(col)] }).roots["/c"])).toMatch(/chokidar/);
    const exact = startedLog();
    const r = exact.answer({
      since: exact.token(),
      roots: [asked(col)],
      barrierFailure: "barrier timed out",
    });
    expect(reasonOf(r.roots["/c"])).toBe("barrier timed out");
  });
});

describe("parseFsmonitorRequest", () => {
  it("accepts {roots, since} and refuses anything else with one error line", () => {
    expect(parseFsmonitorRequest({ roots: ["/a"], since: null })).toEqual({
      ok: true,
      request: { roots: ["/a"], since: null },
    });
    for (const bad of [
      {},
      { roots: "/a", since: null },
      { roots: ["relative/path"], since: null },
      { roots: ["/a"], since: 3 },
      { roots: ["/a"], since: null, extra: 1 },
    ]) {
      const r = parseFsmonitorRequest(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/^invalid fsmonitor request: .*\n?$/);
    }
    const rel = parseFsmonitorRequest({ roots: ["relative/path"], since: null });
    expect(!rel.ok && rel.error).toMatch(/roots\.0: must be an absolute path/);
  });
});

interface Live {
  fsm: Fsmonitor;
  col: string;
  proj: string;
  query(since: string | null, roots?: string[]): Promise<FsmonitorResponse>;
}

/** A temp collection and project under the real `folders` watcher feeding a real Fsmonitor. */
async function live(): Promise<Live> {
  const tmp = tmpDir();
  const c = path.join(tmp, "col");
  const p = path.join(tmp, "proj");
  const write = (f: string, text = "x\n") => {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
  };
  for (const s of ["a", "b", "c", "d"]) write(path.join(c, "skills", s, "SKILL.md"), `${s}\n`);
  write(path.join(c, "skills", "a", "references", "x.md"));
  write(path.join(c, "commands", "old.md"));
  write(path.join(c, "skills", "d", ".tmp", "cache.txt")); // an excluded folder, inside a skill
  write(path.join(p, ".claude", "skills", "a", "SKILL.md"));
  write(path.join(p, "src", "index.ts"));
  const roots: ScanRoot[] = [
    { location: "collection", root: c, layout: COLLECTION_LAYOUT },
    { location: p, root: p, layout: PROJECT_PROFILES.claude! },
  ];
  const fsm = new Fsmonitor({ cookieDir: path.join(tmp, "home", "fsmonitor"), orderedEvents: true });
  closers.push(() => fsm.close());
  const daemon = defaultConfig().daemon;
  const w: Watcher = await startWatcher({
    roots,
    classifier: createClassifier(daemon),
    triggerPatterns: daemon.triggers.map((t) => t.pattern),
    onChange: () => {},
    onObserved: (ch) => fsm.observe(ch),
    onError: (e) => fsm.watcherError(e),
    backend: "folders",
  });
  closers.push(() => w.close());
  await w.ready;
  fsm.watchStarted(roots, "folders");
  return { fsm, col: c, proj: p, query: (since, r = [c, p]) => fsm.query({ roots: r, since }) };
}

describe("Fsmonitor with the real folders watcher", () => {
  it("names exactly the changed artifacts right after the edits (the cookie barrier), then nothing", async () => {
    const { col: c, proj: p, query } = await live();
    const first = await query(null);
    expect(first.roots[c]).toMatchObject({ all: true });

    // no sleep between these edits and the request: the barrier must make it see all of them
    fs.appendFileSync(path.join(c, "skills", "a", "references", "x.md"), "edit\n"); // deep edit
    fs.writeFileSync(path.join(c, "commands", "new.md"), "new\n"); // new command
    fs.mkdirSync(path.join(c, "skills", "b", "scripts")); // new sub-folder…
    fs.writeFileSync(path.join(c, "skills", "b", "scripts", "run.sh"), "echo\n"); // …with a file
    fs.rmSync(path.join(c, "skills", "c"), { recursive: true }); // skill removed
    fs.writeFileSync(path.join(c, "skills", "d", "trace.log"), "x\n"); // excluded, still the tree
    fs.writeFileSync(path.join(p, "src", "index.ts"), "y\n"); // not an artifact
    fs.writeFileSync(path.join(p, ".claude", "skills", "a", ".f.skillsync-tmp-1"), "t"); // temp file
    const second = await query(first.token);
    expect(second.roots[c]).toEqual({
      all: false,
      changed: [
        path.join(c, "commands", "new.md"),
        path.join(c, "skills", "a"),
        path.join(c, "skills", "b"),
        path.join(c, "skills", "c"),
        path.join(c, "skills", "d"),
      ].sort(),
    });
    expect(second.roots[p]).toEqual({ all: false, changed: [] });

    // the new sub-folder is watched by the time of the answer; so is an excluded folder in a skill
    fs.writeFileSync(path.join(c, "skills", "b", "scripts", "run.sh"), "echo 2\n");
    fs.appendFileSync(path.join(c, "skills", "d", ".tmp", "cache.txt"), "more\n");
    const third = await query(second.token);
    expect(third.roots[c]).toEqual({
      all: false,
      changed: [path.join(c, "skills", "b"), path.join(c, "skills", "d")],
    });

    // nothing changed: nothing named
    const fourth = await query(third.token);
    expect(fourth.roots[c]).toEqual({ all: false, changed: [] });
    expect(fourth.roots[p]).toEqual({ all: false, changed: [] });
  });

  it("keeps hearing a skill folder replaced under the same name (atomic replace)", async () => {
    const { col: c, query } = await live();
    const t0 = (await query(null)).token;
    const a = path.join(c, "skills", "a");
    const staged = path.join(c, "skills", ".a.skillsync-tmp-1");
    fs.cpSync(a, staged, { recursive: true });
    fs.renameSync(a, path.join(c, "skills", ".a.skillsync-tmp-old"));
    fs.renameSync(staged, a);
    fs.rmSync(path.join(c, "skills", ".a.skillsync-tmp-old"), { recursive: true });
    const r1 = await query(t0);
    expect(r1.roots[c]).toEqual({ all: false, changed: [a] });
    fs.appendFileSync(path.join(a, "references", "x.md"), "after the replace\n");
    const r2 = await query(r1.token);
    expect(r2.roots[c]).toEqual({ all: false, changed: [a] });
  });

  it("resolves a root given with a trailing slash or through a symlink, keyed and based as asked", async () => {
    const { col: c, query } = await live();
    const link = path.join(path.dirname(c), "col-link");
    fs.symlinkSync(c, link);
    const t0 = (await query(null)).token;
    fs.appendFileSync(path.join(c, "skills", "a", "SKILL.md"), "edit\n");
    const r = await query(t0, [`${c}/`, link, path.join(path.dirname(c), "nowhere")]);
    expect(r.roots[`${c}/`]).toEqual({ all: false, changed: [path.join(c, "skills", "a")] });
    expect(r.roots[link]).toEqual({ all: false, changed: [path.join(link, "skills", "a")] });
    expect(r.roots[path.join(path.dirname(c), "nowhere")]).toMatchObject({ all: true });
  });

  it("answers all when the cookie cannot be written (barrier failed)", async () => {
    const tmp = tmpDir();
    fs.writeFileSync(path.join(tmp, "file"), "");
    const fsm = new Fsmonitor({ cookieDir: path.join(tmp, "file", "fsmonitor"), orderedEvents: true });
    closers.push(() => fsm.close());
    const root: ScanRoot = { location: "collection", root: tmp, layout: COLLECTION_LAYOUT };
    fsm.watchStarted([root], "folders");
    const t = fsm.log.token();
    const r = await fsm.query({ roots: [tmp], since: t });
    expect(reasonOf(r.roots[tmp])).toMatch(/cookie/);
  });
});

describe("networkFileSystem", () => {
  it("names network mounts by their statfs type on Linux, and nothing elsewhere", () => {
    const nfs = () => ({ type: 0x6969 });
    expect(networkFileSystem("/mnt/share", "linux", nfs)).toBe("nfs");
    expect(networkFileSystem("/mnt/share", "linux", () => ({ type: 0xff534d42 }))).toBe("cifs");
    expect(networkFileSystem("/home/me", "linux", () => ({ type: 0xef53 }))).toBeUndefined(); // ext4
    expect(networkFileSystem("/mnt/share", "darwin", nfs)).toBeUndefined();
    expect(
      networkFileSystem("/gone", "linux", () => {
        throw new Error("ENOENT");
      }),
    ).toBeUndefined();
  });
});

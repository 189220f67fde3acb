/**
 * Pins the layering of DESIGN.md and docs/architecture.md: `src/core` is pure (no file system,
 * processes, network, clock or environment), the web bundle imports nothing from Node, layers import
 * only downwards, SQL lives only in the store modules, files are written only by `store/fs`, user
 * errors are `SkillsyncError`s, the web UI and the daemon share one API contract, the published
 * build holds no test support, and no source file outgrows 700 lines.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "..", "src");
const DIST = join(import.meta.dirname, "..", "dist");

function files(dir: string, ext = /\.(ts|tsx)$/): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return files(p, ext);
    return ext.test(d.name) && !/\.test\.tsx?$/.test(d.name) ? [p] : [];
  });
}

/** `src/`-relative path with `/` separators. */
function rel(file: string): string {
  return relative(SRC, file).split(/[\\/]/).join("/");
}

/** The file's text without comments (so prose in doc comments is not matched as code). */
function code(file: string): string {
  return readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
    ),
  ].map((m) => (m[1] ?? m[2])!);
}

const LAYERS = ["core", "store", "sync", "codex", "mcp", "daemon", "hub", "web", "cli"] as const;
/** What each layer may import (besides itself). */
const ALLOWED: Record<(typeof LAYERS)[number], string[]> = {
  core: [],
  store: ["core"],
  sync: ["core", "store"],
  codex: ["core", "store", "sync"],
  mcp: ["core", "store", "sync", "codex"],
  hub: ["core", "store", "sync"],
  // daemon may import web/api-types.ts: the types of its HTTP API, the contract with the web UI.
  daemon: ["core", "store", "sync", "codex", "web"],
  web: ["core"],
  cli: ["core", "store", "sync", "codex", "mcp", "daemon", "hub", "web"],
};

describe("architecture", () => {
  it("src/core does no I/O and reads no clock, process or environment", () => {
    const offenders: string[] = [];
    for (const f of files(join(SRC, "core"))) {
      const text = readFileSync(f, "utf8");
      for (const spec of imports(f))
        if (/^(node:)?(fs|fs\/promises|child_process|net|http|https|os|dgram|worker_threads)$/.test(spec))
          offenders.push(`${relative(SRC, f)} imports ${spec}`);
      if (/process\.(env|cwd|exit)|Date\.now\(\)|new Date\(\)/.test(text))
        offenders.push(`${relative(SRC, f)} reads the clock or process`);
    }
    expect(offenders).toEqual([]);
  });

  it("the web bundle imports nothing from Node", () => {
    const offenders = files(join(SRC, "web")).flatMap((f) =>
      imports(f)
        .filter((s) => s.startsWith("node:") || /^(fs|path|os|child_process|crypto|http)$/.test(s))
        .map((s) => `${relative(SRC, f)} imports ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it("layers import only downwards", () => {
    const offenders: string[] = [];
    for (const layer of LAYERS) {
      let list: string[];
      try {
        list = files(join(SRC, layer));
      } catch {
        continue;
      }
      for (const f of list)
        for (const spec of imports(f)) {
          if (!spec.startsWith(".")) continue;
          const target = relative(SRC, join(f, "..", spec)).split(/[\\/]/)[0]!;
          if (target === layer || !(LAYERS as readonly string[]).includes(target)) continue;
          if (!ALLOWED[layer].includes(target)) offenders.push(`${relative(SRC, f)} → ${spec}`);
        }
    }
    expect(offenders).toEqual([]);
  });

  it("runs SQL only in the store modules (src/store/, src/hub/store/)", () => {
    const SQL =
      /\.(prepare|pragma)\(|\b(SELECT\s+[\w*(]|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)|DROP\s+(TABLE|SCHEMA)|ALTER\s+TABLE|LISTEN\s+\w|NOTIFY\s+\w)\b/;
    const offenders = files(SRC)
      .filter((f) => !/^(store|hub\/store)\//.test(rel(f)) && !rel(f).startsWith("web/"))
      .filter((f) => SQL.test(code(f)))
      .map(rel);
    expect(offenders).toEqual([]);
  });

  /**
   * Who may write, rename or remove files or make folders besides `store/fs.ts` (the one writer of
   * user data: temp + fsync + rename). Each entry names the calls it makes and why.
   */
  const FILE_WRITERS: Record<string, string> = {
    "daemon/log.ts": "appends to and rotates the daemon's own log files",
    "daemon/fsmonitor.ts": "creates and removes the fsmonitor's cookie files (a barrier, no data)",
    "daemon/instance.ts": "makes the locks folder before taking the daemon lock",
    "store/lock.ts": "makes the locks folder for proper-lockfile",
    "store/state-db.ts": "makes $SKILLSYNC_HOME before SQLite opens state.db",
    "hub/store/sqlite.ts": "makes the hub database's folder before SQLite opens it",
    "cli/commands/quickstart.ts": "makes the demo's temp folder (mkdtemp); its files go through store/fs",
  };

  it("writes files only through src/store/fs.ts (and the named log/cookie/folder writers)", () => {
    const WRITE =
      /\b(writeFile|writeFileSync|appendFile|appendFileSync|createWriteStream|rename|renameSync|rm|rmSync|rmdir|rmdirSync|unlink|unlinkSync|copyFile|copyFileSync|cp|cpSync|symlink|symlinkSync|link|linkSync|truncate|truncateSync|ftruncate|ftruncateSync|writeSync|chmod|chmodSync|utimes|utimesSync|mkdir|mkdirSync|mkdtemp|mkdtempSync)\s*\(/;
    const offenders: string[] = [];
    for (const f of files(SRC)) {
      const r = rel(f);
      if (r === "store/fs.ts" || r.startsWith("web/") || FILE_WRITERS[r]) continue;
      const text = code(f);
      if (!imports(f).some((s) => /^(node:)?fs(\/promises)?$/.test(s))) continue;
      const m = WRITE.exec(text);
      if (m) offenders.push(`${r}: ${m[1]}(`);
    }
    expect(offenders).toEqual([]);
    // the allowlist names only files that still need it
    for (const r of Object.keys(FILE_WRITERS)) expect(WRITE.test(code(join(SRC, r))), r).toBe(true);
  });

  /**
   * `new Error(` that never reaches a user as such: invariants (a bug if thrown) and errors that are
   * caught inside the module and turned into a message, log line or SkillsyncError. Counts are pinned.
   */
  const INTERNAL_ERRORS: Record<string, { count: number; why: string }> = {
    "core/diff.ts": { count: 1, why: "invariant of the diff algorithm" },
    "core/layout.ts": { count: 1, why: "invariant: callers ask only for kinds the layout places" },
    "daemon/fsmonitor.ts": { count: 1, why: "module-load invariant on cookie names" },
    "daemon/watcher.ts": { count: 3, why: "handed to onError, which logs them" },
    "hub/store/postgres.ts": {
      count: 1,
      why: "invariant: scopedRead inlines only safe integers (a bug if not)",
    },
    "hub/store/sqlite.ts": { count: 1, why: "use of a closed store: a bug in the caller" },
    "sync/fsmonitor-client.ts": { count: 2, why: "caught: becomes the reason the monitor is not used" },
    "sync/hub-client.ts": { count: 2, why: "caught: URL check and idle-stream abort reason" },
  };

  it("throws SkillsyncError for user-facing failures (no bare new Error outside the named internal ones)", () => {
    const found: Record<string, number> = {};
    for (const f of files(SRC)) {
      if (rel(f).startsWith("web/")) continue; // browser code: its errors are shown by the UI
      const n = [...code(f).matchAll(/\bnew (Error|TypeError|RangeError)\(/g)].length;
      if (n > 0) found[rel(f)] = n;
    }
    expect(found).toEqual(Object.fromEntries(Object.entries(INTERNAL_ERRORS).map(([f, e]) => [f, e.count])));
  });

  it("the web UI and the daemon share their API types from one contract module (src/web/api-types.ts)", () => {
    const CONTRACT = "web/api-types.ts";
    const contract = readFileSync(join(SRC, CONTRACT), "utf8");
    const names = [...contract.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(10);
    expect(contract).not.toMatch(/^import /m); // types only, depends on nothing
    const offenders: string[] = [];
    for (const f of files(join(SRC, "daemon"))) {
      const text = readFileSync(f, "utf8");
      // the daemon reaches into web/ only for the contract, and only for types
      for (const m of text.matchAll(/^(import|export)(\s+type)?[^;]*?from\s*["']([^"']*\/web\/[^"']*)["']/gm))
        if (!m[3]!.endsWith("/web/api-types.js") || !m[2])
          offenders.push(`${rel(f)} imports ${m[3]} (${m[0]})`);
      // and does not declare a second copy of a contract shape
      for (const n of names)
        if (new RegExp(`^(export )?(interface|type) ${n}\\b`, "m").test(text))
          offenders.push(`${rel(f)} redeclares ${n}`);
    }
    for (const f of files(join(SRC, "web")))
      if (rel(f) !== CONTRACT)
        for (const n of names)
          if (new RegExp(`^(export )?(interface|type) ${n}\\b`, "m").test(readFileSync(f, "utf8")))
            offenders.push(`${rel(f)} redeclares ${n}`);
    expect(offenders).toEqual([]);
    // the web UI talks to the daemon through typed calls whose shapes come from the contract
    expect(imports(join(SRC, "web", "api.ts"))).toContain("./api-types.js");
    expect(
      imports(join(SRC, "daemon", "ui-api.ts")).filter((s) => s.endsWith("/web/api-types.js")),
    ).toHaveLength(1);
  });

  it("ships no test support: nothing the build compiles imports vitest or test helpers", () => {
    const build = JSON.parse(readFileSync(join(SRC, "..", "tsconfig.build.json"), "utf8")) as {
      exclude: string[];
    };
    expect(build.exclude).toEqual(expect.arrayContaining(["src/**/*.test.ts"]));
    const offenders = files(SRC)
      .filter((f) => !rel(f).startsWith("web/"))
      .flatMap((f) =>
        imports(f)
          .filter((s) => /^vitest(\/|$)|^@vitest\/|\/test\/helpers\//.test(s))
          .map((s) => `${rel(f)} imports ${s}`),
      );
    expect(offenders).toEqual([]);
  });

  it.skipIf(!existsSync(DIST))("dist/ holds no file that imports vitest (run after npm run build)", () => {
    const offenders = files(DIST, /\.(js|mjs|cjs)$/)
      .filter((f) =>
        /(from\s*|import\(\s*|require\(\s*)["'](vitest|@vitest\/[^"']+)["']/.test(readFileSync(f, "utf8")),
      )
      .map((f) => relative(DIST, f));
    expect(offenders).toEqual([]);
  });

  it("has no source file over 700 lines", () => {
    const over = files(SRC)
      .map((f) => ({ f: rel(f), n: readFileSync(f, "utf8").split("\n").length }))
      .filter((x) => x.n > 700)
      .map((x) => `${x.f}: ${x.n} lines`);
    expect(over).toEqual([]);
  });

  /**
   * Issue 12: each pure sync helper is declared once, in `core/` (re-exports are not declarations).
   * The tree hash of in-memory files is `treeHashOfFiles`; nothing else maps files to manifest entries.
   */
  it("declares each pure sync rule once, in core/", () => {
    const declaration = (name: string) =>
      new RegExp(`(?:^|\\n)\\s*(?:export\\s+)?(?:interface\\s+${name}\\b|type\\s+${name}\\s*=)`);
    const decl: Record<string, RegExp> = {
      "core/sync-result.ts": declaration("SyncResult"),
      "core/tree-hash.ts": declaration("TreeFile"),
      "core/version.ts": /\bfunction\s+versionOfFiles\b/,
      "core/preserve.ts": /\bfunction\s+withPreserved\b/,
      "core/fork.ts": /\bfunction\s+forkFiles\b/,
      "core/tree-diff.ts": /\bfunction\s+diffTrees\b/,
      "core/resolve.ts": /\bfunction\s+resolveArtifact\b/,
      "core/plan.ts": /\bfunction\s+planArtifact\b/,
    };
    const texts = files(SRC).map((f) => ({ f: rel(f), text: code(f) }));
    for (const [owner, re] of Object.entries(decl)) {
      const where = texts.filter((t) => re.test(t.text)).map((t) => t.f);
      expect(where, String(re)).toEqual([owner]);
    }
    // "tree hash of files in memory": sha256 of each file's bytes into manifest entries
    const hashers = texts
      .filter((t) => /(?:sha:\s*|const\s+sha\s*=\s*)sha256Hex\(\s*\w+\.data\s*\)/.test(t.text))
      .map((t) => t.f)
      .sort();
    // the two stores hash each blob as they store it (with its size, for the hub)
    expect(hashers).toEqual(["core/tree-hash.ts", "hub/store/sql-artifacts.ts", "store/object-store.ts"]);
  });
});

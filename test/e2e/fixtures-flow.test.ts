/**
 * End to end on the 12 real fixture skills (issue 2 "Tests", issue 3 "Operations"), driving the built
 * binary: add, deploy, drift status after edits on each side, byte-exact deployment, idempotent
 * re-deploy, refusals, undeploy, bad input (exit 2, one line naming the file, nothing changed), then
 * pull / push / sync with merge, conflicts, auto-resolve, preview, fork, overwrite, rollback and a
 * preserved `## Memory` section.
 *
 * The `it` blocks of each `describe` run in order and share one home and project.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, parseJsonOutput, runCli } from "../helpers/cli.js";
import { copyFixtures, fixtureSkillNames } from "../helpers/fixtures.js";
import { requireBuild } from "../helpers/paths.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";
import { diffSnapshots, snapshotTree, type TreeSnapshot, treeHashOf } from "../helpers/tree.js";

interface StatusRow {
  name: string;
  type: string;
  drift_type: string;
  drift_side: string | null;
  collection_sha: string | null;
  project_sha: string | null;
  base_sha: string | null;
  recommendation: string | null;
}
interface StatusReport {
  drift_detected: boolean;
  drift_count: number;
  artifacts: StatusRow[];
}
interface SyncResult {
  artifact_name: string;
  success: boolean;
  direction: string;
  strategy_used: string;
  conflicts_remaining: number;
  new_hash: string | null;
  snapshot_id: string | null;
  error: string | null;
}

function explain(r: CliResult): string {
  return `exit ${r.code}\nstdout: ${r.stdout.slice(0, 3000)}\nstderr: ${r.stderr}`;
}

/** A home, a collection and a project, with shorthands to run the CLI on them. */
class World {
  readonly home: string;
  readonly project: string;
  readonly collection: string;
  constructor(
    readonly root: string,
    projectName = "project",
  ) {
    this.home = join(root, "home");
    this.project = join(root, projectName);
    this.collection = join(this.home, "collections", "default");
    mkdirSync(this.project, { recursive: true });
  }
  run(args: string[]): CliResult {
    return runCli(args, { home: this.home, cwd: this.root });
  }
  ok(args: string[]): CliResult {
    const r = this.run(args);
    expect(r.code, `skillsync ${args.join(" ")}: ${explain(r)}`).toBe(0);
    return r;
  }
  /** `skillsync ARGS --project P --json` expecting exit `code`; the parsed stdout. */
  json<T>(args: string[], code: number): T {
    const r = this.run([...args, "--project", this.project, "--json"]);
    expect(r.code, `skillsync ${args.join(" ")}: ${explain(r)}`).toBe(code);
    return parseJsonOutput<T>(r);
  }
  status(code: number): StatusReport {
    return this.json<StatusReport>(["status"], code);
  }
  /** `kind/name` → `drift_type/drift_side` of every drifted artifact. */
  drifted(code: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (const a of this.status(code).artifacts)
      if (a.drift_type !== "in-sync") out[a.name] = `${a.drift_type}/${a.drift_side ?? "-"}`;
    return out;
  }
  pskill(name: string, ...rel: string[]): string {
    return join(this.project, ".claude", "skills", name, ...rel);
  }
  cskill(name: string, ...rel: string[]): string {
    return join(this.collection, "skills", name, ...rel);
  }
  /** Bytes and modes of the collection (incl. the lock file) and the project (incl. the record). */
  state(): { collection: TreeSnapshot; project: TreeSnapshot } {
    return { collection: snapshotTree(this.collection), project: snapshotTree(this.project) };
  }
  expectUnchanged(before: { collection: TreeSnapshot; project: TreeSnapshot }, label: string): void {
    const now = this.state();
    expect(
      diffSnapshots(before.collection, now.collection, { execBitsOnly: false }),
      `${label}: collection`,
    ).toEqual([]);
    expect(diffSnapshots(before.project, now.project, { execBitsOnly: false }), `${label}: project`).toEqual(
      [],
    );
  }
}

function edit(file: string, f: (text: string) => string): void {
  writeFileSync(file, f(readFileSync(file, "utf8")));
}

function replaceLine(file: string, index: number, line: string): void {
  edit(file, (t) => {
    const lines = t.split("\n");
    lines[index] = line;
    return lines.join("\n");
  });
}

/** Asserts one `error:` line on stderr that names `file` (and `file:line` when `line` is true). */
function expectOneLineError(r: CliResult, file: string, opts: { line?: boolean } = {}): void {
  expect(r.code, explain(r)).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines, explain(r)).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toContain(file);
  if (opts.line) expect(lines[0]).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+`));
  expect(r.stdout).toBe("");
}

beforeAll(() => {
  requireBuild();
});

afterAll(() => {
  cleanupTempDirs();
});

describe("fixtures: add, deploy, drift status, refusals, undeploy", () => {
  let w: World;
  let fixtures: string;
  let names: string[];

  beforeAll(() => {
    const root = tempDir("skillsync-flow-", { memory: true }).path;
    fixtures = copyFixtures(join(root, "fixtures"));
    names = fixtureSkillNames(fixtures);
    // Files whose bytes are easy to lose: CRLF, a BOM, no final newline, an executable script.
    const refs = join(fixtures, "frontend-design", "references");
    mkdirSync(refs, { recursive: true });
    writeFileSync(join(refs, "crlf.md"), "# CRLF\r\n\r\nline one\r\nline two\r\n");
    writeFileSync(join(refs, "bom.md"), "\uFEFF# BOM\n\ntext\n");
    writeFileSync(join(refs, "no-final-newline.md"), "# No final newline\n\nlast line");
    writeFileSync(join(refs, "run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
    chmodSync(join(refs, "run.sh"), 0o755);
    w = new World(root);
  });

  it("adds all 12 fixture skills and deploys them byte for byte (binaries, exec bits, CRLF, BOM)", () => {
    expect(names).toHaveLength(12);
    w.ok(["init"]);
    const added = w.run(["add", fixtures, "--json"]);
    expect(added.code, explain(added)).toBe(0);
    const listed = parseJsonOutput<unknown[]>(w.ok(["list", "--json"]));
    expect(listed).toHaveLength(12);
    w.ok(["deploy", "--all", "--project", w.project]);
    const source = snapshotTree(fixtures);
    const deployed = snapshotTree(join(w.project, ".claude", "skills"));
    expect(diffSnapshots(source, deployed)).toEqual([]);
    expect(deployed.size).toBeGreaterThan(200);
    expect(deployed.get("frontend-design/references/run.sh")?.mode).toBe(0o755);
    expect(deployed.get("web-artifacts-builder/scripts/init-artifact.sh")?.mode).toBe(0o755);
    expect(readFileSync(w.pskill("frontend-design", "references", "crlf.md"), "utf8")).toContain("\r\n");
    expect(readFileSync(w.pskill("frontend-design", "references", "bom.md"))[0]).toBe(0xef);
    expect(
      readFileSync(w.pskill("frontend-design", "references", "no-final-newline.md"), "utf8").endsWith(
        "last line",
      ),
    ).toBe(true);
    const report = w.status(0);
    expect(report.drift_count).toBe(0);
    expect(report.artifacts.map((a) => a.name).sort()).toEqual(names);
    for (const a of report.artifacts) {
      expect(a.drift_type).toBe("in-sync");
      // The recorded base is the tree hash of what is on disk (DESIGN.md's definition, computed here).
      expect(a.base_sha).toBe(treeHashOf(snapshotTree(w.pskill(a.name))));
    }
  });

  it("re-deploying unchanged artifacts writes nothing (same mtimes and inodes)", () => {
    const stamp = () => {
      const out = new Map<string, string>();
      const files = [...snapshotTree(w.project).keys()];
      for (const rel of files) {
        const st = statSync(join(w.project, rel));
        out.set(rel, `${st.mtimeMs}:${st.ino}`);
      }
      const lock = statSync(join(w.collection, "skillsync.lock"));
      out.set("lock", `${lock.mtimeMs}:${lock.ino}`);
      return out;
    };
    const before = stamp();
    w.ok(["deploy", "--all", "--project", w.project]);
    expect(stamp()).toEqual(before);
  });

  it("status names exactly the edited artifacts with the side that changed", () => {
    // Project edits: a reference file, a binary font, a SKILL.md (three skills).
    edit(w.pskill("mcp-builder", "reference", "evaluation.md"), (t) => `${t}\nEdited in the project.\n`);
    const font = w.pskill("canvas-design", "canvas-fonts", "Gloock-Regular.ttf");
    const bytes = readFileSync(font);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x01;
    writeFileSync(font, bytes);
    edit(w.pskill("brand-guidelines", "SKILL.md"), (t) => `${t}\nProject note.\n`);
    expect(w.drifted(1)).toEqual({
      "brand-guidelines": "modified/project",
      "canvas-design": "modified/project",
      "mcp-builder": "modified/project",
    });
    // The collection copy of another, and both sides of a third.
    edit(w.cskill("internal-comms", "SKILL.md"), (t) => `${t}\nCollection note.\n`);
    edit(w.pskill("theme-factory", "themes", "arctic-frost.md"), (t) => `${t}\nProject note.\n`);
    edit(w.cskill("theme-factory", "SKILL.md"), (t) => `${t}\nCollection note.\n`);
    const report = w.status(1);
    expect(report.drift_detected).toBe(true);
    expect(report.drift_count).toBe(5);
    const rows = new Map(report.artifacts.map((a) => [a.name, a]));
    expect(rows.get("internal-comms")).toMatchObject({ drift_type: "modified", drift_side: "collection" });
    expect(rows.get("theme-factory")).toMatchObject({ drift_type: "modified", drift_side: "both" });
    expect(rows.get("brand-guidelines")?.recommendation).toBe("pull_from_project");
    expect(rows.get("internal-comms")?.recommendation).toBe("push_from_collection");
    expect(rows.get("theme-factory")?.recommendation).toBe("merge");
    expect(rows.get("canvas-design")?.project_sha).toBe(treeHashOf(snapshotTree(w.pskill("canvas-design"))));
    // The table names them too, and the exit status is 1.
    const table = w.run(["status", "--project", w.project]);
    expect(table.code).toBe(1);
    const row = table.stdout.split("\n").find((l) => /\btheme-factory\b/.test(l)) ?? "";
    expect(row).toMatch(/\bmodified\b.*\bboth\b.*\bmerge\b/);
  });

  it("deploy over an edited project copy refuses and writes nothing; --force snapshots, then overwrites", () => {
    const before = w.state();
    const refused = w.run(["deploy", "brand-guidelines", "--project", w.project]);
    expect(refused.code, explain(refused)).toBe(1);
    w.expectUnchanged(before, "refused deploy");
    const edited = snapshotTree(w.pskill("brand-guidelines"));
    const forced = w.run(["deploy", "brand-guidelines", "--force", "--project", w.project, "--json"]);
    expect(forced.code, explain(forced)).toBe(0);
    const results = parseJsonOutput<SyncResult[]>(forced);
    const snapshotId = results.find((r) => r.artifact_name.endsWith("brand-guidelines"))?.snapshot_id;
    expect(snapshotId).toBeTruthy();
    expect(
      diffSnapshots(snapshotTree(w.cskill("brand-guidelines")), snapshotTree(w.pskill("brand-guidelines"))),
    ).toEqual([]);
    // The snapshot holds the edited project copy.
    const history = parseJsonOutput<{ id: string; artifacts: { name: string; tree: string }[] }[]>(
      w.ok(["history", "--json"]),
    );
    const snap = history.find((h) => h.id === snapshotId);
    expect(snap?.artifacts.find((a) => a.name === "brand-guidelines")?.tree).toBe(treeHashOf(edited));
    expect(w.drifted(1)["brand-guidelines"]).toBeUndefined();
  });

  it("undeploy refuses an edited copy without --force, removes a clean one and its record entry", () => {
    const before = w.state();
    const refused = w.run(["undeploy", "canvas-design", "--project", w.project]);
    expect(refused.code, explain(refused)).toBe(1);
    w.expectUnchanged(before, "refused undeploy");
    w.ok(["undeploy", "frontend-design", "--project", w.project]);
    expect(() => statSync(w.pskill("frontend-design"))).toThrow();
    const record = readFileSync(join(w.project, ".claude", ".skillsync-deployed.toml"), "utf8");
    expect(record).not.toContain('"frontend-design"');
    expect(w.drifted(1)["frontend-design"]).toBe("added/-");
  });

  describe("bad input: exit 2, one line naming the file, nothing changed", () => {
    let good: string;
    const lockPath = () => join(w.collection, "skillsync.lock");
    const recordPath = () => join(w.project, ".claude", ".skillsync-deployed.toml");

    beforeAll(() => {
      good = join(w.root, "incoming", "good-skill");
      mkdirSync(good, { recursive: true });
      writeFileSync(
        join(good, "SKILL.md"),
        "---\nname: good-skill\ndescription: A valid skill.\n---\n\nBody.\n",
      );
    });

    /** Mangles `file`, runs `args`, expects a one-line error naming the file, then restores it. */
    function mangled(
      file: string,
      mangle: (t: string) => string,
      args: string[],
      opts: { line?: boolean } = {},
    ) {
      const original = readFileSync(file, "utf8");
      writeFileSync(file, mangle(original));
      try {
        const before = w.state();
        const r = w.run(args);
        expectOneLineError(r, file, opts);
        w.expectUnchanged(before, args.join(" "));
        return r;
      } finally {
        writeFileSync(file, original);
      }
    }

    it("lock file: invalid TOML, a missing field, a newer version", () => {
      const add = ["add", good];
      mangled(lockPath(), (t) => `${t}\nthis is = = not toml\n`, add, { line: true });
      mangled(lockPath(), (t) => t.replace(/^sha = .*\n/m, ""), add, { line: true });
      const r = mangled(lockPath(), (t) => t.replace(/^version = 1$/m, "version = 99"), add, { line: true });
      expect(r.stderr).toMatch(/version 99/);
    });

    it("deployment record: invalid TOML, a missing field, a newer version", () => {
      const deploy = ["deploy", "--all", "--project", w.project];
      mangled(recordPath(), (t) => `${t}\n[[[broken\n`, deploy, { line: true });
      mangled(recordPath(), (t) => t.replace(/^deployed-from = .*\n/m, ""), deploy, { line: true });
      const r = mangled(recordPath(), (t) => t.replace(/^version = 2$/m, "version = 7"), deploy, {
        line: true,
      });
      expect(r.stderr).toMatch(/version 7/);
      // status reads the record too
      mangled(recordPath(), (t) => `${t}\n[[[broken\n`, ["status", "--project", w.project], { line: true });
    });

    it("an entry name that escapes (with '/' or '..') in the lock file or the record is refused", () => {
      mangled(lockPath(), (t) => t.replace(/^name = ".*"$/m, 'name = "../evil"'), ["add", good]);
      mangled(recordPath(), (t) => t.replace(/^name = ".*"$/m, 'name = "a/b"'), [
        "status",
        "--project",
        w.project,
      ]);
    });

    function badSkill(folder: string, skillMd: string): string {
      const dir = join(w.root, "incoming", folder);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "SKILL.md"), skillMd);
      return dir;
    }

    it("SKILL.md without frontmatter, with invalid YAML, with a name that breaks the spec", () => {
      const noFm = badSkill("no-frontmatter", "# Just a heading\n\nNo frontmatter here.\n");
      let before = w.state();
      expectOneLineError(w.run(["add", noFm]), join(noFm, "SKILL.md"), { line: true });
      w.expectUnchanged(before, "no frontmatter");
      const badYaml = badSkill("bad-yaml", "---\nname: bad-yaml\ndescription: [unclosed\n---\n\nBody.\n");
      before = w.state();
      expectOneLineError(w.run(["add", badYaml]), join(badYaml, "SKILL.md"), { line: true });
      w.expectUnchanged(before, "invalid YAML");
      const badName = badSkill(
        "Bad_Name",
        "---\nname: Bad_Name\ndescription: Upper case and underscore.\n---\n",
      );
      before = w.state();
      expectOneLineError(w.run(["add", badName]), badName);
      w.expectUnchanged(before, "bad folder name");
      const mismatch = badSkill(
        "fine-folder",
        "---\nname: other-name\ndescription: Name differs from folder.\n---\n",
      );
      before = w.state();
      expectOneLineError(w.run(["add", mismatch]), join(mismatch, "SKILL.md"), { line: true });
      w.expectUnchanged(before, "name differs from the folder");
    });

    it("a path that escapes: a skill folder named with '..'", () => {
      const dots = badSkill("..sneaky", "---\nname: ..sneaky\ndescription: Dots.\n---\n");
      const before = w.state();
      expectOneLineError(w.run(["add", dots]), dots);
      w.expectUnchanged(before, "folder with ..");
    });

    it("a project folder that does not exist", () => {
      const missing = join(w.root, "no-such-project");
      for (const args of [
        ["status", "--project", missing],
        ["deploy", "--all", "--project", missing],
        ["pull", "--all", "--project", missing],
      ]) {
        const before = w.state();
        expectOneLineError(w.run(args), missing);
        w.expectUnchanged(before, args.join(" "));
      }
      expect(() => statSync(missing)).toThrow();
    });

    const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
    // As root (CI containers), chmod 000 does not stop reading, so there is nothing to test there.
    it.skipIf(isRoot)("an unreadable file (chmod 000)", () => {
      const file = w.pskill("webapp-testing", "SKILL.md");
      const before = w.state();
      chmodSync(file, 0o000);
      try {
        expectOneLineError(w.run(["status", "--project", w.project]), file);
      } finally {
        chmodSync(file, 0o644);
      }
      w.expectUnchanged(before, "unreadable file");
    });
  });
});

describe("pull, push and sync on fixture skills", () => {
  let w: World;
  const SKILLS = [
    "algorithmic-art",
    "brand-guidelines",
    "frontend-design",
    "internal-comms",
    "theme-factory",
    "webapp-testing",
  ];

  beforeAll(() => {
    const root = tempDir("skillsync-flow-sync-", { memory: true }).path;
    const fixtures = copyFixtures(join(root, "fixtures"), { only: SKILLS });
    w = new World(root, "demo-app");
    w.ok(["init"]);
    w.ok(["add", fixtures]);
    w.ok(["deploy", "--all", "--project", w.project]);
  });

  it("pull brings a project edit into the collection", () => {
    edit(w.pskill("brand-guidelines", "SKILL.md"), (t) => `${t}\nLearned in the project.\n`);
    const results = w.json<SyncResult[]>(["pull", "brand-guidelines"], 0);
    expect(results[0]).toMatchObject({ success: true, direction: "pull" });
    expect(readFileSync(w.cskill("brand-guidelines", "SKILL.md"), "utf8")).toContain(
      "Learned in the project.",
    );
    expect(w.drifted(0)).toEqual({});
  });

  it("push brings a collection edit into the project", () => {
    edit(w.cskill("internal-comms", "examples", "faq-answers.md"), (t) => `${t}\nNew answer.\n`);
    const results = w.json<SyncResult[]>(["push", "internal-comms"], 0);
    expect(results[0]).toMatchObject({ success: true, direction: "push" });
    expect(readFileSync(w.pskill("internal-comms", "examples", "faq-answers.md"), "utf8")).toContain(
      "New answer.",
    );
    expect(w.drifted(0)).toEqual({});
  });

  it("sync merges non-overlapping edits of both sides into both", () => {
    replaceLine(w.pskill("theme-factory", "SKILL.md"), 6, "# Theme Factory Skill (edited in the project)");
    edit(w.cskill("theme-factory", "SKILL.md"), (t) => `${t}\nA closing note from the collection.\n`);
    const results = w.json<SyncResult[]>(["sync"], 0);
    expect(results.find((r) => r.artifact_name === "skill/theme-factory")).toMatchObject({
      success: true,
      direction: "merge",
      conflicts_remaining: 0,
    });
    for (const side of [w.pskill("theme-factory", "SKILL.md"), w.cskill("theme-factory", "SKILL.md")]) {
      const text = readFileSync(side, "utf8");
      expect(text).toContain("(edited in the project)");
      expect(text).toContain("A closing note from the collection.");
    }
    expect(w.drifted(0)).toEqual({});
  });

  it("overlapping edits conflict (exit 1, nothing written); --preview writes nothing; --auto-resolve theirs resolves", () => {
    const file = "SKILL.md";
    const lines = readFileSync(w.pskill("frontend-design", file), "utf8").split("\n");
    const at = lines.findIndex((l, i) => i > 5 && l.trim().length > 20);
    replaceLine(w.pskill("frontend-design", file), at, "The project's version of this line.");
    replaceLine(w.cskill("frontend-design", file), at, "The collection's version of this line.");
    let before = w.state();
    const conflict = w.json<SyncResult[]>(["sync"], 1);
    expect(conflict.find((r) => r.artifact_name === "skill/frontend-design")).toMatchObject({
      success: false,
      conflicts_remaining: 1,
    });
    w.expectUnchanged(before, "conflict");
    before = w.state();
    const preview = w.run(["sync", "--preview", "--auto-resolve", "theirs", "--project", w.project]);
    expect(preview.code, explain(preview)).toBe(0);
    expect(preview.stdout).toContain("The collection's version of this line.");
    w.expectUnchanged(before, "preview");
    const resolved = w.json<SyncResult[]>(["sync", "--auto-resolve", "theirs"], 0);
    expect(resolved.find((r) => r.artifact_name === "skill/frontend-design")).toMatchObject({
      success: true,
    });
    for (const side of [w.pskill("frontend-design", file), w.cskill("frontend-design", file)]) {
      const text = readFileSync(side, "utf8");
      expect(text).toContain("The collection's version of this line.");
      expect(text).not.toContain("The project's version of this line.");
      expect(text).not.toContain("<<<<<<<");
    }
    expect(w.drifted(0)).toEqual({});
  });

  it("--strategy fork keeps both: the project's version becomes NAME-<project> in the collection", () => {
    edit(w.pskill("algorithmic-art", "templates", "viewer.html"), (t) => `${t}\n<!-- project -->\n`);
    edit(w.cskill("algorithmic-art", "templates", "viewer.html"), (t) => `${t}\n<!-- collection -->\n`);
    const collectionBefore = snapshotTree(w.cskill("algorithmic-art"));
    const projectBefore = snapshotTree(w.pskill("algorithmic-art"));
    const results = w.json<SyncResult[]>(["pull", "algorithmic-art", "--strategy", "fork"], 0);
    expect(results[0]).toMatchObject({ success: true, strategy_used: "fork" });
    const fork = snapshotTree(w.cskill("algorithmic-art-demo-app"));
    expect(fork.size).toBe(projectBefore.size);
    expect(diffSnapshots(projectBefore, fork)).toEqual(["~ SKILL.md (content)"]);
    expect(readFileSync(w.cskill("algorithmic-art-demo-app", "SKILL.md"), "utf8")).toMatch(
      /^name: algorithmic-art-demo-app$/m,
    );
    expect(diffSnapshots(collectionBefore, snapshotTree(w.cskill("algorithmic-art")))).toEqual([]);
    expect(diffSnapshots(projectBefore, snapshotTree(w.pskill("algorithmic-art")))).toEqual([]);
  });

  it("--strategy overwrite snapshots first; rollback restores the project byte for byte", () => {
    edit(w.pskill("webapp-testing", "SKILL.md"), (t) => `${t}\nProject-only text.\n`);
    edit(w.cskill("webapp-testing", "SKILL.md"), (t) => `${t}\nCollection-only text.\n`);
    const projectBefore = snapshotTree(w.pskill("webapp-testing"));
    const results = w.json<SyncResult[]>(["push", "webapp-testing", "--strategy", "overwrite"], 0);
    const r = results[0]!;
    expect(r).toMatchObject({ success: true, strategy_used: "overwrite" });
    expect(r.snapshot_id).toBeTruthy();
    expect(
      diffSnapshots(snapshotTree(w.cskill("webapp-testing")), snapshotTree(w.pskill("webapp-testing"))),
    ).toEqual([]);
    expect(readFileSync(w.pskill("webapp-testing", "SKILL.md"), "utf8")).not.toContain("Project-only text.");
    w.ok(["rollback", r.snapshot_id!, "webapp-testing"]);
    expect(
      diffSnapshots(projectBefore, snapshotTree(w.pskill("webapp-testing")), { execBitsOnly: false }),
    ).toEqual([]);
  });

  it("a preserved ## Memory section in the project survives a push", () => {
    const memory = "\n## Memory\n\n- The user prefers dark slides.\n";
    edit(w.pskill("brand-guidelines", "SKILL.md"), (t) => `${t}${memory}`);
    replaceLine(
      w.cskill("brand-guidelines", "SKILL.md"),
      6,
      "# Anthropic Brand Styling (updated in the collection)",
    );
    w.json<SyncResult[]>(["push", "brand-guidelines"], 0);
    const text = readFileSync(w.pskill("brand-guidelines", "SKILL.md"), "utf8");
    expect(text).toContain("(updated in the collection)");
    expect(text).toContain("## Memory\n\n- The user prefers dark slides.");
    expect(readFileSync(w.cskill("brand-guidelines", "SKILL.md"), "utf8")).not.toContain("## Memory");
  });
});

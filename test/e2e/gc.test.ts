/**
 * Issue 14 point 7: `skillsync gc` removes the objects nothing references and keeps every object a
 * kept snapshot, a lock file or a deployment record needs: after gc, a rollback to every kept
 * snapshot restores it byte for byte, and the unreferenced objects (a deleted snapshot's version, an
 * orphan blob) are gone. `--dry-run` lists them and removes nothing; the grace period keeps fresh
 * objects.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseJsonOutput, runCli } from "../helpers/cli.js";
import { copyFixtures } from "../helpers/fixtures.js";
import { requireBuild } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp.js";
import { diffSnapshots, snapshotTree, subSnapshot, treeHashOf } from "../helpers/tree.js";

interface GcJson {
  dry_run: boolean;
  removed: { type: "tree" | "blob"; sha: string }[];
  kept: number;
  kept_recent: number;
}
interface SnapJson {
  id: string;
  artifacts: { kind: string; name: string; tree: string }[];
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

beforeAll(() => requireBuild());

describe("skillsync gc", () => {
  it("removes unreferenced objects; every kept snapshot still rolls back byte for byte", () => {
    const root = tempDir().path;
    const home = join(root, "home");
    const project = join(root, "project");
    mkdirSync(project);
    const cli = (...args: string[]) => {
      const r = runCli(args, { home });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      return r;
    };
    const src = copyFixtures(join(root, "src"), { only: ["internal-comms", "brand-guidelines"] });
    cli("init");
    cli("add", src);
    cli("project", "add", project);
    cli("deploy", "--all", "--project", project);
    const collection = join(home, "collections", "default");
    const skill = join(collection, "skills", "internal-comms", "SKILL.md");
    const original = readFileSync(skill, "utf8");
    const snapId = (msg: string) => parseJsonOutput<{ id: string }>(cli("snapshot", "-m", msg, "--json")).id;
    const states = new Map<string, string>(); // snapshot id -> tree hash of the collection's skills
    const skillsHash = () => treeHashOf(subSnapshot(snapshotTree(collection), "skills"));

    const s1 = snapId("original");
    states.set(s1, skillsHash());
    const v2 = `${original}\nversion two: only a deleted snapshot holds this\n`;
    writeFileSync(skill, v2);
    const s2 = snapId("v2");
    const v3 = `${original}\nversion three\n`;
    writeFileSync(skill, v3);
    const s3 = snapId("v3");
    states.set(s3, skillsHash());
    cli("snapshot", "--delete", s2);

    // the v2 tree and its SKILL.md blob are referenced by nothing now; add an orphan blob too
    const v2Blob = sha(v2);
    const objects = join(home, "objects");
    const blobPath = (h: string) => join(objects, "blobs", h.slice(0, 2), h.slice(2));
    expect(existsSync(blobPath(v2Blob))).toBe(true);
    const orphan = "an orphan nobody references\n";
    mkdirSync(join(objects, "blobs", sha(orphan).slice(0, 2)), { recursive: true });
    writeFileSync(blobPath(sha(orphan)), orphan);

    // the grace period (default 14 days) keeps them all
    const graced = parseJsonOutput<GcJson>(cli("gc", "--dry-run", "--json"));
    expect(graced.removed).toEqual([]);
    expect(graced.kept_recent).toBeGreaterThan(0);

    // --dry-run lists them and removes nothing
    const before = snapshotTree(objects);
    const dry = parseJsonOutput<GcJson>(cli("gc", "--dry-run", "--grace", "0", "--json"));
    const dryBlobs = dry.removed.filter((r) => r.type === "blob").map((r) => r.sha);
    expect(dryBlobs).toContain(v2Blob);
    expect(dryBlobs).toContain(sha(orphan));
    expect(dry.removed.some((r) => r.type === "tree")).toBe(true);
    expect(diffSnapshots(before, snapshotTree(objects))).toEqual([]);

    const done = parseJsonOutput<GcJson>(cli("gc", "--grace", "0", "--json"));
    expect(done.removed.map((r) => r.sha).sort()).toEqual(dry.removed.map((r) => r.sha).sort());
    expect(existsSync(blobPath(v2Blob))).toBe(false);
    expect(existsSync(blobPath(sha(orphan)))).toBe(false);
    for (const r of done.removed)
      expect(existsSync(join(objects, `${r.type}s`, r.sha.slice(0, 2), r.sha.slice(2)))).toBe(false);
    // a second gc finds nothing more
    expect(parseJsonOutput<GcJson>(cli("gc", "--grace", "0", "--json")).removed).toEqual([]);

    // every kept snapshot rolls back byte for byte
    const kept = parseJsonOutput<SnapJson[]>(cli("history", "--json"));
    expect(kept.map((s) => s.id)).toEqual(expect.arrayContaining([s1, s3]));
    for (const s of kept) {
      cli("rollback", s.id);
      const expected = states.get(s.id);
      if (expected) expect(skillsHash(), `rollback ${s.id}`).toBe(expected);
      for (const a of s.artifacts) {
        const dir = join(collection, `${a.kind}s`, a.name);
        if (a.kind === "skill") expect(treeHashOf(snapshotTree(dir)), `${s.id} ${a.name}`).toBe(a.tree);
      }
    }
    cli("rollback", s1);
    expect(readFileSync(skill, "utf8")).toBe(original);
    // the project's deployment record base is still readable: status works and pull merges
    const st = runCli(["status", "--project", project], { home });
    expect([0, 1]).toContain(st.code);
    cli("gc", "--grace", "0");
    cli("push", "--all", "--project", project);
    expect(runCli(["status", "--project", project], { home }).code).toBe(0);

    // a project never registered nor snapshotted is still found through state.db (its stat cache)
    const loose = join(root, "loose");
    mkdirSync(loose);
    cli("deploy", "--all", "--project", loose);
    cli("status", "--project", loose);
    const scanned = parseJsonOutput<{ projects_scanned: string[] }>(cli("gc", "--dry-run", "--json"));
    expect(scanned.projects_scanned).toEqual(expect.arrayContaining([project, loose]));
  }, 120_000);
});

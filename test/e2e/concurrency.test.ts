/**
 * Issue 14 point 8: 8 processes run `sync`, `pull` and `deploy` on one home and one project, 5
 * rounds each, with edits in between; afterwards every TOML file parses, `status` works, and no
 * edit is lost.
 *
 * The edits: worker `w` owns skill `w` (one fixture each) and in round `k` appends the marker line
 * `edit-w-k` to that skill's SKILL.md, in the project copy on even rounds and in the collection copy
 * on odd rounds (each edit is written atomically by the test: temp file + rename), then runs one of
 * `sync`, `pull --all`, `deploy --all` (rotating). Commands may report conflicts (exit 1); they must
 * never fail otherwise (no exit 2, 3 or 70).
 *
 * "No edit lost" means: every marker written is, at the end, in the collection's copy of the skill,
 * in the project's copy, or in a file of a snapshot (a blob of a tree named by a snapshot under
 * `$SKILLSYNC_HOME/snapshots/`, which `rollback` restores) — conflict reports keep both sides in the
 * files themselves, so they are covered by the first two places.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, runCliAsync } from "../helpers/cli.js";
import { copyFixtures, fixtureSkillNames } from "../helpers/fixtures.js";
import { requireBuild } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp.js";

const WORKERS = 8;
const ROUNDS = 5;

beforeAll(() => requireBuild());

function appendAtomic(file: string, line: string): void {
  const tmp = `${file}.test-edit-${process.pid}`;
  writeFileSync(tmp, `${readFileSync(file, "utf8")}${line}\n`);
  renameSync(tmp, file);
}

describe("8 concurrent processes on one home and project", () => {
  it("end with valid TOML, a working status and every edit kept", async () => {
    const root = tempDir().path;
    const home = join(root, "home");
    const project = join(root, "project");
    const skills = fixtureSkillNames().slice(0, WORKERS);
    expect(skills).toHaveLength(WORKERS);
    const src = copyFixtures(join(root, "src"), { only: skills });
    const must = (args: string[]) => {
      const r = runCli(args, { home, cwd: root });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
    };
    must(["init"]);
    must(["config", "set", "lock_timeout_ms", "240000"]);
    must(["add", src]);
    mkdirSync(project);
    must(["project", "add", project]);
    must(["deploy", "--all", "--project", project]);
    const collectionSkill = (s: string) => join(home, "collections", "default", "skills", s, "SKILL.md");
    const projectSkill = (s: string) => join(project, ".claude", "skills", s, "SKILL.md");
    const commands = [["sync"], ["pull", "--all"], ["deploy", "--all"]];
    const failures: string[] = [];
    const markers: { marker: string; skill: string }[] = [];

    await Promise.all(
      skills.map(async (skill, w) => {
        for (let k = 0; k < ROUNDS; k++) {
          const marker = `edit-${w}-${k}`;
          appendAtomic(k % 2 === 0 ? projectSkill(skill) : collectionSkill(skill), marker);
          markers.push({ marker, skill });
          const args = [...commands[(w + k) % commands.length]!, "--project", project];
          const r = await runCliAsync(args, { home, cwd: root, timeoutMs: 240_000 });
          if (r.code !== 0 && r.code !== 1)
            failures.push(`${args.join(" ")} exit ${r.code}: ${r.stderr.trim()}`);
        }
      }),
    );
    expect(failures).toEqual([]);

    // valid TOML everywhere
    for (const f of [
      join(home, "config.toml"),
      join(home, "collections", "default", "skillsync.lock"),
      join(project, ".claude", ".skillsync-deployed.toml"),
    ])
      expect(() => parseToml(readFileSync(f, "utf8")), f).not.toThrow();
    const status = runCli(["status", "--project", project, "--json"], { home, cwd: root });
    expect([0, 1], status.stderr).toContain(status.code);
    expect(() => JSON.parse(status.stdout)).not.toThrow();

    // every edit is in the collection, the project or a snapshot
    const snapshotTexts: string[] = [];
    const snapDir = join(home, "snapshots");
    const objects = join(home, "objects");
    const read = (type: string, sha: string) =>
      readFileSync(join(objects, type, sha.slice(0, 2), sha.slice(2)), "utf8");
    for (const n of readdirSync(snapDir).filter((x) => x.endsWith(".json") && !x.startsWith("."))) {
      const snap = JSON.parse(readFileSync(join(snapDir, n), "utf8")) as { artifacts: { tree: string }[] };
      for (const a of snap.artifacts)
        for (const line of read("trees", a.tree).split("\n").filter(Boolean)) {
          const blob = line.split(" ")[0]!;
          snapshotTexts.push(read("blobs", blob));
        }
    }
    const lost = markers.filter(({ marker, skill }) => {
      const inCollection = readFileSync(collectionSkill(skill), "utf8").includes(marker);
      const inProject = readFileSync(projectSkill(skill), "utf8").includes(marker);
      return !inCollection && !inProject && !snapshotTexts.some((t) => t.includes(marker));
    });
    expect(lost.map((m) => m.marker)).toEqual([]);
    expect(markers).toHaveLength(WORKERS * ROUNDS);
  }, 600_000);
});

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findLockEntry, readLockFile } from "../store/lock-file.js";
import { closeStateDbs } from "../store/state-db.js";
import { addArtifacts, initCollection } from "./collection-ops.js";
import { projectStatus } from "./status.js";
import { transfer } from "./transfer.js";
import { openWorkspace } from "./workspace.js";

const roots: string[] = [];
afterEach(() => {
  closeStateDbs();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe("deploy copies the collection's files (issue 13: no bytes through the process)", () => {
  it("writes exact bytes and modes, whatever the collection file's other bits, and reports the tree hash", async () => {
    const root = mkdtempSync(join(tmpdir(), "skillsync-transfer-copy-"));
    roots.push(root);
    const src = join(root, "src", "alpha");
    mkdirSync(join(src, "scripts"), { recursive: true });
    writeFileSync(join(src, "SKILL.md"), "---\nname: alpha\ndescription: Test skill alpha.\n---\nbody\n");
    writeFileSync(join(src, "scripts", "run.sh"), "#!/bin/sh\necho hi\n");
    chmodSync(join(src, "scripts", "run.sh"), 0o755);
    writeFileSync(join(src, "data.bin"), Buffer.from([0, 1, 2, 255]));
    const project = join(root, "project");
    mkdirSync(project);
    const ws = await openWorkspace({ home: join(root, "home"), collection: "default" });
    await initCollection(ws);
    await addArtifacts(ws, { paths: [join(root, "src")] });
    // Collection files whose permission bits are not 644/755 still deploy as their recorded mode.
    const cDir = join(ws.collectionDir, "skills", "alpha");
    chmodSync(join(cDir, "data.bin"), 0o664);
    chmodSync(join(cDir, "scripts", "run.sh"), 0o775);
    const old = process.umask(0o077); // a narrow umask must not narrow the deployed modes either
    let r: Awaited<ReturnType<typeof transfer>>;
    try {
      r = await transfer(ws, { op: "deploy", project, all: true });
    } finally {
      process.umask(old);
    }
    const pDir = join(project, ".claude", "skills", "alpha");
    expect([...readFileSync(join(pDir, "data.bin"))]).toEqual([0, 1, 2, 255]);
    expect(readFileSync(join(pDir, "scripts", "run.sh"), "utf8")).toBe("#!/bin/sh\necho hi\n");
    expect(statSync(join(pDir, "data.bin")).mode & 0o7777).toBe(0o644);
    expect(statSync(join(pDir, "SKILL.md")).mode & 0o7777).toBe(0o644);
    expect(statSync(join(pDir, "scripts", "run.sh")).mode & 0o7777).toBe(0o755);
    const sha = findLockEntry(readLockFile(ws.lockPath), "skill", "alpha")!.sha;
    expect(r.results[0]).toMatchObject({ success: true, strategy_used: "fast-forward", new_hash: sha });
    expect(projectStatus(ws, project).drift_detected).toBe(false);
  });
});

import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  faultPointsPassed,
  recoverTransactions,
  setFaultPlan,
  sweepTemps,
  Transaction,
  writeFileAtomic,
} from "./fs.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "skillsync-fs-"));
});
afterEach(() => {
  setFaultPlan(undefined);
  rmSync(dir, { recursive: true, force: true });
});

const listAll = (d: string): string[] =>
  readdirSync(d, { recursive: true, withFileTypes: false }).map(String).sort();

describe("writeFileAtomic", () => {
  it("writes bytes and mode exactly, creating parents", async () => {
    const f = join(dir, "a", "b", "x.sh");
    await writeFileAtomic(f, Buffer.from([0, 1, 2, 255]), { mode: 0o755 });
    expect([...readFileSync(f)]).toEqual([0, 1, 2, 255]);
    expect(statSync(f).mode & 0o777).toBe(0o755);
  });
  it("leaves the old file and no temp file when any step fails", async () => {
    const f = join(dir, "x.txt");
    writeFileSync(f, "old");
    // count the fault points of one write
    setFaultPlan({ at: 1_000_000, action: "error" });
    await writeFileAtomic(f, "probe");
    const steps = faultPointsPassed();
    writeFileSync(f, "old");
    for (let at = 1; at <= steps; at++) {
      setFaultPlan({ at, action: "error" });
      await writeFileAtomic(f, "new").catch(() => {});
      const now = readFileSync(f, "utf8");
      expect(["old", "new"]).toContain(now);
      expect(listAll(dir).filter((n) => n.includes(".skillsync-tmp-"))).toEqual([]);
      writeFileSync(f, "old");
    }
  });
});

describe("Transaction", () => {
  it("a killed process's temps are removed by recovery, a live process's are left alone", async () => {
    const journal = join(dir, "journal");
    mkdirSync(journal);
    await writeFileAtomic(join(dir, "skills", "a", "SKILL.md"), "old");
    // A transaction of a process that is gone: a marker and a staged folder, no journal.
    const deadTag = "999999-0a0b0c";
    writeFileSync(join(journal, `${deadTag}.pending`), JSON.stringify([join(dir, "skills")]));
    await writeFileAtomic(join(dir, "skills", `.a.skillsync-tmp-${deadTag}-new`, "SKILL.md"), "staged");
    // One of a live process (this test's parent): must survive.
    const liveTag = `${process.ppid}-0d0e0f`;
    writeFileSync(join(journal, `${liveTag}.pending`), JSON.stringify([join(dir, "skills")]));
    await writeFileAtomic(join(dir, "skills", `.a.skillsync-tmp-${liveTag}-new`, "SKILL.md"), "staged");
    expect(await recoverTransactions(journal)).toBe(1);
    expect(readdirSync(join(dir, "skills")).sort()).toEqual([`.a.skillsync-tmp-${liveTag}-new`, "a"]);
    expect(readdirSync(journal)).toEqual([`${liveTag}.pending`]);
  });

  it("commits files, folder replacements and removals together", async () => {
    writeFileSync(join(dir, "lock"), "old lock");
    await writeFileAtomic(join(dir, "skill", "old.md"), "old");
    await writeFileAtomic(join(dir, "gone.md"), "bye");
    const tx = new Transaction(join(dir, "journal"));
    await tx.stageFile(join(dir, "lock"), "new lock");
    await tx.replaceDir(join(dir, "skill"), [
      { path: "SKILL.md", data: Buffer.from("new"), mode: 0o644 },
      { path: "scripts/run.sh", data: Buffer.from("#!/bin/sh\n"), mode: 0o755 },
    ]);
    await tx.remove(join(dir, "gone.md"));
    // nothing visible before the commit
    expect(readFileSync(join(dir, "lock"), "utf8")).toBe("old lock");
    expect(listAll(join(dir, "skill"))).toEqual(["old.md"]);
    await tx.commit();
    expect(readFileSync(join(dir, "lock"), "utf8")).toBe("new lock");
    expect(listAll(join(dir, "skill"))).toEqual(["SKILL.md", "scripts", "scripts/run.sh"]);
    expect(statSync(join(dir, "skill", "scripts", "run.sh")).mode & 0o777).toBe(0o755);
    expect(listAll(dir).some((n) => n.includes("gone"))).toBe(false);
    expect(listAll(dir).filter((n) => n.includes(".skillsync-tmp-"))).toEqual([]);
    expect(readdirSync(join(dir, "journal"))).toEqual([]);
  });

  it("stageSymlink replaces a folder by a link at commit; abort leaves the folder", async () => {
    await writeFileAtomic(join(dir, "canon", "pdf", "SKILL.md"), "canonical");
    await writeFileAtomic(join(dir, "agent", "pdf", "SKILL.md"), "a real folder");
    const aborted = new Transaction(join(dir, "journal"));
    await aborted.stageSymlink(join(dir, "agent", "pdf"), "../canon/pdf");
    await aborted.abort();
    expect(lstatSync(join(dir, "agent", "pdf")).isDirectory()).toBe(true);
    expect(readdirSync(join(dir, "agent"))).toEqual(["pdf"]);
    const tx = new Transaction(join(dir, "journal"));
    await tx.stageSymlink(join(dir, "agent", "pdf"), "../canon/pdf");
    expect(lstatSync(join(dir, "agent", "pdf")).isDirectory()).toBe(true);
    await tx.commit();
    expect(readlinkSync(join(dir, "agent", "pdf"))).toBe("../canon/pdf");
    expect(readFileSync(join(dir, "agent", "pdf", "SKILL.md"), "utf8")).toBe("canonical");
    expect(readdirSync(join(dir, "agent"))).toEqual(["pdf"]);
    // Replacing the link by another one leaves the canonical folder alone.
    const again = new Transaction(join(dir, "journal"));
    await again.stageSymlink(join(dir, "agent", "pdf"), "../elsewhere");
    await again.commit();
    expect(readlinkSync(join(dir, "agent", "pdf"))).toBe("../elsewhere");
    expect(readFileSync(join(dir, "canon", "pdf", "SKILL.md"), "utf8")).toBe("canonical");
  });

  it("at every fault point: all old or all new after recovery, and no temp left", async () => {
    const setup = async () => {
      rmSync(join(dir, "w"), { recursive: true, force: true });
      await writeFileAtomic(join(dir, "w", "lock"), "L0");
      await writeFileAtomic(join(dir, "w", "skill", "SKILL.md"), "S0");
    };
    const run = async () => {
      const tx = new Transaction(join(dir, "w", "journal"));
      try {
        await tx.stageFile(join(dir, "w", "lock"), "L1");
        await tx.replaceDir(join(dir, "w", "skill"), [
          { path: "SKILL.md", data: Buffer.from("S1"), mode: 0o644 },
        ]);
        await tx.commit();
      } catch (e) {
        await tx.abort();
        throw e;
      }
    };
    await setup();
    setFaultPlan({ at: 1_000_000, action: "error" });
    await run();
    const steps = faultPointsPassed();
    expect(steps).toBeGreaterThan(5);
    for (let at = 1; at <= steps; at++) {
      await setup();
      setFaultPlan({ at, action: "error" });
      await expect(run()).rejects.toThrow(/injected failure/);
      setFaultPlan(undefined);
      await recoverTransactions(join(dir, "w", "journal"));
      await sweepTemps(join(dir, "w"));
      const state = [
        readFileSync(join(dir, "w", "lock"), "utf8"),
        readFileSync(join(dir, "w", "skill", "SKILL.md"), "utf8"),
      ];
      expect([
        ["L0", "S0"],
        ["L1", "S1"],
      ]).toContainEqual(state);
      expect(listAll(join(dir, "w")).filter((n) => n.includes(".skillsync-tmp-"))).toEqual([]);
    }
  });

  it("abort discards staged temps and changes nothing", async () => {
    writeFileSync(join(dir, "f"), "old");
    const tx = new Transaction(join(dir, "journal"));
    await tx.stageFile(join(dir, "f"), "new");
    await tx.replaceDir(join(dir, "d"), [{ path: "a", data: Buffer.from("x"), mode: 0o644 }]);
    await tx.abort();
    expect(readFileSync(join(dir, "f"), "utf8")).toBe("old");
    expect(listAll(dir)).toEqual(["f", "journal"]);
    expect(readdirSync(join(dir, "journal"))).toEqual([]);
  });
});

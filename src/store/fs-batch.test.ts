import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  faultPointsPassed,
  recoverTransactions,
  setBatchSyncThreshold,
  setFaultPlan,
  sweepTemps,
  syncfsBatchCount,
  Transaction,
  writeFileAtomic,
  writeFilesIfAbsent,
} from "./fs.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "skillsync-fs-batch-"));
  setBatchSyncThreshold(1); // every batch takes the syncfs path
});
afterEach(() => {
  setFaultPlan(undefined);
  setBatchSyncThreshold(256);
  rmSync(dir, { recursive: true, force: true });
});

const listAll = (d: string): string[] =>
  readdirSync(d, { recursive: true, withFileTypes: false }).map(String).sort();

describe("Transaction with a syncfs batch (large transactions, Linux)", () => {
  it("commits exact bytes and modes; at every fault point all old or all new after recovery", async () => {
    const w = join(dir, "w");
    const setup = async () => {
      rmSync(w, { recursive: true, force: true });
      await writeFileAtomic(join(w, "lock"), "L0");
      await writeFileAtomic(join(w, "skill", "SKILL.md"), "S0");
    };
    const run = async () => {
      const tx = new Transaction(join(w, "journal"));
      try {
        await tx.stageFile(join(w, "lock"), "L1");
        await tx.replaceDir(join(w, "skill"), [
          { path: "SKILL.md", data: Buffer.from("S1"), mode: 0o644 },
          { path: "scripts/run.sh", data: Buffer.from("#!/bin/sh\n"), mode: 0o755 },
          { path: "ro.txt", data: Buffer.from("r"), mode: 0o444 },
        ]);
        await tx.commit();
      } catch (e) {
        await tx.abort();
        throw e;
      }
    };
    await setup();
    const before = syncfsBatchCount();
    setFaultPlan({ at: 1_000_000, action: "error" });
    await run();
    const steps = faultPointsPassed();
    setFaultPlan(undefined);
    // On Linux 5.8+ with `sync` on the PATH the batch went through syncfs; elsewhere through fsyncs.
    if (process.platform === "linux") expect(syncfsBatchCount()).toBe(before + 1);
    expect(readFileSync(join(w, "skill", "SKILL.md"), "utf8")).toBe("S1");
    expect(statSync(join(w, "skill", "scripts", "run.sh")).mode & 0o777).toBe(0o755);
    expect(statSync(join(w, "skill", "ro.txt")).mode & 0o777).toBe(0o444);
    for (let at = 1; at <= steps; at++) {
      await setup();
      setFaultPlan({ at, action: "error" });
      await expect(run()).rejects.toThrow(/injected failure/);
      setFaultPlan(undefined);
      await recoverTransactions(join(w, "journal"));
      await sweepTemps(w);
      const state = [
        readFileSync(join(w, "lock"), "utf8"),
        readFileSync(join(w, "skill", "SKILL.md"), "utf8"),
      ];
      expect([
        ["L0", "S0"],
        ["L1", "S1"],
      ]).toContainEqual(state);
      expect(listAll(w).filter((n) => n.includes(".skillsync-tmp-"))).toEqual([]);
    }
  });
});

describe("writeFilesIfAbsent", () => {
  const files = () =>
    ["aa/1", "aa/2", "bb/3"].map((p) => ({
      path: join(dir, "objects", p),
      data: `bytes of ${p}`,
      mode: 0o444,
    }));

  it("writes only the missing files, with their bytes and mode, and leaves existing ones alone", async () => {
    await writeFileAtomic(join(dir, "objects", "aa", "2"), "kept");
    expect(await writeFilesIfAbsent(files(), join(dir, "objects", "tmp"))).toBe(2);
    expect(readFileSync(join(dir, "objects", "aa", "1"), "utf8")).toBe("bytes of aa/1");
    expect(readFileSync(join(dir, "objects", "aa", "2"), "utf8")).toBe("kept");
    expect(statSync(join(dir, "objects", "bb", "3")).mode & 0o777).toBe(0o444);
    expect(readdirSync(join(dir, "objects", "tmp"))).toEqual([]);
  });

  it("at every fault point: each file absent or complete, and no temp left", async () => {
    const tmp = join(dir, "objects", "tmp");
    setFaultPlan({ at: 1_000_000, action: "error" });
    await writeFilesIfAbsent(files(), tmp);
    const steps = faultPointsPassed();
    expect(steps).toBeGreaterThan(6);
    for (let at = 1; at <= steps; at++) {
      rmSync(join(dir, "objects"), { recursive: true, force: true });
      setFaultPlan({ at, action: "error" });
      await expect(writeFilesIfAbsent(files(), tmp)).rejects.toThrow(/injected failure/);
      setFaultPlan(undefined);
      for (const f of files()) {
        let text: string | undefined;
        try {
          text = readFileSync(f.path, "utf8");
        } catch {
          text = undefined;
        }
        expect([undefined, f.data]).toContain(text);
      }
      if (existsSync(join(dir, "objects")))
        expect(listAll(join(dir, "objects")).filter((n) => n.includes(".skillsync-tmp-"))).toEqual([]);
    }
  });
});

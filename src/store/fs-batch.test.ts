import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import {
  faultPointsPassed,
  memoryOnlyBatchCount,
  recoverTransactions,
  setBatchSyncThreshold,
  setFaultPlan,
  sweepTemps,
  syncfsBatchCount,
  Transaction,
  WRITEBACK_EVERY_FILES,
  writeFileAtomic,
  writeFilesIfAbsent,
} from "./fs.js";

/** statfs type of tmpfs. */
const TMPFS = 0x01021994;
/** `/dev/shm` when it is a tmpfs (Linux), for the memory-file-system case. */
const SHM = (() => {
  try {
    return process.platform === "linux" && statfsSync("/dev/shm").type === TMPFS ? "/dev/shm" : undefined;
  } catch {
    return undefined;
  }
})();

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
  it.skipIf(!SHM)("on tmpfs (/dev/shm) starts no sync process and still commits and recovers", async () => {
    const w = mkdtempSync(join(SHM!, "skillsync-fs-batch-"));
    try {
      const [all, mem] = [syncfsBatchCount(), memoryOnlyBatchCount()];
      const tx = new Transaction(join(w, "journal"));
      await tx.replaceDir(join(w, "skill"), [{ path: "SKILL.md", data: Buffer.from("S1"), mode: 0o644 }]);
      await tx.commit();
      expect([syncfsBatchCount() - all, memoryOnlyBatchCount() - mem]).toEqual([1, 1]);
      expect(readFileSync(join(w, "skill", "SKILL.md"), "utf8")).toBe("S1");
      // A batch on a disk file system (the OS temp folder here, when it is not tmpfs) still syncs.
      if (statfsSync(dir).type !== TMPFS) {
        const m2 = memoryOnlyBatchCount();
        const tx2 = new Transaction(join(dir, "journal"));
        await tx2.replaceDir(join(dir, "skill"), [
          { path: "SKILL.md", data: Buffer.from("S2"), mode: 0o644 },
        ]);
        await tx2.commit();
        expect(memoryOnlyBatchCount()).toBe(m2);
      }
      // The commit point is unchanged: a failure before it leaves the old content after recovery.
      const tx3 = new Transaction(join(w, "journal"));
      await tx3.replaceDir(join(w, "skill"), [{ path: "SKILL.md", data: Buffer.from("S3"), mode: 0o644 }]);
      setFaultPlan({ at: 1, action: "error" });
      await expect(tx3.commit()).rejects.toThrow(/injected failure/);
      setFaultPlan(undefined);
      await tx3.abort();
      await recoverTransactions(join(w, "journal"));
      expect(readFileSync(join(w, "skill", "SKILL.md"), "utf8")).toBe("S1");
    } finally {
      rmSync(w, { recursive: true, force: true });
    }
  });

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

describe("Transaction.replaceDir with files to copy (deploy: the kernel copies the collection's files)", () => {
  /** Source files: bytes and permission bits (one that differs from the mode the copy must get). */
  const sources = (w: string) => {
    const src = join(w, "src");
    mkdirSync(join(src, "scripts"), { recursive: true });
    writeFileSync(join(src, "SKILL.md"), "S1");
    writeFileSync(join(src, "scripts", "run.sh"), "#!/bin/sh\n");
    chmodSync(join(src, "SKILL.md"), 0o644);
    chmodSync(join(src, "scripts", "run.sh"), 0o755);
    writeFileSync(join(src, "private.txt"), "p");
    chmodSync(join(src, "private.txt"), 0o600);
    writeFileSync(join(src, "big.bin"), Buffer.alloc(3 << 20, 7));
    return src;
  };
  const copies = (src: string) => [
    { path: "SKILL.md", copyFrom: join(src, "SKILL.md"), copyFromMode: 0o100644, mode: 0o644 },
    { path: "scripts/run.sh", copyFrom: join(src, "scripts", "run.sh"), copyFromMode: 0o100755, mode: 0o755 },
    // the bits last seen differ from the wanted mode: the copy is chmodded
    { path: "private.txt", copyFrom: join(src, "private.txt"), copyFromMode: 0o100600, mode: 0o644 },
    // no bits known: chmodded too
    { path: "big.bin", copyFrom: join(src, "big.bin"), mode: 0o644 },
    // bytes in memory beside copies
    { path: "mem.txt", data: Buffer.from("m"), mode: 0o644 },
  ];

  it("copies exact bytes and gives every copy exactly its mode; at every fault point all old or all new", async () => {
    const w = join(dir, "w");
    const setup = async () => {
      rmSync(w, { recursive: true, force: true });
      await writeFileAtomic(join(w, "lock"), "L0");
      await writeFileAtomic(join(w, "skill", "SKILL.md"), "S0");
      return sources(w);
    };
    const run = async (src: string) => {
      const tx = new Transaction(join(w, "journal"));
      try {
        await tx.stageFile(join(w, "lock"), "L1");
        await tx.replaceDir(join(w, "skill"), copies(src));
        await tx.commit();
      } catch (e) {
        await tx.abort();
        throw e;
      }
    };
    const src = await setup();
    setFaultPlan({ at: 1_000_000, action: "error" });
    await run(src);
    const steps = faultPointsPassed();
    setFaultPlan(undefined);
    const skill = join(w, "skill");
    expect(readFileSync(join(skill, "SKILL.md"), "utf8")).toBe("S1");
    expect(readFileSync(join(skill, "big.bin")).equals(Buffer.alloc(3 << 20, 7))).toBe(true);
    expect(readFileSync(join(skill, "mem.txt"), "utf8")).toBe("m");
    expect(statSync(join(skill, "scripts", "run.sh")).mode & 0o7777).toBe(0o755);
    expect(statSync(join(skill, "SKILL.md")).mode & 0o7777).toBe(0o644);
    expect(statSync(join(skill, "private.txt")).mode & 0o7777).toBe(0o644);
    expect(statSync(join(skill, "big.bin")).mode & 0o7777).toBe(0o644);
    for (let at = 1; at <= steps; at++) {
      const s = await setup();
      setFaultPlan({ at, action: "error" });
      await expect(run(s)).rejects.toThrow(/injected failure/);
      setFaultPlan(undefined);
      await recoverTransactions(join(w, "journal"));
      await sweepTemps(w);
      const state = [readFileSync(join(w, "lock"), "utf8"), readFileSync(join(skill, "SKILL.md"), "utf8")];
      expect([
        ["L0", "S0"],
        ["L1", "S1"],
      ]).toContainEqual(state);
      if (state[0] === "L1") expect(readFileSync(join(skill, "big.bin")).length).toBe(3 << 20);
      expect(listAll(w).filter((n) => n.includes(".skillsync-tmp-"))).toEqual([]);
    }
  });

  it("a source removed since planning stops the transaction (CONFLICT) and leaves nothing behind", async () => {
    const w = join(dir, "w");
    await writeFileAtomic(join(w, "skill", "SKILL.md"), "S0");
    const src = sources(w);
    rmSync(join(src, "private.txt"));
    const tx = new Transaction(join(w, "journal"));
    await expect(tx.replaceDir(join(w, "skill"), copies(src))).rejects.toMatchObject({ code: "CONFLICT" });
    await tx.abort();
    expect(readFileSync(join(w, "skill", "SKILL.md"), "utf8")).toBe("S0");
    expect(listAll(w).filter((n) => n.includes(".skillsync-tmp-"))).toEqual([]);
  });
});

describe("Transaction with early write-backs (more than WRITEBACK_EVERY_FILES staged files)", () => {
  it("commits every file of a transaction that starts write-backs while it stages", async () => {
    const w = join(dir, "w");
    const tx = new Transaction(join(w, "journal"));
    const n = WRITEBACK_EVERY_FILES + 10;
    // Several folders, so that a write-back starts between two of them.
    for (let k = 0; k < 4; k++)
      await tx.replaceDir(
        join(w, "skills", `s${k}`),
        Array.from({ length: Math.ceil(n / 4) }, (_, i) => ({
          path: `f${i}.txt`,
          data: Buffer.from(`${k}/${i}`),
          mode: 0o644,
        })),
      );
    await tx.commit();
    expect(readdirSync(join(w, "skills", "s3")).length).toBe(Math.ceil(n / 4));
    expect(readFileSync(join(w, "skills", "s2", "f7.txt"), "utf8")).toBe("2/7");
    expect(listAll(w).filter((x) => x.includes(".skillsync-tmp-"))).toEqual([]);
    expect(readdirSync(join(w, "journal"))).toEqual([]);
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

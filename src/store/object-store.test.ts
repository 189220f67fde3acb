import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type TreeFile, treeHashOfFiles } from "../core/tree-hash.js";
import { faultPointsPassed, setBatchSyncThreshold, setFaultPlan } from "./fs.js";
import { ObjectStore } from "./object-store.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "skillsync-objects-"));
});
afterEach(() => {
  setFaultPlan(undefined);
  setBatchSyncThreshold(256);
  rmSync(dir, { recursive: true, force: true });
});

const file = (path: string, text: string, mode: "644" | "755" = "644"): TreeFile => ({
  path,
  mode,
  data: Buffer.from(text),
});
const trees = () => [
  [file("SKILL.md", "a"), file("scripts/x.sh", "shared", "755")],
  [file("SKILL.md", "b"), file("other.txt", "shared")],
  [file("SKILL.md", "a"), file("scripts/x.sh", "shared", "755")], // the first again
];

describe("ObjectStore.putTrees", () => {
  it("stores every tree and blob once, returning the tree hashes in order", async () => {
    const store = new ObjectStore(join(dir, "objects"));
    const shas = await store.putTrees(trees());
    expect(shas).toEqual(trees().map(treeHashOfFiles));
    expect(shas[2]).toBe(shas[0]);
    for (const [i, sha] of shas.entries())
      expect(store.readTree(sha).map((f) => [f.path, f.mode, Buffer.from(f.data).toString()])).toEqual(
        trees()[i]!.map((f) => [f.path, f.mode, Buffer.from(f.data).toString()]),
      );
    expect(readdirSync(join(dir, "objects", "tmp"))).toEqual([]);
    expect(await store.putTrees(trees())).toEqual(shas); // idempotent
    expect(await store.putTree(trees()[1]!)).toBe(shas[1]);
  });

  it("at every fault point (syncfs batches): no tree is stored without all its blobs, no temp is left", async () => {
    setBatchSyncThreshold(1);
    const root = join(dir, "objects");
    setFaultPlan({ at: 1_000_000, action: "error" });
    await new ObjectStore(root).putTrees(trees());
    const steps = faultPointsPassed();
    for (let at = 1; at <= steps; at++) {
      rmSync(root, { recursive: true, force: true });
      const store = new ObjectStore(root);
      setFaultPlan({ at, action: "error" });
      await expect(store.putTrees(trees())).rejects.toThrow(/injected failure/);
      setFaultPlan(undefined);
      for (const sha of trees().map(treeHashOfFiles)) {
        if (!store.hasTreeSync(sha)) continue;
        for (const e of store.readManifest(sha))
          expect(existsSync(join(root, "blobs", e.sha.slice(0, 2), e.sha.slice(2)))).toBe(true);
        expect(store.readManifest(sha)).toHaveLength(2);
      }
      if (existsSync(join(root, "tmp"))) expect(readdirSync(join(root, "tmp"))).toEqual([]);
    }
  });
});

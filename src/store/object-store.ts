/**
 * The content-addressed object store under `$SKILLSYNC_HOME/objects/`: blobs (file bytes) and trees
 * (manifest text, DESIGN.md "tree hash"), each named by its SHA-256. Every version of every artifact
 * ever added, deployed, pulled or fetched is kept, so the exact base of a deployment can always be
 * read back for a three-way merge.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { manifest, parseManifest, sha256Hex, type TreeEntry } from "../core/tree-hash.js";
import {
  type AbsentFile,
  exists,
  inParallel,
  removePath,
  WRITE_CONCURRENCY,
  writeFileIfAbsent,
  writeFilesIfAbsent,
} from "./fs.js";
import type { DiskTree, TreeFile } from "./tree-read.js";

/** Where a blob or tree lives: `objects/{blobs|trees}/<first 2 hex>/<rest>`. */
function objectPath(root: string, type: "blobs" | "trees", sha: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha)) throw new SkillsyncError("INTERNAL", `not a SHA-256: ${sha}`);
  return join(root, type, sha.slice(0, 2), sha.slice(2));
}

/** The object store rooted at `root` (normally `$SKILLSYNC_HOME/objects`). */
export class ObjectStore {
  /** Where object writes stage their temp files (`objects/tmp`). */
  readonly tempDir: string;

  constructor(readonly root: string) {
    this.tempDir = join(root, "tmp");
  }

  /** Stores the bytes of `files` and their tree; returns the tree hash. Idempotent. */
  async putTree(files: readonly TreeFile[]): Promise<string> {
    return (await this.putTrees([files]))[0]!;
  }

  /**
   * Stores the bytes and the tree of each of `trees`; returns their tree hashes, in order. Idempotent.
   * All missing blobs are made durable in one batch, then all missing tree objects in a second one
   * (a tree is never on the disk before its blobs), so `add` of 181 skills pays one syncfs for its
   * ~3,300 blobs instead of ~18 fsyncs per skill (issue 13). When this returns, every object is on
   * the disk.
   */
  async putTrees(trees: readonly (readonly TreeFile[])[]): Promise<string[]> {
    const blobs = new Map<string, AbsentFile>();
    const manifests = trees.map((files) =>
      files.map((f): TreeEntry => {
        const sha = sha256Hex(f.data);
        if (!blobs.has(sha))
          blobs.set(sha, { path: objectPath(this.root, "blobs", sha), data: f.data, mode: 0o444 });
        return { path: f.path, mode: f.mode, sha };
      }),
    );
    await writeFilesIfAbsent([...blobs.values()], this.tempDir);
    const treeObjects = new Map<string, AbsentFile>();
    const shas = manifests.map((entries) => {
      const text = manifest(entries);
      const sha = sha256Hex(text);
      if (!treeObjects.has(sha))
        treeObjects.set(sha, { path: objectPath(this.root, "trees", sha), data: text, mode: 0o444 });
      return sha;
    });
    await writeFilesIfAbsent([...treeObjects.values()], this.tempDir);
    return shas;
  }

  /**
   * Stores a tree read from disk, reading only the files whose blobs are not stored yet (cheap when
   * little changed). Returns its hash, which equals `tree.sha`.
   */
  async putDiskTree(tree: DiskTree): Promise<string> {
    if (this.hasTreeSync(tree.sha)) return tree.sha;
    await inParallel(tree.entries, WRITE_CONCURRENCY, async (e) => {
      const p = objectPath(this.root, "blobs", e.sha);
      if (await exists(p)) return;
      const data = readFileSync(tree.abs.get(e.path)!);
      if (sha256Hex(data) !== e.sha)
        throw new SkillsyncError(
          "CONFLICT",
          `${tree.abs.get(e.path)} changed while it was being read; run the command again`,
        );
      await writeFileIfAbsent(p, data, { mode: 0o444, tempDir: this.tempDir });
    });
    return this.putManifest(tree.entries);
  }

  /** Stores a tree whose blobs are already stored (or are stored by the caller). Returns its hash. */
  async putManifest(entries: readonly TreeEntry[]): Promise<string> {
    const text = manifest(entries);
    const sha = sha256Hex(text);
    await writeFileIfAbsent(objectPath(this.root, "trees", sha), text, {
      mode: 0o444,
      tempDir: this.tempDir,
    });
    return sha;
  }

  /** Stores one blob; returns its hash. */
  async putBlob(data: Uint8Array): Promise<string> {
    const sha = sha256Hex(data);
    await writeFileIfAbsent(objectPath(this.root, "blobs", sha), data, {
      mode: 0o444,
      tempDir: this.tempDir,
    });
    return sha;
  }

  /**
   * True when the tree object is stored. Blobs are always written before their tree, so a stored
   * tree means its blobs are there too (unless someone deleted objects by hand).
   */
  hasTreeSync(sha: string): boolean {
    return existsSync(objectPath(this.root, "trees", sha));
  }

  /** True when the tree and all its blobs are stored. */
  async hasTree(sha: string): Promise<boolean> {
    if (!(await exists(objectPath(this.root, "trees", sha)))) return false;
    for (const e of this.readManifest(sha))
      if (!(await exists(objectPath(this.root, "blobs", e.sha)))) return false;
    return true;
  }

  /**
   * The entries of tree `sha`.
   * @throws SkillsyncError NOT_FOUND when the tree is not stored
   */
  readManifest(sha: string): TreeEntry[] {
    let text: string;
    try {
      text = readFileSync(objectPath(this.root, "trees", sha), "utf8");
    } catch {
      throw new SkillsyncError("NOT_FOUND", `tree ${sha.slice(0, 12)} is not in the object store`);
    }
    return parseManifest(text);
  }

  /**
   * The files (with bytes) of tree `sha`, verified against their hashes.
   * @throws SkillsyncError NOT_FOUND when the tree or a blob is missing, INTERNAL when a blob is corrupt
   */
  readTree(sha: string): TreeFile[] {
    return this.readManifest(sha).map((e) => ({ path: e.path, mode: e.mode, data: this.readBlob(e.sha) }));
  }

  /** The bytes of blob `sha`, verified. */
  readBlob(sha: string): Uint8Array {
    let data: Buffer;
    try {
      data = readFileSync(objectPath(this.root, "blobs", sha));
    } catch {
      throw new SkillsyncError("NOT_FOUND", `blob ${sha.slice(0, 12)} is not in the object store`);
    }
    if (sha256Hex(data) !== sha)
      throw new SkillsyncError("INTERNAL", `blob ${sha.slice(0, 12)} in the object store is corrupt`);
    return data;
  }

  /**
   * Every stored object: its type, hash, size (bytes) and modification time (ms since the epoch).
   * Files that are not objects (temps, stray names) are skipped. For `gc`: one walk of the store.
   */
  listObjects(): { type: "blobs" | "trees"; sha: string; size: number; mtimeMs: number }[] {
    const out: { type: "blobs" | "trees"; sha: string; size: number; mtimeMs: number }[] = [];
    for (const type of ["blobs", "trees"] as const) {
      let fans: string[];
      try {
        fans = readdirSync(join(this.root, type));
      } catch {
        continue;
      }
      for (const fan of fans) {
        if (!/^[0-9a-f]{2}$/.test(fan)) continue;
        let names: string[];
        try {
          names = readdirSync(join(this.root, type, fan));
        } catch {
          continue;
        }
        for (const n of names) {
          const sha = fan + n;
          if (!/^[0-9a-f]{64}$/.test(sha)) continue;
          try {
            const st = statSync(join(this.root, type, fan, n));
            out.push({ type, sha, size: st.size, mtimeMs: st.mtimeMs });
          } catch {
            // removed meanwhile
          }
        }
      }
    }
    return out;
  }

  /** Deletes one object (for `gc`, which decides it is unreferenced). */
  async removeObject(type: "blobs" | "trees", sha: string): Promise<void> {
    await removePath(objectPath(this.root, type, sha));
  }
}

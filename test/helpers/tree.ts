/**
 * Snapshots of folder trees for byte-exact comparisons: relative path → SHA-256 of the bytes, size
 * (bytes) and permission bits. Symlinks are recorded by their target text, not followed.
 */
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** One file in a {@link TreeSnapshot}. `mode` is the permission bits (e.g. `0o755`). */
export interface SnapshotEntry {
  sha: string;
  size: number;
  mode: number;
  /** `file` or `symlink` (the sha of a symlink is of its target text). */
  type: "file" | "symlink";
}

/** Relative `/` path → entry, sorted by path. */
export type TreeSnapshot = Map<string, SnapshotEntry>;

/** Options for {@link snapshotTree}. */
export interface SnapshotOptions {
  /** Skip entries (files or whole folders) whose relative path this returns true for. */
  ignore?: (relPath: string, name: string) => boolean;
  /** Also record empty folders as entries with `type: "file"`, size -1 (default false). */
  emptyDirs?: boolean;
}

/** SHA-256 (hex) of `data`. */
export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Reads every file under `root` into a snapshot. A missing `root` gives an empty snapshot.
 * @throws Node's errors for unreadable files
 */
export function snapshotTree(root: string, opts: SnapshotOptions = {}): TreeSnapshot {
  const out: [string, SnapshotEntry][] = [];
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && rel === "") return;
      throw e;
    }
    if (names.length === 0 && opts.emptyDirs && rel !== "")
      out.push([`${rel}/`, { sha: "", size: -1, mode: 0, type: "file" }]);
    for (const name of names) {
      const childRel = rel === "" ? name : `${rel}/${name}`;
      if (opts.ignore?.(childRel, name)) continue;
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p, childRel);
      else if (st.isSymbolicLink()) {
        const target = readlinkSync(p);
        out.push([
          childRel,
          { sha: sha256(target), size: target.length, mode: st.mode & 0o7777, type: "symlink" },
        ]);
      } else if (st.isFile()) {
        const data = readFileSync(p);
        out.push([childRel, { sha: sha256(data), size: data.length, mode: st.mode & 0o7777, type: "file" }]);
      }
    }
  };
  walk(root, "");
  out.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
  return new Map(out);
}

/** Options for {@link diffSnapshots}. */
export interface DiffOptions {
  /** Compare only the execute bits (644 vs 755), as skillsync's tree hash does (default true). */
  execBitsOnly?: boolean;
}

/**
 * The differences between two snapshots, one line each (`+ path`, `- path`, `~ path (why)`);
 * empty when they are equal. Meant for `expect(diffSnapshots(a, b)).toEqual([])`.
 */
export function diffSnapshots(a: TreeSnapshot, b: TreeSnapshot, opts: DiffOptions = {}): string[] {
  const execOnly = opts.execBitsOnly ?? true;
  const modeOf = (m: number) => (execOnly ? (m & 0o111 ? 0o755 : 0o644) : m);
  const lines: string[] = [];
  for (const [p, ea] of a) {
    const eb = b.get(p);
    if (!eb) lines.push(`- ${p}`);
    else if (ea.sha !== eb.sha || ea.type !== eb.type) lines.push(`~ ${p} (content)`);
    else if (modeOf(ea.mode) !== modeOf(eb.mode))
      lines.push(`~ ${p} (mode ${ea.mode.toString(8)} -> ${eb.mode.toString(8)})`);
  }
  for (const p of b.keys()) if (!a.has(p)) lines.push(`+ ${p}`);
  return lines;
}

/** The entries of `snap` under folder `prefix` (a relative path), re-rooted there. */
export function subSnapshot(snap: TreeSnapshot, prefix: string): TreeSnapshot {
  const pre = prefix.endsWith("/") ? prefix : `${prefix}/`;
  const out: TreeSnapshot = new Map();
  for (const [p, e] of snap) if (p.startsWith(pre)) out.set(p.slice(pre.length), e);
  return out;
}

/**
 * The tree hash of a snapshot as DESIGN.md defines it: SHA-256 of one line
 * `<sha256> <644|755> <path>\n` per file, sorted bytewise by path (`.git/`, `node_modules/`,
 * `.DS_Store` ignored). Computed here independently of skillsync's own code.
 */
export function treeHashOf(snap: TreeSnapshot): string {
  const ignored = new Set([".git", "node_modules", ".DS_Store"]);
  const paths = [...snap.keys()]
    .filter((p) => !p.split("/").some((s) => ignored.has(s)))
    .sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  let manifest = "";
  for (const p of paths) {
    const e = snap.get(p)!;
    manifest += `${e.sha} ${e.mode & 0o111 ? "755" : "644"} ${p}\n`;
  }
  return sha256(manifest);
}

/** Every relative path under `root` whose name contains `marker` (files and folders). */
export function findNamed(root: string, marker: string): string[] {
  const hits: string[] = [];
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const childRel = rel === "" ? name : `${rel}/${name}`;
      if (name.includes(marker)) hits.push(childRel);
      const p = join(dir, name);
      if (lstatSync(p).isDirectory()) walk(p, childRel);
    }
  };
  walk(root, "");
  return hits.sort();
}

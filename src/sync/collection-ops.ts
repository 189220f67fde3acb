/**
 * Collection operations: init, add, remove, list, show, validate. Each validates everything first
 * and writes nothing on bad input; writes go through one transaction with the lock file.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { isKind, KINDS, type Kind } from "../core/names.js";
import type { Problem } from "../core/validate.js";
import { discoverArtifacts, type Located, locate } from "../store/collection.js";
import {
  ensureDir,
  type FileToCopy,
  type FileToWrite,
  type Transaction,
  writeFileAtomic,
} from "../store/fs.js";
import {
  emptyLock,
  findLockEntry,
  type LockEntry,
  type LockFile,
  readLockFile,
  removeLockEntry,
  serializeLockFile,
  upsertLockEntry,
} from "../store/lock-file.js";
import { copySource } from "../store/tree-files.js";
import { loadTreeFiles, type TreeFile } from "../store/tree-read.js";
import { readArtifact, readArtifactTree, treeMeta, validateLocated } from "./artifact-info.js";
import {
  type Candidate,
  findCandidates,
  findCandidatesLenient,
  findCandidatesReporting,
  type RejectedArtifact,
} from "./discover.js";
import { takeSnapshot } from "./snapshot.js";
import {
  collectionLock,
  isoNow,
  locked,
  requireCollection,
  transaction,
  type Workspace,
} from "./workspace.js";

export {
  type Candidate,
  findCandidates,
  findCandidatesReporting,
  type RejectedArtifact,
  SKILL_SEARCH_DEPTH,
} from "./discover.js";

/** Creates the collection folder and an empty lock file. Returns false when it already existed. */
export async function initCollection(ws: Workspace): Promise<boolean> {
  if (existsSync(ws.lockPath)) return false;
  await ensureDir(ws.collectionDir);
  await writeFileAtomic(ws.lockPath, serializeLockFile(emptyLock()));
  return true;
}

/** Options for {@link addArtifacts}. */
export interface AddOptions {
  paths: string[];
  kind?: Kind;
  /** Overwrite artifacts already in the collection (after a snapshot). */
  force?: boolean;
  /** Source string to record instead of `local:/abs/path` (git sources). */
  sourceFor?: (c: Candidate) => string;
  /** Commit to record as `resolved-ref` (git sources). */
  resolvedRef?: string;
  /** Create the collection (in the same transaction) when it does not exist yet. */
  createCollection?: boolean;
  /**
   * Add the valid artifacts and return the invalid ones in `invalid` (file, line, reason) instead of
   * refusing the whole add (the CLI's default; `--all-or-nothing` turns it off). Artifacts already in
   * the collection still refuse the whole add without `force`.
   */
  partial?: boolean;
}

/** What `add` did for one artifact. */
export interface AddResult {
  kind: Kind;
  name: string;
  sha: string;
  version: string;
  status: "added" | "replaced" | "unchanged";
  warnings: Problem[];
}

/** What {@link addArtifacts} did. */
export interface AddOutcome {
  results: AddResult[];
  snapshotId?: string;
  /** With `partial`: the artifacts left out, each with file, line and reason. */
  invalid: RejectedArtifact[];
}

/**
 * Adds artifacts to the collection. All candidates are validated first. Without `partial`, any error,
 * or an existing artifact without `force`, refuses the whole add and writes nothing; with `partial`,
 * invalid artifacts (and later duplicates of a name) are left out and listed in `invalid`, unless
 * none is valid: then the whole add is refused as without it.
 * @throws SkillsyncError INVALID_ARTIFACT (first error, with file and line; with `partial` only when
 *   no artifact is valid), ALREADY_EXISTS, NOT_FOUND
 */
export async function addArtifacts(ws: Workspace, opts: AddOptions): Promise<AddOutcome> {
  if (!opts.createCollection) requireCollection(ws);
  const invalid: RejectedArtifact[] = [];
  const candidates: Candidate[] = [];
  for (const p of opts.paths) {
    if (opts.partial) {
      const found = findCandidatesReporting(p, opts.kind);
      candidates.push(...found.candidates);
      invalid.push(...found.rejected);
    } else candidates.push(...findCandidates(p, opts.kind));
  }
  /** Lower-cased id → the first candidate's id and path. */
  const seen = new Map<string, { id: string; path: string }>();
  /** Lower-cased ids with case-only twins: every one of them is left out (none wins by order). */
  const twinned = new Set<string>();
  const unique: Candidate[] = [];
  for (const c of candidates) {
    const id = `${c.kind}/${c.name}`;
    const first = seen.get(id.toLowerCase());
    if (first !== undefined) {
      // Case-only twins are refused on every file system (lock-file.ts upsertLockEntry), checked
      // here before anything is stored.
      const reason =
        first.id === id
          ? `${id} was already found at ${first.path}; add one of them by its path`
          : `${id} and ${first.id} differ only in case; rename one (such names collide on case-insensitive file systems)`;
      if (!opts.partial) {
        if (first.id === id) throw new SkillsyncError("USAGE", `${id} is given twice; add one of them`);
        throw new SkillsyncError("INVALID_NAME", reason);
      }
      if (first.id !== id && !twinned.has(id.toLowerCase())) {
        twinned.add(id.toLowerCase());
        invalid.push({
          artifact: first.id,
          file: first.path,
          reason: `${first.id} and ${id} differ only in case; rename one (such names collide on case-insensitive file systems)`,
        });
      }
      invalid.push({ artifact: id, file: c.source.path, reason });
      continue;
    }
    seen.set(id.toLowerCase(), { id, path: c.source.path });
    unique.push(c);
  }
  const prepared: { c: Candidate; files: TreeFile[]; sha: string; version: string; warnings: Problem[] }[] =
    [];
  for (const c of unique.filter((u) => !twinned.has(`${u.kind}/${u.name}`.toLowerCase()))) {
    const v = validateLocated(c.source);
    const err = v.problems.find((p) => p.severity === "error");
    if (err && opts.partial) {
      invalid.push({
        artifact: `${c.kind}/${c.name}`,
        file: err.file,
        ...(err.line ? { line: err.line } : {}),
        reason: err.message,
      });
      continue;
    }
    if (err)
      throw new SkillsyncError(
        "INVALID_ARTIFACT",
        `${err.message} (nothing was added; fix it or run 'skillsync validate', or leave out --all-or-nothing to add the valid ones)`,
        {
          file: err.file,
          ...(err.line ? { line: err.line } : {}),
        },
      );
    const tree = readArtifactTree(ws, c.source);
    if (!tree) throw new SkillsyncError("NOT_FOUND", `nothing at ${c.source.path}`);
    let files = loadTreeFiles(tree);
    if (c.source.form === "file") files = files.map((f) => ({ ...f, path: `${c.name}.md` }));
    prepared.push({
      c,
      files,
      sha: "", // set below, by putTrees
      version: v.version,
      warnings: v.problems.filter((p) => p.severity === "warning"),
    });
  }
  const firstInvalid = invalid[0];
  if (prepared.length === 0 && firstInvalid) {
    // Nothing valid at all: bad input, refused as a whole (exit 2) as without `partial`.
    const more = invalid.length > 1 ? `; ${invalid.length - 1} more invalid, see 'skillsync validate'` : "";
    throw new SkillsyncError("INVALID_ARTIFACT", `${firstInvalid.reason} (nothing was added${more})`, {
      file: firstInvalid.file,
      ...(firstInvalid.line ? { line: firstInvalid.line } : {}),
    });
  }
  // Objects before anything points at them; all trees in one call, so their blobs are made durable
  // in one batch (one syncfs for a large add) instead of one per artifact.
  const shas = await ws.objects.putTrees(prepared.map((p) => p.files));
  for (const [i, p] of prepared.entries()) p.sha = shas[i]!;
  return locked(ws, [collectionLock(ws)], async () => {
    let lock = readLockFile(ws.lockPath, ws.parsedCache);
    const results: AddResult[] = [];
    const existing: string[] = [];
    for (const p of prepared) {
      const dest = locate(ws.collectionDir, ws.layout, p.c.kind, p.c.name);
      const current = readArtifactTree(ws, dest);
      if (current && current.sha !== p.sha && !opts.force) existing.push(`${p.c.kind}/${p.c.name}`);
    }
    if (existing.length > 0)
      throw new SkillsyncError(
        "ALREADY_EXISTS",
        `already in collection '${ws.collection}': ${existing.join(", ")}; pass --force to replace (a snapshot is kept)`,
      );
    const now = isoNow(ws);
    const tx = transaction(ws);
    let snapshotId: string | undefined;
    try {
      const replacing = prepared.filter((p) =>
        existsSync(locate(ws.collectionDir, ws.layout, p.c.kind, p.c.name).path),
      );
      if (replacing.length > 0)
        snapshotId = await takeSnapshot(ws, {
          scope: { type: "collection" },
          message: `before add --force of ${replacing.map((p) => p.c.name).join(", ")}`,
          auto: true,
        });
      for (const p of prepared) {
        const dest = locate(ws.collectionDir, ws.layout, p.c.kind, p.c.name);
        const current = readArtifactTree(ws, dest);
        const prev = findLockEntry(lock, p.c.kind, p.c.name);
        const status: AddResult["status"] = !current
          ? "added"
          : current.sha === p.sha
            ? "unchanged"
            : "replaced";
        if (status !== "unchanged") {
          if (dest.form === "folder") await tx.replaceDir(dest.path, p.files.map(toWrite));
          else await tx.stageFile(dest.path, p.files[0]!.data, modeBits(p.files[0]!));
        }
        const source = opts.sourceFor ? opts.sourceFor(p.c) : `local:${p.c.source.path}`;
        const entry: LockEntry = {
          name: p.c.name,
          type: p.c.kind,
          source,
          version: p.version,
          sha: p.sha,
          "added-at": prev?.["added-at"] ?? now,
          "updated-at": status === "unchanged" && prev && prev.source === source ? prev["updated-at"] : now,
          ...(opts.resolvedRef ? { "resolved-ref": opts.resolvedRef } : {}),
        };
        lock = upsertLockEntry(lock, entry);
        results.push({
          kind: p.c.kind,
          name: p.c.name,
          sha: p.sha,
          version: p.version,
          status,
          warnings: p.warnings,
        });
      }
      await stageLock(ws, tx, lock);
      await tx.commit();
    } catch (e) {
      await tx.abort();
      throw e;
    }
    ws.statCache.flush();
    return snapshotId ? { results, snapshotId, invalid } : { results, invalid };
  });
}

/** File bits for a tree file's recorded mode. */
export function modeBits(f: { mode: string }): number {
  return f.mode === "755" ? 0o755 : 0o644;
}

/**
 * A tree file as the write module takes it: a file to copy when its bytes were never read (a lazy file
 * of store/tree-files.ts: the kernel copies it), else its bytes.
 */
export function toWrite(f: TreeFile): FileToWrite {
  const src = copySource(f);
  if (src) {
    const copy: FileToCopy = { path: f.path, copyFrom: src.path, mode: modeBits(f) };
    if (src.perm !== undefined) copy.copyFromMode = src.perm;
    return copy;
  }
  return { path: f.path, data: f.data, mode: modeBits(f) };
}

/** Stages the lock file in `tx` unless its bytes would not change (byte-identical rewrite rule). */
export async function stageLock(ws: Workspace, tx: Transaction, lock: LockFile): Promise<void> {
  const text = serializeLockFile(lock);
  let old: string | undefined;
  try {
    old = readFileSync(ws.lockPath, "utf8");
  } catch {
    old = undefined;
  }
  if (old !== text) await tx.stageFile(ws.lockPath, text);
}

/**
 * Resolves a NAME or KIND/NAME given on the command line to artifacts in the collection.
 * @throws SkillsyncError NOT_FOUND, USAGE when a bare name matches several kinds
 */
export function resolveNames(ws: Workspace, names: string[], all = false): Located[] {
  const present = discoverArtifacts(ws.collectionDir, ws.layout, (m) => ws.reporter.warn(m));
  if (all) return present;
  return names.map((n) => resolveName(present, n, `collection '${ws.collection}'`));
}

/** Finds `n` (NAME or KIND/NAME) among `present`. */
export function resolveName(present: Located[], n: string, where: string): Located {
  const slash = n.indexOf("/");
  if (slash > 0) {
    const kind = n.slice(0, slash);
    const name = n.slice(slash + 1);
    if (!isKind(kind))
      throw new SkillsyncError("USAGE", `unknown kind '${kind}' in '${n}'; use one of ${KINDS.join(", ")}`);
    const hit = present.find((l) => l.kind === kind && l.name === name);
    if (!hit)
      throw new SkillsyncError("NOT_FOUND", `${kind} '${name}' is not in ${where}; see 'skillsync list'`);
    return hit;
  }
  const hits = present.filter((l) => l.name === n);
  if (hits.length === 0)
    throw new SkillsyncError("NOT_FOUND", `'${n}' is not in ${where}; see 'skillsync list'`);
  if (hits.length > 1)
    throw new SkillsyncError(
      "USAGE",
      `'${n}' names several artifacts (${hits.map((h) => `${h.kind}/${n}`).join(", ")}); say which`,
    );
  return hits[0]!;
}

/** Removes artifacts from the collection (a snapshot first). */
export async function removeArtifacts(
  ws: Workspace,
  names: string[],
): Promise<{ removed: string[]; snapshotId: string }> {
  requireCollection(ws);
  const targets = resolveNames(ws, names);
  return locked(ws, [collectionLock(ws)], async () => {
    const snapshotId = await takeSnapshot(ws, {
      scope: { type: "collection" },
      message: `before remove of ${targets.map((t) => t.name).join(", ")}`,
      auto: true,
    });
    let lock = readLockFile(ws.lockPath, ws.parsedCache);
    const tx = transaction(ws);
    try {
      for (const t of targets) {
        await tx.remove(t.path);
        lock = removeLockEntry(lock, t.kind, t.name);
      }
      await stageLock(ws, tx, lock);
      await tx.commit();
    } catch (e) {
      await tx.abort();
      throw e;
    }
    for (const t of targets) ws.statCache.forget(t.path);
    return { removed: targets.map((t) => `${t.kind}/${t.name}`), snapshotId };
  });
}

/** One row of `list`. */
export interface ListedArtifact {
  name: string;
  type: Kind;
  version: string;
  sha: string;
  source: string | null;
  description: string | null;
  valid: boolean;
  /** True when the collection copy differs from the lock file's `sha` (edited in place). */
  modified_since_lock: boolean;
  updated_at: string | null;
}

/** Everything in the collection, with lock information. */
export function listArtifacts(ws: Workspace): ListedArtifact[] {
  requireCollection(ws);
  const lock = readLockFile(ws.lockPath, ws.parsedCache);
  const out: ListedArtifact[] = [];
  for (const loc of discoverArtifacts(ws.collectionDir, ws.layout, (m) => ws.reporter.warn(m))) {
    const tree = readArtifactTree(ws, loc);
    if (!tree) continue;
    const meta = treeMeta(ws, loc, tree);
    const entry = findLockEntry(lock, loc.kind, loc.name);
    out.push({
      name: loc.name,
      type: loc.kind,
      version: meta.version,
      sha: tree.sha,
      source: entry?.source ?? null,
      description: meta.description ?? null,
      valid: meta.valid,
      modified_since_lock: entry ? entry.sha !== tree.sha : true,
      updated_at: entry?.["updated-at"] ?? null,
    });
  }
  ws.statCache.flush();
  return out;
}

/** Details of one artifact for `show`. */
export interface ShownArtifact extends ListedArtifact {
  path: string;
  files: { path: string; mode: string; sha: string; size: number }[];
  lock: LockEntry | null;
  problems: Problem[];
}

/** Details of one artifact. */
export function showArtifact(ws: Workspace, name: string): ShownArtifact {
  requireCollection(ws);
  const loc = resolveNames(ws, [name])[0]!;
  const info = readArtifact(ws, loc);
  const lock = readLockFile(ws.lockPath, ws.parsedCache);
  const entry = findLockEntry(lock, loc.kind, loc.name) ?? null;
  const v = validateLocated(loc);
  const files = info.tree.entries.map((e) => ({
    path: e.path,
    mode: e.mode,
    sha: e.sha,
    size: statSync(info.tree.abs.get(e.path)!).size,
  }));
  ws.statCache.flush();
  return {
    name: loc.name,
    type: loc.kind,
    version: info.version,
    sha: info.tree.sha,
    source: entry?.source ?? null,
    description: info.description ?? null,
    valid: !v.problems.some((p) => p.severity === "error"),
    modified_since_lock: entry ? entry.sha !== info.tree.sha : true,
    updated_at: entry?.["updated-at"] ?? null,
    path: loc.path,
    files,
    lock: entry,
    problems: v.problems,
  };
}

/** Validation result of one artifact. */
export interface ValidatedArtifact {
  kind: Kind;
  name: string;
  path: string;
  valid: boolean;
  problems: Problem[];
}

/**
 * Validates artifacts at `path`: a skill folder, a `.md` file, or any folder holding artifacts
 * (a collection, a project, a folder of skills). Without a path: the collection.
 */
export function validatePath(
  ws: Workspace,
  path: string | undefined,
  opts: { strict?: boolean; kind?: Kind } = {},
): ValidatedArtifact[] {
  let locs: Located[];
  let rejected: RejectedArtifact[] = [];
  if (path === undefined) {
    requireCollection(ws);
    locs = discoverArtifacts(ws.collectionDir, ws.layout);
  } else {
    const abs = resolve(path);
    if (!existsSync(abs)) throw new SkillsyncError("NOT_FOUND", `nothing at ${abs}; check the path`);
    if (
      statSync(abs).isDirectory() &&
      !existsSync(join(abs, "SKILL.md")) &&
      basename(dirname(abs)) === "skills"
    ) {
      locs = [{ kind: "skill", name: basename(abs), path: abs, form: "folder" }];
    } else {
      const found = findCandidatesLenient(abs, opts.kind);
      locs = found.locs;
      rejected = found.rejected;
    }
  }
  const fromRejected: ValidatedArtifact[] = rejected.map((r) => {
    const slash = r.artifact.indexOf("/");
    const kind = r.artifact.slice(0, slash) as Kind;
    return {
      kind,
      name: r.artifact.slice(slash + 1),
      path: kind === "skill" ? dirname(r.file) : r.file,
      valid: false,
      problems: [{ severity: "error", message: r.reason, file: r.file, ...(r.line ? { line: r.line } : {}) }],
    };
  });
  return [
    ...locs.map((loc) => {
      const v = validateLocated(loc, opts.strict);
      return {
        kind: loc.kind,
        name: loc.name,
        path: loc.path,
        valid: !v.problems.some((p) => p.severity === "error"),
        problems: v.problems,
      };
    }),
    ...fromRejected,
  ];
}

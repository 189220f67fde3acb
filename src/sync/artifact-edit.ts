/**
 * Editing the collection from a front end: save edited files, create an artifact, and finish a
 * pending conflict with a human's resolution. The daemon's web UI calls these; the CLI and MCP can
 * call the same functions. Guarantees: bad input is refused with one SkillsyncError before anything
 * is written; every write runs under the collection lock in one transaction; every overwrite of the
 * collection is preceded by a snapshot (so `rollback` and the History page can undo it).
 */
import { join } from "node:path";
import type { ConflictView } from "../core/conflict-view.js";
import { SkillsyncError } from "../core/errors.js";
import { artifactNameProblem, isKind, relativePathProblem } from "../core/names.js";
import type { SyncResult } from "../core/sync-result.js";
import type { TreeFile } from "../core/tree-hash.js";
import { type Problem, validateMarkdownArtifact, validateSkillMd } from "../core/validate.js";
import { discoverArtifacts, type Located, locate } from "../store/collection.js";
import { removePath, writeFileAtomic } from "../store/fs.js";
import { readArtifactTree } from "./artifact-info.js";
import { addArtifacts } from "./collection-ops.js";
import type { ArtifactRef, ConflictRef } from "./conflicts.js";
import { fetchHub, publish } from "./hub-sync.js";
import { takeSnapshot } from "./snapshot.js";
import { transfer } from "./transfer.js";
import { collectionLock, locked, transaction, type Workspace } from "./workspace.js";

/** The collection's copy of `ref`. @throws SkillsyncError NOT_FOUND */
export function findInCollection(ws: Workspace, ref: ArtifactRef): Located {
  const hit = discoverArtifacts(ws.collectionDir, ws.layout).find(
    (l) => l.kind === ref.kind && l.name === ref.name,
  );
  if (!hit)
    throw new SkillsyncError(
      "NOT_FOUND",
      `${ref.kind} '${ref.name}' is not in collection '${ws.collection}'`,
    );
  return hit;
}

function validateText(ref: ArtifactRef, text: string): Problem[] {
  const { kind, name } = ref;
  const file = kind === "skill" ? `skills/${name}/SKILL.md` : `${kind}s/${name}.md`;
  const np = artifactNameProblem(kind, name);
  if (np) return [{ severity: "error", file, message: np }];
  return kind === "skill"
    ? validateSkillMd(text, { folderName: name, file }).problems
    : validateMarkdownArtifact(text, { kind, file }).problems;
}

/**
 * Refuses main-file text that does not validate (rules of `core/validate.ts`, applied to text not yet
 * on disk). @throws SkillsyncError INVALID_ARTIFACT with the file and line of the first error
 */
export function assertValidMain(ref: ArtifactRef, text: string): void {
  const err = validateText(ref, text).find((p) => p.severity === "error");
  if (err)
    throw new SkillsyncError("INVALID_ARTIFACT", `${err.message} (nothing was saved)`, {
      file: err.file,
      ...(err.line ? { line: err.line } : {}),
    });
}

/** Input of {@link saveArtifact}. */
export interface SaveOptions extends ArtifactRef {
  /** New text of existing files, by relative `/` path. */
  files: readonly { path: string; text: string }[];
  /** Tree hash the editor started from; a different current hash refuses the save (CONFLICT). */
  baseSha?: string | undefined;
  /** Snapshot message; default `before web UI edit of kind/name`. */
  message?: string;
}

/**
 * Saves edited text files of an artifact into the collection: under the collection lock, checks the
 * base, validates, takes a snapshot, then writes all files in one transaction (modes kept).
 * @returns the id of the snapshot taken before the write
 * @throws SkillsyncError USAGE (no files, bad shape), UNSAFE_PATH, NOT_FOUND (artifact or file
 *   absent; only existing files can be edited), CONFLICT (stale `baseSha`), INVALID_ARTIFACT
 */
export async function saveArtifact(ws: Workspace, opts: SaveOptions): Promise<{ snapshotId: string }> {
  const { kind, name } = opts;
  if (!Array.isArray(opts.files) || opts.files.length === 0)
    throw new SkillsyncError("USAGE", "nothing to save: 'files' is empty");
  const loc = findInCollection(ws, { kind, name });
  return await locked(ws, [collectionLock(ws)], async () => {
    const tree = readArtifactTree(ws, loc);
    if (!tree) throw new SkillsyncError("NOT_FOUND", `${kind} '${name}' vanished from the collection`);
    if (opts.baseSha && opts.baseSha !== tree.sha)
      throw new SkillsyncError(
        "CONFLICT",
        `${kind}/${name} changed in the collection since you opened it; reload the page and apply your edit again`,
      );
    const writes: { abs: string; text: string; mode: number }[] = [];
    for (const f of opts.files) {
      if (typeof f?.path !== "string" || typeof f.text !== "string")
        throw new SkillsyncError("USAGE", "each file needs a string 'path' and 'text'");
      const problem = relativePathProblem(f.path);
      if (problem) throw new SkillsyncError("UNSAFE_PATH", problem);
      const entry = tree.entries.find((e) => e.path === f.path);
      if (!entry)
        throw new SkillsyncError(
          "NOT_FOUND",
          `${kind}/${name} has no file '${f.path}'; only existing files can be edited here`,
        );
      const abs = loc.form === "folder" ? join(loc.path, ...f.path.split("/")) : loc.path;
      writes.push({ abs, text: f.text, mode: entry.mode === "755" ? 0o755 : 0o644 });
    }
    const main = loc.form === "folder" ? "SKILL.md" : (loc.entryName ?? `${name}.md`);
    const newMain = opts.files.find((f) => f.path === main);
    if (newMain) assertValidMain({ kind, name }, newMain.text);
    const snapshotId = await takeSnapshot(ws, {
      scope: { type: "collection" },
      message: opts.message ?? `before web UI edit of ${kind}/${name}`,
      auto: true,
    });
    const tx = transaction(ws);
    try {
      for (const w of writes) await tx.stageFile(w.abs, w.text, w.mode);
      await tx.commit();
    } catch (e) {
      await tx.abort();
      throw e;
    }
    ws.statCache.flush();
    return { snapshotId };
  });
}

/**
 * Creates a new artifact from the text of its main file: validated, written to a draft folder under
 * the home, added with `addArtifacts` (refuses an existing name, records the lock entry and
 * objects; source `local:<collection path>`), then the draft is removed.
 * @throws SkillsyncError USAGE (bad kind or shape), INVALID_ARTIFACT, ALREADY_EXISTS
 */
export async function createArtifact(
  ws: Workspace,
  opts: { kind: unknown; name: unknown; text: unknown },
): Promise<Located> {
  const { kind, name, text } = opts;
  if (typeof kind !== "string" || !isKind(kind))
    throw new SkillsyncError("USAGE", "'kind' must be skill, command, agent or prompt");
  if (typeof name !== "string" || typeof text !== "string")
    throw new SkillsyncError("USAGE", "'name' and 'text' must be strings");
  assertValidMain({ kind, name }, text);
  if (discoverArtifacts(ws.collectionDir, ws.layout).some((l) => l.kind === kind && l.name === name))
    throw new SkillsyncError(
      "ALREADY_EXISTS",
      `${kind} '${name}' is already in collection '${ws.collection}'; pick another name`,
    );
  const draftRoot = join(ws.home, "drafts", `${process.pid}-${Date.now().toString(36)}`);
  const dest = locate(ws.collectionDir, ws.layout, kind, name);
  try {
    const draft = locate(draftRoot, ws.layout, kind, name);
    await writeFileAtomic(draft.form === "folder" ? join(draft.path, "SKILL.md") : draft.path, text);
    await addArtifacts(ws, { paths: [draft.path], kind, sourceFor: () => `local:${dest.path}` });
  } finally {
    await removePath(draftRoot);
  }
  return dest;
}

/** Input of {@link resolveConflict}. */
export interface ResolveConflictOptions {
  conflict: ConflictRef;
  /** The human's final content of conflicting files (null deletes the file); each must be in `view.files`. */
  files: readonly { path: string; content: string | null }[];
  /** The conflict as shown (`core/conflict-view.ts`): its listed files and whole merged tree. */
  view: ConflictView;
  /** Every pending conflict, to refuse a hub resolution that would settle others. */
  others: readonly ConflictRef[];
}

/**
 * Completes a pending conflict with a human's resolution. The resolved artifact is the engine's
 * merge (`view.merged`: clean changes of both sides) with the given files replacing the conflicting
 * ones; it is written into the collection (snapshot first, one transaction under the collection lock).
 * Then, for a project, `transfer` pushes it with `overwrite` (snapshots the project, writes it and
 * records the resolution as the new base); for a hub, `fetchHub` with `ours` takes the hub's
 * revision as the new base and `publish` sends the resolution on top of it.
 * @returns the operation's result for the artifact (undefined when it reported none), with
 *   `conflicts_resolved` at least the number of files resolved
 * @throws SkillsyncError USAGE (bad shape, a file not in the conflict, markers left), UNSAFE_PATH,
 *   INVALID_ARTIFACT, CONFLICT (other hub conflicts pending first), and whatever the sync raises
 */
export async function resolveConflict(
  ws: Workspace,
  opts: ResolveConflictOptions,
): Promise<SyncResult | undefined> {
  const { where, kind, name } = opts.conflict;
  const hub = where.startsWith("remote:");
  if (hub) {
    // fetch --auto-resolve ours below must not settle other hub conflicts behind the user's back
    const others = opts.others.filter((c) => c.where === where && !(c.kind === kind && c.name === name));
    if (others.length > 0)
      throw new SkillsyncError(
        "CONFLICT",
        `resolve the other hub conflicts first (${others.map((c) => `${c.kind}/${c.name}`).join(", ")}); each completes through a fetch of the whole remote`,
      );
  }
  if (!Array.isArray(opts.files))
    throw new SkillsyncError("USAGE", "'files' must be a list of {path, content}");
  const result = new Map<string, TreeFile>(opts.view.merged.map((f) => [f.path, f]));
  for (const f of opts.files) {
    if (typeof f?.path !== "string" || (f.content !== null && typeof f.content !== "string"))
      throw new SkillsyncError("USAGE", "each file needs a string 'path' and a string or null 'content'");
    if (!opts.view.files.some((x) => x.path === f.path))
      throw new SkillsyncError("USAGE", `'${f.path}' is not one of the conflicting files of ${kind}/${name}`);
    if (f.content !== null && /^<{7}( |$)/m.test(f.content) && /^>{7}( |$)/m.test(f.content))
      throw new SkillsyncError(
        "USAGE",
        `'${f.path}' still has conflict markers; choose a side for every hunk first`,
      );
    const problem = relativePathProblem(f.path);
    if (problem) throw new SkillsyncError("UNSAFE_PATH", problem);
    if (f.content === null) result.delete(f.path);
    else
      result.set(f.path, {
        path: f.path,
        mode: result.get(f.path)?.mode ?? "644",
        data: new TextEncoder().encode(f.content),
      });
  }
  const loc = locate(ws.collectionDir, ws.layout, kind, name);
  const main = result.get(loc.form === "folder" ? "SKILL.md" : `${name}.md`) ?? [...result.values()][0];
  if (main) assertValidMain({ kind, name }, new TextDecoder().decode(main.data));
  const abs = (p: string) => (loc.form === "folder" ? join(loc.path, ...p.split("/")) : loc.path);
  await locked(ws, [collectionLock(ws)], async () => {
    const now = readArtifactTree(ws, loc);
    await takeSnapshot(ws, {
      scope: { type: "collection" },
      message: `before web UI conflict resolution of ${kind}/${name}`,
      auto: true,
    });
    const tx = transaction(ws);
    try {
      for (const e of now?.entries ?? []) if (!result.has(e.path)) await tx.remove(abs(e.path));
      for (const f of result.values())
        await tx.stageFile(abs(f.path), f.data, f.mode === "755" ? 0o755 : 0o644);
      await tx.commit();
    } catch (e) {
      await tx.abort();
      throw e;
    }
    ws.statCache.flush();
  });
  const id = `${kind}/${name}`;
  const settled = (r: SyncResult | undefined) =>
    r && { ...r, conflicts_resolved: Math.max(r.conflicts_resolved, opts.view.files.length) };
  if (hub) {
    const remote = where.slice("remote:".length);
    await fetchHub(ws, { remote, autoResolve: "ours" });
    return settled((await publish(ws, { names: [id], remote })).results[0]);
  }
  const report = await transfer(ws, { op: "push", project: where, names: [id], strategy: "overwrite" });
  return settled(report.results[0]);
}

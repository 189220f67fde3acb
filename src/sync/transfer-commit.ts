/**
 * Writing one target's planned steps (transfer-engine.ts) in one journalled transaction, after the
 * caller's snapshot: artifacts, objects, the lock file, the deployment record and `skills-lock.json`.
 */
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { artifactRelPath } from "../core/layout.js";
import type { Kind } from "../core/names.js";
import { treeHashOfFiles as hashOf, type TreeFile } from "../core/tree-hash.js";
import { versionOfFiles } from "../core/version.js";
import { type Located, locate } from "../store/collection.js";
import {
  type DeployRecord,
  entryTargets,
  RECORD_VERSION,
  type RecordEntry,
  readDeployRecord,
  serializeDeployRecord,
  withTarget,
} from "../store/deploy-record.js";
import type { Transaction } from "../store/fs.js";
import { findLockEntry, type LockFile, readLockFile, upsertLockEntry } from "../store/lock-file.js";
import { readArtifactTree } from "./artifact-info.js";
import { modeBits, stageLock, toWrite } from "./collection-ops.js";
import {
  type SkillsLockChange,
  stageGlobalSkillLockUpdate,
  stageSkillsLockUpdate,
} from "./skills-lock-sync.js";
import type { Step, TargetRun } from "./transfer-step.js";
import { VERSION_STRING } from "./version.js";
import { isoNow, projectLayout, transaction, type Workspace } from "./workspace.js";

/** What {@link commitSteps} writes: the steps of one target. */
export interface CommitCtx {
  run: TargetRun;
  steps: Step[];
  snapshotId: string | null;
}

/**
 * Writes the steps of one target in one transaction: the artifacts (after re-checking each target is
 * still what was planned), the objects, the lock file, the deployment record (this target's bases;
 * the other targets' entries kept) and `skills-lock.json`.
 * @throws SkillsyncError CONFLICT when a file changed since planning, ALREADY_EXISTS for a fork name in use
 */
export async function commitSteps(ws: Workspace, x: CommitCtx): Promise<void> {
  const now = isoNow(ws);
  const project = x.run.root;
  const layout = x.run.target.layout;
  const legacy = projectLayout(ws);
  const legacyPath = (kind: Kind, name: string) => artifactRelPath(legacy, kind, name);
  let lock: LockFile = readLockFile(ws.lockPath, ws.parsedCache);
  // The whole record as it is now (an earlier target of the same operation may have written it).
  const full = readDeployRecord(x.run.recordPath, ws.parsedCache);
  const entries = new Map<string, RecordEntry>(
    (full?.artifacts ?? []).map((e) => [`${e.type}/${e.name}`, e]),
  );
  const tx = transaction(ws);
  // Trees to store before the commit point, in one putTrees call (one durability batch for all their
  // blobs, issue 13).
  const toStore: TreeFile[][] = [];
  try {
    // Where the artifacts and the record will be staged, in the transaction's marker with one write
    // (staging in each new folder would otherwise write and fsync it again).
    const projectDirs = x.steps
      .filter((s) => s.toProject !== undefined)
      .map((s) => dirname(locate(project, layout, s.kind, s.name).path));
    if (projectDirs.length > 0) await tx.expectTempDirs([...new Set(projectDirs), dirname(x.run.recordPath)]);
    for (const s of x.steps) {
      const pLoc = locate(project, layout, s.kind, s.name);
      const cLoc = locate(ws.collectionDir, ws.layout, s.kind, s.name);
      // Re-check: the target must still be what was planned.
      const viaLink = s.sides.project?.viaLink;
      if (s.toProject !== undefined) {
        if (viaLink !== undefined) recheckLink(pLoc.path, viaLink);
        else recheck(ws, pLoc, s.sides.project?.tree.sha);
      }
      if (s.toCollection) recheck(ws, cLoc, s.sides.collection?.tree.sha);
      if (s.toProject === null) await tx.remove(pLoc.path);
      else if (s.toProject && x.run.target.link && s.kind === "skill") {
        // --link: the content is the canonical copy's (written by its own target first); here the link.
        const text = relative(dirname(pLoc.path), join(project, ...x.run.target.link.split("/"), s.name));
        if (viaLink !== text) await tx.stageSymlink(pLoc.path, text);
      } else if (s.toProject) await stageArtifact(tx, pLoc, s.toProject);
      if (s.toCollection) await stageArtifact(tx, cLoc, s.toCollection);
      if (s.fork) {
        const root = s.fork.where === "project" ? project : ws.collectionDir;
        const fLoc = locate(root, s.fork.where === "project" ? layout : ws.layout, s.kind, s.fork.name);
        if (existsSync(fLoc.path))
          throw new SkillsyncError(
            "ALREADY_EXISTS",
            `cannot fork ${s.id}: ${fLoc.path} already exists; rename or remove it`,
          );
        await stageArtifact(tx, fLoc, s.fork.files);
        toStore.push(s.fork.files);
        if (s.fork.where === "collection")
          lock = upsertLockEntry(lock, {
            name: s.fork.name,
            type: s.kind,
            source: `local:${pLoc.path}`,
            version: s.sides.project?.version ?? "0.0.0",
            sha: hashOf(s.fork.files),
            "added-at": now,
            "updated-at": now,
          });
      }
      // Objects (stored below, before the commit point; see toStore).
      // A fast-forward writes a tree whose hash is known (result.new_hash): when the store has it (add
      // stored it, or an earlier target of this operation did), hashing every file again is waste.
      const known = s.action.type === "to-project" ? s.result.new_hash : null;
      if (s.toProject && !(known && ws.objects.hasTreeSync(known))) toStore.push(s.toProject);
      if (s.toCollection) toStore.push(s.toCollection);
      if (s.bothBaseFiles) toStore.push(s.bothBaseFiles);
      if (s.sides.collection && s.newBase === s.sides.collection.tree.sha)
        await ws.objects.putDiskTree(s.sides.collection.tree);
      if (s.sides.project && s.newBase === s.sides.project.tree.sha)
        await ws.objects.putDiskTree(s.sides.project.tree);
      // Lock file: the collection's new content.
      if (s.toCollection) {
        const prev = findLockEntry(lock, s.kind, s.name);
        lock = upsertLockEntry(lock, {
          name: s.name,
          type: s.kind,
          source: prev?.source ?? `local:${pLoc.path}`,
          version: versionOfFiles(s.toCollection, s.sides.project?.version ?? "0.0.0"),
          sha: hashOf(s.toCollection),
          "added-at": prev?.["added-at"] ?? now,
          "updated-at": now,
          ...(prev?.["resolved-ref"] ? { "resolved-ref": prev["resolved-ref"] } : {}),
        });
      }
      // Deployment record: this target's new base; the artifact's other targets are kept.
      const path = artifactRelPath(layout, s.kind, s.name);
      const prevEntry = entries.get(s.id);
      if (s.newBase === null) {
        const left = prevEntry && withTarget(prevEntry, legacyPath(s.kind, s.name), path, null);
        if (left) entries.set(s.id, left);
        else entries.delete(s.id);
      } else if (s.newBase !== undefined) {
        const le = findLockEntry(lock, s.kind, s.name);
        const lp = legacyPath(s.kind, s.name);
        const fresh: RecordEntry = {
          name: s.name,
          type: s.kind,
          source: le?.source ?? `local:${cLoc.path}`,
          version: s.sides.collection?.version ?? s.sides.project?.version ?? "0.0.0",
          sha: s.newBase,
          "deployed-at": now,
          "deployed-from": ws.collectionDir,
        };
        const target = {
          path,
          agents: [...x.run.target.agents],
          sha: s.newBase,
          ...(x.run.target.link && s.kind === "skill" ? { link: `${x.run.target.link}/${s.name}` } : {}),
        };
        entries.set(
          s.id,
          prevEntry
            ? withTarget({ ...fresh, targets: entryTargets(prevEntry, lp) }, lp, path, target)!
            : { ...fresh, targets: [target] },
        );
      }
    }
    // Objects first: every base must be readable before the record points at it.
    await ws.objects.putTrees(toStore);
    if (!existsSync(ws.lockPath) || x.steps.some((s) => s.toCollection || s.fork?.where === "collection"))
      await stageLock(ws, tx, lock);
    const recordPath = x.run.recordPath;
    const record: DeployRecord = {
      version: RECORD_VERSION,
      deployment: {
        collection: ws.collection,
        "deployed-at": now,
        "skillsync-version": VERSION_STRING,
      },
      artifacts: [...entries.values()],
    };
    const text = serializeDeployRecord(record);
    const old = existsSync(recordPath) ? readFileSync(recordPath, "utf8") : undefined;
    if (old === undefined || stripStamp(old) !== stripStamp(text)) await tx.stageFile(recordPath, text);
    if (x.run.skillsLock)
      await stageSkillsLockUpdate(ws, tx, { root: project, lock, changes: skillsLockChanges(x) });
    if (x.run.globalLockFile)
      await stageGlobalSkillLockUpdate(ws, tx, {
        lockFile: x.run.globalLockFile,
        lock,
        changes: skillsLockChanges(x),
      });
    await tx.commit();
  } catch (e) {
    await tx.abort();
    throw e;
  }
  ws.statCache.flush();
}

/** The skills whose project copy a commit writes or removes, for `skills-lock.json`. */
export function skillsLockChanges(x: CommitCtx): SkillsLockChange[] {
  return x.steps.flatMap((s) =>
    s.kind === "skill" && s.toProject !== undefined ? [{ name: s.name, files: s.toProject }] : [],
  );
}

function stripStamp(text: string): string {
  return text.replace(/^deployed-at = .*$/m, "").replace(/^skillsync-version = .*$/m, "");
}

/** Throws CONFLICT unless the symbolic link at `path` still reads `expected`. */
function recheckLink(path: string, expected: string): void {
  let now: string | undefined;
  try {
    now = readlinkSync(path);
  } catch {
    now = undefined;
  }
  if (now !== expected)
    throw new SkillsyncError(
      "CONFLICT",
      `${path} changed while skillsync was working; nothing was written, run the command again`,
    );
}

/** Throws CONFLICT unless `loc`'s tree hash is still `expected`. */
export function recheck(ws: Workspace, loc: Located, expected: string | undefined): void {
  const now = readArtifactTree(ws, loc)?.sha;
  if (now !== expected)
    throw new SkillsyncError(
      "CONFLICT",
      `${loc.path} changed while skillsync was working; nothing was written, run the command again`,
    );
}

/** Stages `files` as the artifact at `loc` (a folder replaced whole, or one file; no files removes it). */
export async function stageArtifact(tx: Transaction, loc: Located, files: TreeFile[]): Promise<void> {
  if (loc.form === "folder") await tx.replaceDir(loc.path, files.map(toWrite));
  else {
    const f = files[0];
    if (!f) await tx.remove(loc.path);
    else await tx.stageFile(loc.path, f.data, modeBits(f));
  }
}

/**
 * Keeps a project's `skills-lock.json` (the `skills` npm CLI's project lock, see core/skills-lock.ts)
 * current when skillsync deploys, pulls or undeploys skills there.
 *
 * Rules (docs/skills-cli.md):
 * - Only when the project already has a `skills-lock.json`: skillsync never creates one.
 * - Only the skills whose project copy skillsync writes are touched: an entry is added or updated for
 *   each skill it writes (deploy, push, the project side of sync) and removed for each it removes
 *   (undeploy, push of a removal); every other entry stays byte for byte as it was. A pull, or a base
 *   recorded for a copy already there (adoption), leaves the entry alone: like the skills CLI, whose
 *   `computedHash` names what was installed, not later edits of the copy (`skills check` compares it
 *   with the source, so replacing it by an edited copy's hash would make `skills update` offer to
 *   overwrite that edit).
 * - `computedHash` is the skills CLI's hash of the files written (what `skills add` of that content
 *   computes).
 * - `source`/`sourceType` come from the skill's `skillsync.lock` source: `github:O/R/PATH@REF` →
 *   `github` (`O/R`, `ref`, `skillPath`), `git+URL#PATH@REF` → `git`, `local:DIR` → `local` with DIR
 *   relative to the project; a `hub:` source (or none) → `local` naming the collection's folder of the
 *   skill, the one place `skills` could install it from. An existing entry with the same `source`
 *   keeps all its fields except `computedHash`; so does one adopted from a source skillsync cannot
 *   name (`well-known`, `node_modules`, …; its skillsync source is the project copy itself).
 * - The write is staged in the operation's transaction: it lands with the artifacts or not at all,
 *   and a corrupt `skills-lock.json` stops the operation before anything is written.
 */
import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { isGitSpec, parseGitSpec } from "../core/git-spec.js";
import {
  computeSkillFolderHash,
  type GlobalSkillLock,
  gitTreeSha1,
  globalLockEntryFor,
  type LockOrigin,
  lockEntryFor,
  type SkillsLock,
  serializeGlobalSkillLock,
  serializeSkillsLock,
} from "../core/skills-lock.js";
import { locate } from "../store/collection.js";
import type { Transaction } from "../store/fs.js";
import type { LockFile } from "../store/lock-file.js";
import { findLockEntry } from "../store/lock-file.js";
import { readGlobalSkillLock, readSkillsLock, skillsLockPath } from "../store/skills-lock.js";
import type { TreeFile } from "../store/tree-read.js";
import type { Workspace } from "./workspace.js";

/** One skill of an operation, as {@link stageSkillsLockUpdate} takes it. */
export interface SkillsLockChange {
  name: string;
  /** The files written to the project copy (exactly these: a folder is replaced whole); `null` when the copy was removed. */
  files: TreeFile[] | null;
}

/** Options for {@link stageSkillsLockUpdate}. */
export interface SkillsLockUpdate {
  /** The project folder (where `skills-lock.json` lives). */
  root: string;
  changes: readonly SkillsLockChange[];
  /** The collection's lock file as the operation leaves it (for each skill's source). */
  lock: LockFile;
}

/** Where a skillsync source says a skill comes from, for its `skills-lock.json` entry. */
export function originOf(ws: Workspace, name: string, source: string | undefined): LockOrigin {
  if (source && isGitSpec(source)) {
    try {
      const g = parseGitSpec(source);
      if (g.form === "github" && g.owner && g.repo)
        return {
          type: "github",
          owner: g.owner,
          repo: g.repo,
          path: g.path,
          ...(g.ref ? { ref: g.ref } : {}),
        };
      return { type: "git", url: g.url, path: g.path, ...(g.ref ? { ref: g.ref } : {}) };
    } catch {
      // fall through: an unparsable source is named by the collection's copy
    }
  }
  if (source?.startsWith("local:") && isAbsolute(source.slice("local:".length)))
    return { type: "local", absPath: source.slice("local:".length) };
  return { type: "local", absPath: locate(ws.collectionDir, ws.layout, "skill", name).path };
}

function posix(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}

function inside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r !== "" && !r.startsWith("..") && !isAbsolute(r);
}

/**
 * The new `skills-lock.json` for `update`, or `undefined` when the project has none or nothing changes.
 * @throws SkillsyncError INVALID_LOCK / UNSUPPORTED_VERSION for a corrupt or newer `skills-lock.json`
 */
export function updatedSkillsLock(ws: Workspace, update: SkillsLockUpdate): SkillsLock | undefined {
  const file = skillsLockPath(update.root);
  if (update.changes.length === 0 || !existsSync(file)) return undefined;
  const current = readSkillsLock(file);
  if (!current) return undefined;
  const skills = { ...current.skills };
  const lockDir = posix(resolve(update.root));
  for (const c of update.changes) {
    if (c.files === null) {
      delete skills[c.name];
      continue;
    }
    const computedHash = computeSkillFolderHash(c.files);
    const origin = originOf(ws, c.name, findLockEntry(update.lock, "skill", c.name)?.source);
    const previous = skills[c.name];
    const keepPrevious =
      previous !== undefined &&
      previous.sourceType !== "local" &&
      origin.type === "local" &&
      inside(resolve(origin.absPath), resolve(update.root));
    skills[c.name] = lockEntryFor({
      origin: origin.type === "local" ? { type: "local", absPath: posix(resolve(origin.absPath)) } : origin,
      computedHash,
      lockDir,
      previous,
      keepPrevious,
    });
  }
  const next: SkillsLock = { version: current.version, skills };
  return serializeSkillsLock(next) === serializeSkillsLock(current) ? undefined : next;
}

/**
 * Stages the update of the project's `skills-lock.json` (see the module rules) in `tx`, so it is
 * written with the operation's artifacts. Does nothing when the project has no `skills-lock.json`.
 * @returns true when a new `skills-lock.json` was staged
 * @throws SkillsyncError INVALID_LOCK / UNSUPPORTED_VERSION (nothing of the operation is written then)
 */
export async function stageSkillsLockUpdate(
  ws: Workspace,
  tx: Transaction,
  update: SkillsLockUpdate,
): Promise<boolean> {
  const next = updatedSkillsLock(ws, update);
  if (!next) return false;
  await tx.stageFile(skillsLockPath(update.root), serializeSkillsLock(next));
  return true;
}

/** Options for {@link stageGlobalSkillLockUpdate}. */
export interface GlobalSkillLockUpdate {
  /** The global lock (`globalSkillLockPath(home)` in store/skills-lock.ts). */
  lockFile: string;
  changes: readonly SkillsLockChange[];
  lock: LockFile;
}

/**
 * The new global `.skill-lock.json` for a global deploy or undeploy, or `undefined` when there is none
 * or nothing changes. Same rules as the project lock (module comment); entries as the skills CLI's
 * `addSkillToLock` writes them (see `globalLockEntryFor`), `updatedAt` = `ws.now()`.
 * @throws SkillsyncError INVALID_LOCK / UNSUPPORTED_VERSION
 */
export function updatedGlobalSkillLock(
  ws: Workspace,
  update: GlobalSkillLockUpdate,
): GlobalSkillLock | undefined {
  if (update.changes.length === 0 || !existsSync(update.lockFile)) return undefined;
  const current = readGlobalSkillLock(update.lockFile);
  if (!current) return undefined;
  const skills = { ...current.skills };
  const now = ws.now().toISOString();
  for (const c of update.changes) {
    if (c.files === null) {
      delete skills[c.name];
      continue;
    }
    const origin = originOf(ws, c.name, findLockEntry(update.lock, "skill", c.name)?.source);
    skills[c.name] = globalLockEntryFor({
      origin: origin.type === "local" ? { type: "local", absPath: resolve(origin.absPath) } : origin,
      computedHash: computeSkillFolderHash(c.files),
      gitTreeId: origin.type === "github" ? gitTreeSha1(c.files) : "",
      now,
      previous: skills[c.name],
    });
  }
  const next: GlobalSkillLock = { ...current, skills };
  return serializeGlobalSkillLock(next) === serializeGlobalSkillLock(current) ? undefined : next;
}

/**
 * Stages the update of the user's global `.skill-lock.json` in `tx` (for a `--global` deploy, push,
 * sync or undeploy). Does nothing when the file does not exist.
 * @returns true when a new global lock was staged
 * @throws SkillsyncError INVALID_LOCK / UNSUPPORTED_VERSION (nothing of the operation is written then)
 */
export async function stageGlobalSkillLockUpdate(
  ws: Workspace,
  tx: Transaction,
  update: GlobalSkillLockUpdate,
): Promise<boolean> {
  const next = updatedGlobalSkillLock(ws, update);
  if (!next) return false;
  await tx.stageFile(update.lockFile, serializeGlobalSkillLock(next));
  return true;
}

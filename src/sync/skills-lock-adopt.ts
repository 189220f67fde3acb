/**
 * `skillsync add PROJECT_OR_HOME` for a folder that holds a `skills-lock.json`: adopts the skills
 * that `skills add` installed there into the collection, without rewriting their files, and records
 * the deployment base so that `skillsync status --project P` is clean right after.
 *
 * Rules (docs/skills-cli.md):
 * - A user folder (`HOME`) has no `skills-lock.json`: there the skills CLI's global lock
 *   (`~/.agents/.skill-lock.json`, or `$XDG_STATE_HOME/skills/.skill-lock.json` for the real home) is
 *   read instead, its skills are added to the collection, and no base is recorded (the global scope
 *   keeps its own deployment record).
 * - The skills adopted are the entries of `skills-lock.json` (other artifacts in the folder are left
 *   alone: add them by path). Each is read from the project's skill folder of the configured profile
 *   (`.claude/skills/<name>` for `claude`) when it is a real folder, else from `.agents/skills/<name>`
 *   (added to the collection, no base recorded: adoption tracks the configured profile's copies; a
 *   deploy with `--agent`/`--link` then adopts the identical copies there as their targets' base); a
 *   name without a copy is skipped with a note.
 * - The `skillsync.lock` source comes from the entry: `github` → `github:SOURCE[/DIR]@REF` (DIR the
 *   folder of `skillPath`), `git`/`gitlab` → `git+URL#DIR@REF` (URL = `sourceUrl`, else `source`),
 *   `local` → `local:` + the folder it names (resolved against the project); any other type
 *   (`well-known`, `node_modules`, …) → `local:` + the project copy itself.
 * - The base is recorded by a deploy of exactly the adopted skills, which finds the same content on
 *   both sides (`record-only`): the project's files are not written, nor is `skills-lock.json`.
 * - A copy whose skills-CLI hash differs from the entry's `computedHash` (edited since `skills add`)
 *   is adopted as it is now, with a note.
 */
import { existsSync, lstatSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { isGitSpec, parseGitSpec } from "../core/git-spec.js";
import { artifactNameProblem } from "../core/names.js";
import { computeSkillFolderHash, GLOBAL_SKILL_LOCK_FILE, type SkillsLockEntry } from "../core/skills-lock.js";
import { locate } from "../store/collection.js";
import {
  globalSkillLockPath,
  readFolderForSkillsHash,
  readGlobalSkillLock,
  readSkillsLock,
  skillsLockPath,
} from "../store/skills-lock.js";
import { type AddResult, addArtifacts, type RejectedArtifact } from "./collection-ops.js";
import { transfer } from "./transfer.js";
import { projectLayout, resolveProject, type Workspace } from "./workspace.js";

/** Options for {@link adoptSkillsInstall}. */
export interface AdoptOptions {
  /** The folder holding `skills-lock.json` (a project, or the user folder). */
  root: string;
  /** Replace artifacts already in the collection (after a snapshot). */
  force?: boolean;
  /** Adopt the valid skills and list the invalid ones (the CLI default) instead of refusing all. */
  partial?: boolean;
}

/** What {@link adoptSkillsInstall} did. */
export interface AdoptOutcome {
  project: string;
  results: AddResult[];
  invalid: RejectedArtifact[];
  /** Skills whose deployment base was recorded in the project. */
  tracked: string[];
  notes: string[];
  snapshotId?: string;
}

function isRealFolder(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The skills CLI's global lock of the user folder `dir`: `$XDG_STATE_HOME/skills/…` only for the real home. */
function globalLockOf(dir: string): string {
  const abs = resolve(dir);
  return abs === resolve(homedir()) ? globalSkillLockPath(abs) : join(abs, ".agents", GLOBAL_SKILL_LOCK_FILE);
}

/**
 * True when `dir` holds a `skills-lock.json`, or is a user folder with the skills CLI's global
 * `.agents/.skill-lock.json` (then `add` adopts instead of adding by layout).
 */
export function holdsSkillsLock(dir: string): boolean {
  return existsSync(skillsLockPath(resolve(dir))) || existsSync(globalLockOf(dir));
}

/** The entries of the project lock, or of the global lock (as project entries, `skillFolderHash` as `computedHash`). */
function readAdoptableLock(
  root: string,
): { file: string; global: boolean; skills: Record<string, SkillsLockEntry> } | undefined {
  const file = skillsLockPath(root);
  const project = readSkillsLock(file);
  if (project) return { file, global: false, skills: project.skills };
  const gfile = globalLockOf(root);
  const global = readGlobalSkillLock(gfile);
  if (!global) return undefined;
  const skills: Record<string, SkillsLockEntry> = {};
  for (const [name, e] of Object.entries(global.skills))
    skills[name] = {
      source: e.source,
      ...(e.sourceUrl ? { sourceUrl: e.sourceUrl } : {}),
      ...(e.ref ? { ref: e.ref } : {}),
      sourceType: e.sourceType,
      ...(e.skillPath ? { skillPath: e.skillPath } : {}),
      computedHash: e.skillFolderHash,
    };
  return { file: gfile, global: true, skills };
}

function parentOf(skillPath: string | undefined): string {
  if (!skillPath) return "";
  const i = skillPath.lastIndexOf("/");
  return i < 0 ? "" : skillPath.slice(0, i);
}

/**
 * The `skillsync.lock` source for a skill adopted from `entry` (see the module rules).
 * @param copyPath the project copy (the source of entries skillsync cannot name otherwise)
 */
export function sourceFromSkillsLock(entry: SkillsLockEntry, root: string, copyPath: string): string {
  const dir = parentOf(entry.skillPath);
  const ref = entry.ref;
  let spec: string | undefined;
  if (entry.sourceType === "github")
    spec = `github:${entry.source}${dir ? `/${dir}` : ""}${ref ? `@${ref}` : ""}`;
  else if (entry.sourceType === "git" || entry.sourceType === "gitlab") {
    const url = entry.sourceUrl ?? entry.source;
    spec = `git+${url}${dir || ref ? `#${dir}` : ""}${ref ? `@${ref}` : ""}`;
  } else if (entry.sourceType === "local") return `local:${resolve(root, entry.source)}`;
  if (spec && isGitSpec(spec)) {
    try {
      parseGitSpec(spec);
      return spec;
    } catch {
      // not expressible as a skillsync git source: name the copy
    }
  }
  return `local:${copyPath}`;
}

/**
 * Adopts the skills listed in `<root>/skills-lock.json` (see the module rules).
 * @throws SkillsyncError NOT_FOUND (no skills-lock.json, or no installed copy at all), INVALID_LOCK /
 *   UNSUPPORTED_VERSION (corrupt or newer skills-lock.json: nothing is written), ALREADY_EXISTS
 *   (a different version is in the collection; pass `force`), and what `addArtifacts` and the deploy throw
 */
export async function adoptSkillsInstall(ws: Workspace, opts: AdoptOptions): Promise<AdoptOutcome> {
  const project = await resolveProject(ws, opts.root);
  const lock = readAdoptableLock(project);
  if (!lock)
    throw new SkillsyncError(
      "NOT_FOUND",
      `no skills-lock.json (nor .agents/${GLOBAL_SKILL_LOCK_FILE}) in ${project}`,
    );
  const lockFile = lock.file;
  const layout = projectLayout(ws);
  const notes: string[] = [];
  const invalid: RejectedArtifact[] = [];
  const paths: string[] = [];
  const sources = new Map<string, string>();
  const inLayout = new Set<string>();
  for (const name of Object.keys(lock.skills).sort()) {
    const entry = lock.skills[name]!;
    const problem = artifactNameProblem("skill", name);
    if (problem) {
      if (!opts.partial) throw new SkillsyncError("INVALID_NAME", `${problem} (skill)`, { file: lockFile });
      invalid.push({ artifact: `skill/${name}`, file: lockFile, reason: problem });
      continue;
    }
    const main = locate(project, layout, "skill", name).path;
    const shared = join(project, ".agents", "skills", name);
    // A link (what `skills add` makes without --copy for several agents) is not followed: the shared
    // copy it points to is read instead, and no base is recorded for the link.
    const copy =
      isRealFolder(main) && existsSync(join(main, "SKILL.md"))
        ? main
        : isRealFolder(shared) && existsSync(join(shared, "SKILL.md"))
          ? shared
          : undefined;
    if (!copy) {
      notes.push(`skill/${name}: listed in skills-lock.json but not installed in ${project}; skipped`);
      continue;
    }
    if (copy === main) inLayout.add(name);
    else
      notes.push(
        `skill/${name}: read from .agents/skills (${main} is ${existsSync(main) ? "a link" : "missing"}); added to the collection, no base recorded; 'skillsync deploy ${name} --link --agent …' (or --agent for .agents/skills) adopts the copies there`,
      );
    // The global lock's hash of a GitHub source is the git tree SHA, not comparable: only local ones are checked.
    const comparable = !lock.global || entry.sourceType === "local";
    if (comparable && computeSkillFolderHash(readFolderForSkillsHash(copy)) !== entry.computedHash)
      notes.push(
        `skill/${name}: changed since 'skills add' installed it (computedHash differs); adopted as it is now`,
      );
    paths.push(copy);
    sources.set(name, sourceFromSkillsLock(entry, project, copy));
  }
  if (paths.length === 0) {
    const first = invalid[0];
    if (first)
      throw new SkillsyncError("INVALID_NAME", `${first.reason} (skill; nothing was adopted)`, {
        file: lockFile,
      });
    throw new SkillsyncError(
      "NOT_FOUND",
      `none of the skills in ${lockFile} is installed in ${project}; run 'skills add' there first`,
    );
  }
  const added = await addArtifacts(ws, {
    paths,
    kind: "skill",
    force: Boolean(opts.force),
    createCollection: true,
    sourceFor: (c) => sources.get(c.name) ?? `local:${c.source.path}`,
    ...(opts.partial ? { partial: true } : {}),
  });
  // Global installs join the collection only: their deployment record is the global scope's
  // (`skillsync deploy --global`), not a project record in the user folder.
  if (lock.global && added.results.length > 0)
    notes.push(
      `adopted from the skills CLI's global lock ${lockFile}: no deployment base recorded; deploy them with --global to track them`,
    );
  const tracked = lock.global
    ? []
    : added.results.filter((r) => inLayout.has(r.name)).map((r) => `skill/${r.name}`);
  if (tracked.length > 0) {
    const report = await transfer(ws, { op: "deploy", project, names: tracked });
    notes.push(...report.notes);
    const refused = report.results.filter((r) => !r.success);
    if (refused.length > 0)
      throw new SkillsyncError(
        "CONFLICT",
        `adopted into the collection, but the base could not be recorded for ${refused.map((r) => r.artifact_name).join(", ")}: ${refused[0]?.error ?? "refused"}; run 'skillsync status --project ${project}'`,
      );
  }
  return {
    project,
    results: added.results,
    invalid: [...invalid, ...added.invalid],
    tracked,
    notes,
    ...(added.snapshotId ? { snapshotId: added.snapshotId } : {}),
  };
}

/**
 * Reading one artifact from disk with what the rest of skillsync needs to know about it: its tree,
 * version, description and validation problems. Versions are cached by tree hash in `state.db`, so a
 * warm `status` reads no file contents.
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { type Problem, validateMarkdownArtifact, validateSkillMd } from "../core/validate.js";
import type { Located } from "../store/collection.js";
import { preloadTreeMetaRows, readTreeMeta, writeTreeMeta } from "../store/state/tree-meta.js";
import { openStateDb } from "../store/state-db.js";
import { type DiskTree, readTree } from "../store/tree-read.js";
import type { Workspace } from "./workspace.js";

/** An artifact read from disk. */
export interface ArtifactInfo {
  located: Located;
  tree: DiskTree;
  version: string;
  description: string | undefined;
}

/** Reads the tree of `loc` (using the stat cache); `undefined` when absent. */
export function readArtifactTree(ws: Workspace, loc: Located): DiskTree | undefined {
  return readTree({
    path: loc.path,
    form: loc.form,
    ...(loc.entryName ? { entryName: loc.entryName } : {}),
    cache: ws.statCache,
    onWarning: (m) => ws.reporter.warn(m),
    now: () => ws.now().getTime(),
  });
}

/** The text of the file that carries an artifact's frontmatter (`SKILL.md`, or the `.md` itself). */
function mainFilePath(loc: Located): string {
  return loc.form === "folder" ? join(loc.path, "SKILL.md") : loc.path;
}

/** The path, relative to a root, used in messages for the artifact's main file. */
export function mainFileLabel(loc: Located): string {
  return loc.form === "folder" ? join(loc.path, "SKILL.md") : loc.path;
}

/**
 * Validates `loc` on disk: every problem, each with file and line.
 * @param strict turn non-spec fields and over-long descriptions into errors (`validate --strict`)
 */
export function validateLocated(
  loc: Located,
  strict = false,
): { problems: Problem[]; version: string; description?: string } {
  const file = mainFilePath(loc);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT" && loc.form === "folder"
        ? "skill folder has no SKILL.md; every skill needs one (frontmatter with name and description)"
        : `cannot read: ${code}`;
    return { problems: [{ severity: "error", file, message }], version: "0.0.0" };
  }
  if (loc.kind === "skill") {
    const info = validateSkillMd(text, { folderName: basename(loc.path), file, strict });
    return {
      problems: info.problems,
      version: info.version,
      ...(info.description ? { description: info.description } : {}),
    };
  }
  const r = validateMarkdownArtifact(text, { kind: loc.kind, file });
  return {
    problems: r.problems,
    version: r.version,
    ...(r.description ? { description: r.description } : {}),
  };
}

/** Version, description and validity of a tree, from the cache or computed and cached. */
export function treeMeta(
  ws: Workspace,
  loc: Located,
  tree: DiskTree,
): { version: string; description: string | undefined; valid: boolean } {
  const db = openStateDb(ws.paths.stateDb);
  const row = readTreeMeta(db, tree.sha);
  if (row) return { version: row.version, description: row.description ?? undefined, valid: row.valid };
  const v = validateLocated(loc);
  const valid = !v.problems.some((p) => p.severity === "error");
  writeTreeMeta(db, tree.sha, { version: v.version, description: v.description ?? null, valid });
  return { version: v.version, description: v.description, valid };
}

/**
 * Reads the whole tree_meta table into memory for the following {@link treeMeta} calls of this
 * process (a status over 10,000 artifacts makes 20,000 lookups). Rows are keyed by tree hash, so they
 * never go stale.
 */
export function preloadTreeMeta(ws: Workspace): void {
  preloadTreeMetaRows(openStateDb(ws.paths.stateDb));
}

/**
 * Reads `loc` with its metadata.
 * @throws SkillsyncError NOT_FOUND when nothing is there
 */
export function readArtifact(ws: Workspace, loc: Located): ArtifactInfo {
  const tree = readArtifactTree(ws, loc);
  if (!tree) throw new SkillsyncError("NOT_FOUND", `${loc.kind} '${loc.name}' not found at ${loc.path}`);
  const meta = treeMeta(ws, loc, tree);
  return { located: loc, tree, version: meta.version, description: meta.description };
}

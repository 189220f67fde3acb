/**
 * Finding artifacts in a folder the user names (`add`, `validate PATH`): skill folders at any depth
 * up to {@link SKILL_SEARCH_DEPTH}, collection and project layouts, and single `.md` files; what
 * cannot be an artifact is reported with its reason.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { COLLECTION_LAYOUT, PROJECT_PROFILES } from "../core/layout.js";
import { artifactNameProblem, KINDS, type Kind } from "../core/names.js";
import { discoverArtifacts, type Located } from "../store/collection.js";

/** An artifact found in a path given to `add`. */
export interface Candidate {
  kind: Kind;
  name: string;
  /** Where it is read from. */
  source: Located;
}

/** An artifact that `add` found but cannot take: where it is and why (one line each in the CLI). */
export interface RejectedArtifact {
  /** `kind/name` as found (the folder or file name). */
  artifact: string;
  file: string;
  line?: number;
  reason: string;
}

/** Folders never searched for skills (as the `skills` CLI's `SKIP_DIRS`), besides dot-folders. */
const SKIP_DIRS: ReadonlySet<string> = new Set(["node_modules", ".git", "dist", "build", "__pycache__"]);
/** How deep below the folder given to `add` skill folders are looked for (the `skills` CLI's `findSkillDirs`: 5). */
export const SKILL_SEARCH_DEPTH = 5;

/** Folders whose `.md` files are single-file artifacts of a kind (as in a plugin: `commands/`, `agents/`). */
const FILE_KIND_DIRS: Readonly<Record<string, Kind>> = {
  commands: "command",
  agents: "agent",
  prompts: "prompt",
};

/**
 * The artifacts under `dir` found by walking down at most {@link SKILL_SEARCH_DEPTH} levels, in name
 * order: each folder holding a `SKILL.md` is a skill (and is not searched further: its `references/`,
 * `agents/`… belong to it); each `.md` file (but `README.md`) directly in a folder named `commands`,
 * `agents` or `prompts` is a command, agent or prompt. Dot-folders and {@link SKIP_DIRS} are skipped;
 * symbolic links are not followed. Names that break the naming rules are `rejected`.
 */
function walkArtifacts(
  dir: string,
  kinds: ReadonlySet<Kind>,
  found: { out: Candidate[]; rejected: RejectedArtifact[] },
  depth = 1,
): void {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of entries) {
    if (!d.isDirectory() || d.name.startsWith(".") || SKIP_DIRS.has(d.name)) continue;
    const child = join(dir, d.name);
    if (existsSync(join(child, "SKILL.md"))) {
      if (!kinds.has("skill")) continue;
      const problem = artifactNameProblem("skill", d.name);
      if (problem)
        found.rejected.push({
          artifact: `skill/${d.name}`,
          file: join(child, "SKILL.md"),
          reason: `skill folder ${problem}`,
        });
      else
        found.out.push({
          kind: "skill",
          name: d.name,
          source: { kind: "skill", name: d.name, path: child, form: "folder" },
        });
      continue;
    }
    const fileKind = FILE_KIND_DIRS[d.name];
    if (fileKind && kinds.has(fileKind)) {
      for (const f of readdirSync(child, { withFileTypes: true }).sort((a, b) =>
        a.name < b.name ? -1 : 1,
      )) {
        if (!f.isFile() || !f.name.endsWith(".md") || f.name.startsWith(".") || f.name === "README.md")
          continue;
        const name = f.name.slice(0, -".md".length);
        const file = join(child, f.name);
        const problem = artifactNameProblem(fileKind, name);
        if (problem) found.rejected.push({ artifact: `${fileKind}/${name}`, file, reason: problem });
        else
          found.out.push({
            kind: fileKind,
            name,
            source: { kind: fileKind, name, path: file, form: "file", entryName: f.name },
          });
      }
      continue;
    }
    if (depth < SKILL_SEARCH_DEPTH) walkArtifacts(child, kinds, found, depth + 1);
  }
}

/**
 * Finds the artifacts in `path` (see {@link findCandidates}), reporting folders it cannot take
 * (invalid folder names found while searching) in `rejected` instead of throwing.
 * @throws SkillsyncError NOT_FOUND, USAGE (kind cannot be inferred), INVALID_NAME (for `path` itself)
 */
export function findCandidatesReporting(
  path: string,
  kind?: Kind,
): { candidates: Candidate[]; rejected: RejectedArtifact[] } {
  const rejected: RejectedArtifact[] = [];
  const candidates = findCandidatesInto(path, kind, rejected, true);
  const seen = new Set<string>();
  return { candidates, rejected: rejected.filter((r) => !seen.has(r.file) && seen.add(r.file)) };
}

/**
 * Finds the artifacts in `path`: a skill folder (has `SKILL.md`), a `.md` file (kind from `kind`, or
 * from its parent folder `commands`/`agents`/`prompts`), a folder laid out as a collection or a
 * project, or else any folder: every skill folder, and every `.md` in a `commands/`, `agents/` or
 * `prompts/` folder, up to {@link SKILL_SEARCH_DEPTH} levels down (`plugins/<plugin>/skills/<skill>/`
 * and `plugins/<plugin>/agents/<agent>.md` as in marketplace repositories), plus its own `.md` files
 * when `kind` names a single-file kind.
 * @throws SkillsyncError NOT_FOUND, USAGE (kind cannot be inferred), INVALID_NAME
 */
export function findCandidates(path: string, kind?: Kind): Candidate[] {
  const rejected: RejectedArtifact[] = [];
  const out = findCandidatesInto(path, kind, rejected);
  const first = rejected[0];
  if (first) throw new SkillsyncError("INVALID_NAME", first.reason, { file: dirname(first.file) });
  return out;
}

/** @param layoutSkips also report entries of a collection/project layout skipped for their names */
function findCandidatesInto(
  path: string,
  kind: Kind | undefined,
  rejected: RejectedArtifact[],
  layoutSkips = false,
): Candidate[] {
  const abs = resolve(path);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(abs);
  } catch {
    throw new SkillsyncError("NOT_FOUND", `nothing at ${abs}; check the path`);
  }
  if (st.isFile()) {
    if (!abs.endsWith(".md"))
      throw new SkillsyncError(
        "USAGE",
        `${abs} is not a skill folder or a .md file; pass a SKILL.md's folder or a .md file`,
      );
    if (basename(abs) === "SKILL.md") return findCandidatesInto(dirname(abs), kind, rejected, layoutSkips);
    const parent = basename(dirname(abs));
    const inferred: Kind | undefined =
      kind ??
      (parent === "commands"
        ? "command"
        : parent === "agents"
          ? "agent"
          : parent === "prompts"
            ? "prompt"
            : undefined);
    if (!inferred || inferred === "skill")
      throw new SkillsyncError(
        "USAGE",
        `cannot tell what kind of artifact ${abs} is; pass --kind command|agent|prompt`,
      );
    const name = basename(abs, ".md");
    const problem = artifactNameProblem(inferred, name);
    if (problem) throw new SkillsyncError("INVALID_NAME", problem, { file: abs });
    return [
      {
        kind: inferred,
        name,
        source: { kind: inferred, name, path: abs, form: "file", entryName: `${name}.md` },
      },
    ];
  }
  if (existsSync(join(abs, "SKILL.md"))) {
    if (kind && kind !== "skill")
      throw new SkillsyncError("USAGE", `${abs} holds a SKILL.md, so it is a skill, not a ${kind}`);
    const name = basename(abs);
    const problem = artifactNameProblem("skill", name);
    if (problem) throw new SkillsyncError("INVALID_NAME", `skill folder ${problem}`, { file: abs });
    return [{ kind: "skill", name, source: { kind: "skill", name, path: abs, form: "folder" } }];
  }
  // A collection or project layout, or a folder of skills / of .md files.
  const out: Candidate[] = [];
  for (const layout of [COLLECTION_LAYOUT, ...Object.values(PROJECT_PROFILES)]) {
    const skipped = (_m: string, e?: { kind: Kind; name: string; path: string; problem: string }) => {
      if (!e || !layoutSkips) return;
      if (e.kind === "skill" && !existsSync(join(e.path, "SKILL.md"))) return;
      const file = e.kind === "skill" ? join(e.path, "SKILL.md") : e.path;
      rejected.push({ artifact: `${e.kind}/${e.name}`, file, reason: `${e.kind} ${e.problem}` });
    };
    for (const loc of discoverArtifacts(abs, layout, skipped)) {
      if (loc.kind === "skill" && !existsSync(join(loc.path, "SKILL.md"))) continue;
      if (!out.some((c) => c.kind === loc.kind && c.name === loc.name))
        out.push({ kind: loc.kind, name: loc.name, source: loc });
    }
  }
  if (out.length > 0) return kind ? out.filter((c) => c.kind === kind) : out;
  walkArtifacts(abs, new Set(kind ? [kind] : KINDS), { out, rejected });
  if (kind && kind !== "skill")
    for (const d of readdirSync(abs, { withFileTypes: true }))
      if (d.isFile() && !d.name.startsWith(".") && d.name.endsWith(".md"))
        out.push(...findCandidatesInto(join(abs, d.name), kind, rejected, layoutSkips));
  if (out.length === 0 && rejected.length === 0)
    throw new SkillsyncError(
      "NOT_FOUND",
      `no artifacts in ${abs}: expected a skill folder with SKILL.md, a .md file with --kind, or folders of them`,
    );
  return out;
}

/**
 * Like {@link findCandidatesReporting}, but a folder given by the user that is named as a skill yet
 * breaks the naming rules (or has no SKILL.md) is validated as that skill, not refused.
 */
export function findCandidatesLenient(
  abs: string,
  kind?: Kind,
): { locs: Located[]; rejected: RejectedArtifact[] } {
  try {
    const found = findCandidatesReporting(abs, kind);
    return { locs: found.candidates.map((c) => c.source), rejected: found.rejected };
  } catch (e) {
    if (e instanceof SkillsyncError && e.code === "INVALID_NAME" && statSync(abs).isDirectory())
      return { locs: [{ kind: "skill", name: basename(abs), path: abs, form: "folder" }], rejected: [] };
    throw e;
  }
}

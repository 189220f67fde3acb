/**
 * Where each artifact kind lives on disk, as data. A layout maps a kind to a folder and a form
 * (`folder`: `<dir>/<name>/…`, `file`: `<dir>/<name>.md`). New agents' project layouts are new rows
 * in {@link PROJECT_PROFILES}, not new code paths.
 */
import type { Kind } from "./names.js";

/** How one kind is stored under a root. */
export interface KindPlacement {
  /** Folder relative to the root, `/`-separated. */
  dir: string;
  /** `folder`: the artifact is a folder `<dir>/<name>/`; `file`: one file `<dir>/<name><ext>`. */
  form: "folder" | "file";
  /** File extension for `file` form. */
  ext?: string;
}

/** A layout: a placement per kind. */
export type Layout = Readonly<Record<Kind, KindPlacement>>;

/**
 * A layout that places only some kinds: an agent's target folder (`.agents/skills`) holds skills and
 * nothing else. Every {@link Layout} is one.
 */
export type PartialLayout = Readonly<Partial<Record<Kind, KindPlacement>>>;

/**
 * The placement of `kind` in `layout`.
 * @throws Error when the layout has no place for the kind (a caller's bug: callers filter by kind first)
 */
export function placementOf(layout: PartialLayout, kind: Kind): KindPlacement {
  const p = layout[kind];
  if (!p) throw new Error(`internal: this layout has no place for ${kind}s`);
  return p;
}

/** The collection layout (`$SKILLSYNC_HOME/collections/<name>/`). */
export const COLLECTION_LAYOUT: Layout = {
  skill: { dir: "skills", form: "folder" },
  command: { dir: "commands", form: "file", ext: ".md" },
  agent: { dir: "agents", form: "file", ext: ".md" },
  prompt: { dir: "prompts", form: "file", ext: ".md" },
};

/** Project layouts by agent profile. `claude` is Claude Code's. */
export const PROJECT_PROFILES: Readonly<Record<string, Layout>> = {
  claude: {
    skill: { dir: ".claude/skills", form: "folder" },
    command: { dir: ".claude/commands", form: "file", ext: ".md" },
    agent: { dir: ".claude/agents", form: "file", ext: ".md" },
    prompt: { dir: "prompts", form: "file", ext: ".md" },
  },
};

/** The default project profile. */
export const DEFAULT_PROFILE = "claude";

/** Relative path (from the layout's root) of an artifact: the folder for skills, the file otherwise. */
export function artifactRelPath(layout: PartialLayout, kind: Kind, name: string): string {
  const p = placementOf(layout, kind);
  return p.form === "folder" ? `${p.dir}/${name}` : `${p.dir}/${name}${p.ext ?? ""}`;
}

/**
 * The path of a single-file artifact's one file inside its tree. A `file`-form artifact's tree has
 * exactly one entry, named `<name><ext>`.
 */
export function singleFileEntryName(layout: PartialLayout, kind: Kind, name: string): string {
  return `${name}${placementOf(layout, kind).ext ?? ""}`;
}

/** The project deployment record's path relative to the project root. */
export const DEPLOYMENT_RECORD_PATH = ".claude/.skillsync-deployed.toml";

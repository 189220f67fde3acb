/**
 * The shapes the transfer engine passes between planning (transfer-engine.ts), resolution
 * (transfer-resolve.ts) and writing (transfer-commit.ts): options, the report, one planned step.
 */
import type { Kind } from "../core/names.js";
import type { Operation, PlannedAction } from "../core/plan.js";
import type { AutoResolve, Strategy, SyncResult } from "../core/sync-result.js";
import type { Target } from "../core/targets.js";
import type { TreeFile } from "../core/tree-hash.js";
import { loadTreeFiles } from "../store/tree-read.js";
import type { SnapshotScope } from "./snapshot.js";
import type { Sides } from "./status.js";

/** The strategy types and the sync result live in `core/sync-result.ts`; re-exported for callers. */
export type { AutoResolve, Strategy, SyncResult };
/** A choice made for one conflicting file when `--strategy prompt` runs on a terminal. */
export type PromptChoice = "project" | "collection" | "markers";

/** Asks the user about one conflicting file; the CLI provides it on a TTY. */
export type ConflictPrompter = (q: { artifact: string; path: string; diff: string }) => Promise<PromptChoice>;

/** Options for {@link transfer}. */
export interface TransferOptions {
  op: Operation;
  project?: string;
  /** NAME or KIND/NAME; empty with `all` for every artifact. */
  names?: string[];
  all?: boolean;
  strategy?: Strategy;
  autoResolve?: AutoResolve;
  /** Show the plan and diffs, write nothing. */
  preview?: boolean;
  /** deploy: overwrite an edited project copy (after a snapshot). */
  force?: boolean;
  /** Confirms deletions above the thresholds. */
  yes?: boolean;
  /** Conflict markers with the base (`|||||||`). */
  diff3?: boolean;
  /** Asks per conflicting file; without it `prompt` acts as merge + abort. */
  prompter?: ConflictPrompter;
  /** Skip (and report in `invalid`) artifacts whose changed side fails validation (the daemon's gate). */
  validationGate?: boolean;
  /**
   * Agent ids to deploy to (`--agent`); default: the project's configured agents together with those
   * the deployment record already serves (see targets.ts).
   */
  agents?: string[];
  /** Deploy to the user's folders under `$HOME` instead of a project (`--global`). */
  global?: boolean;
  /** `--link` (true): one canonical copy in `.agents/skills`, links elsewhere; `--copy` (false); default as recorded. */
  link?: boolean;
}

/** A planned artifact with everything needed to write it. */
export interface Step {
  id: string;
  kind: Kind;
  name: string;
  sides: Sides;
  action: PlannedAction;
  /** New content per side, when it changes. */
  toProject?: TreeFile[] | null; // null = delete
  toCollection?: TreeFile[];
  /** Extra artifact created by `fork`. */
  fork?: { where: "project" | "collection"; name: string; files: TreeFile[] };
  /** New base (tree hash) for the record; undefined = keep; null = drop the entry. */
  newBase?: string | null;
  /** The merged files that become the base when both sides are written. */
  bothBaseFiles?: TreeFile[];
  result: SyncResult;
  diffs: (() => string)[]; // built only when read: a deploy without --preview never pays for them
}

/** The outcome of a transfer. */
export interface TransferReport {
  project: string;
  results: SyncResult[];
  /** Plan lines and unified diffs (`diff` is built on first read; printed with `--preview`). */
  preview: { artifact: string; action: string; reason: string; diff: string }[];
  /** Artifacts refused (deploy without --force) or left in conflict. */
  blocked: string[];
  snapshots: string[];
  notes: string[];
  /** Artifacts held back by the validation gate, with their problems. */
  invalid: { artifact: string; problems: string[] }[];
}

/** Side labels in conflict markers. */
export const LABELS = { project: "project", collection: "collection", base: "base" } as const;

/** `f`, evaluated at most once, on first use. */
export function once<T>(f: () => T): () => T {
  let box: { value: T } | undefined;
  return () => {
    box ??= { value: f() };
    return box.value;
  };
}

/** The files of one side (a file-form artifact's one file named `<name>.md`). */
export function filesOf(side: Sides["collection"]): TreeFile[] {
  if (!side) return [];
  const files = loadTreeFiles(side.tree);
  return side.loc.form === "file" ? files.map((f) => ({ ...f, path: `${side.loc.name}.md` })) : files;
}

/** A short name-safe form of `s` for fork names. */
export function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 30) || "copy"
  );
}

/** One target of a deployment as the engine runs it. */
export interface TargetRun {
  /** The project folder, or the user's home for `--global`. */
  root: string;
  target: Target;
  /** Absolute path of the deployment record. */
  recordPath: string;
  /** The snapshot scope of a write into this target. */
  scope: Extract<SnapshotScope, { type: "project" }>;
  /** Update `skills-lock.json` in the root (project deployments only; the global lock is another file). */
  skillsLock: boolean;
  /** The user's global `.skill-lock.json` to keep current (global deployments only). */
  globalLockFile?: string;
}

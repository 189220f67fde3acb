/**
 * The planner of pull / push / sync / deploy: a pure function from the three tree hashes of one
 * artifact (collection, project, base) and the operation to the action to take. `sync/transfer.ts`
 * carries the action out. (The changesets habit: the plan is pure, the command does the work.)
 */

/** The operation asked for. `sync` picks the direction from the drift. */
export type Operation = "deploy" | "push" | "pull" | "sync";

/** What to do with one artifact. */
export type PlannedAction =
  /** Nothing to do (in sync, or nothing to bring). */
  | { type: "none"; reason: string }
  /** Write the collection's tree into the project (a fast-forward or a first deploy). */
  | { type: "to-project"; reason: string }
  /** Write the project's tree into the collection (a fast-forward pull, or adopting an untracked one). */
  | { type: "to-collection"; reason: string }
  /** Both sides changed: needs the strategy (merge, overwrite, fork, prompt). `into` is where results go. */
  | { type: "diverged"; into: "project" | "collection" | "both"; reason: string }
  /** Only the deployment record's base needs to move (both sides already equal). */
  | { type: "record-only"; reason: string }
  /** Delete the (unchanged) project copy of an artifact removed from the collection. */
  | { type: "delete-in-project"; reason: string }
  /** Not done without `--force` or a strategy: the target copy was edited. */
  | { type: "refuse"; reason: string };

/** Inputs of {@link planArtifact}: tree hashes (undefined = absent) and whether the sides changed. */
export interface PlanInput {
  op: Operation;
  collection?: string;
  project?: string;
  base?: string;
  /** Project differs from base in more than preserved sections (default: `project !== base`). */
  projectChanged?: boolean;
  /** Collection differs from base in more than preserved sections (default: `collection !== base`). */
  collectionChanged?: boolean;
  /** True when the collection root holds no artifact at all: never delete in projects then. */
  collectionEmpty?: boolean;
}

/**
 * Decides the action for one artifact. Rules (base = the record's tree hash):
 * - deploy refuses whenever the project copy was edited since it was deployed (`--force` overwrites).
 * - deploy/push: not deployed → `to-project` (or `record-only` when the project already has the same
 *   content; `refuse`/`diverged` when it has different content); collection changed and project not →
 *   `to-project`; both changed → `diverged` into the project (deploy: `refuse`); removed from the
 *   collection and project unchanged → `delete-in-project` (push only).
 * - pull: project changed and collection not → `to-collection`; both → `diverged` into the collection;
 *   untracked in the project and absent from the collection → `to-collection`.
 * - sync: project changed → pull; collection changed → push; both → `diverged` into both.
 */
export function planArtifact(i: PlanInput): PlannedAction {
  const { op, collection: c, project: p, base: b } = i;
  const pChanged = i.projectChanged ?? (b !== undefined && p !== b);
  const cChanged = i.collectionChanged ?? (b !== undefined && c !== b);
  if (b === undefined) {
    // Never deployed here.
    if (op === "pull") {
      if (p === undefined) return { type: "none", reason: "not in the project" };
      if (c === undefined)
        return { type: "to-collection", reason: "untracked in the project: adding it to the collection" };
      if (c === p) return { type: "record-only", reason: "same content on both sides" };
      return {
        type: "diverged",
        into: "collection",
        reason: "differs from the collection and was never deployed",
      };
    }
    if (op === "sync") return { type: "none", reason: "not deployed to this project" };
    if (c === undefined) return { type: "none", reason: "not in the collection" };
    if (p === undefined) return { type: "to-project", reason: "not deployed yet" };
    if (c === p) return { type: "record-only", reason: "project already has the same content" };
    return op === "deploy"
      ? { type: "refuse", reason: "the project has a different, untracked copy" }
      : { type: "diverged", into: "project", reason: "the project has a different, untracked copy" };
  }
  if (c === undefined) {
    if (op === "pull")
      return { type: "none", reason: "removed from the collection; pull it by name to restore" };
    if (op === "deploy") return { type: "none", reason: "removed from the collection" };
    if (i.collectionEmpty)
      return { type: "none", reason: "the collection is empty: refusing to delete in projects" };
    if (p === undefined) return { type: "record-only", reason: "removed on both sides" };
    if (pChanged)
      return { type: "none", reason: "removed from the collection but edited in the project: review it" };
    return { type: "delete-in-project", reason: "removed from the collection" };
  }
  if (p === undefined) {
    if (op === "pull" || op === "sync")
      return { type: "none", reason: "deleted in the project; 'skillsync undeploy' records that" };
    return op === "deploy"
      ? { type: "to-project", reason: "deleted in the project: deploying again" }
      : { type: "to-project", reason: "deleted in the project: restoring" };
  }
  if (c === p)
    return b === c
      ? { type: "none", reason: "in sync" }
      : { type: "record-only", reason: "both sides made the same change" };
  if (op === "deploy" && pChanged)
    return { type: "refuse", reason: "the project copy was edited since it was deployed" };
  if (!pChanged && !cChanged)
    return { type: "none", reason: "in sync (differences only in preserved sections)" };
  switch (op) {
    case "deploy":
    case "push":
      if (!cChanged) return { type: "none", reason: "collection unchanged (project edits: pull them)" };
      if (!pChanged) return { type: "to-project", reason: "collection changed" };
      return op === "deploy"
        ? { type: "refuse", reason: "the project copy was edited since it was deployed" }
        : { type: "diverged", into: "project", reason: "both sides changed" };
    case "pull":
      if (!pChanged) return { type: "none", reason: "project unchanged (collection changes: push them)" };
      if (!cChanged) return { type: "to-collection", reason: "project changed" };
      return { type: "diverged", into: "collection", reason: "both sides changed" };
    case "sync":
      if (pChanged && cChanged) return { type: "diverged", into: "both", reason: "both sides changed" };
      return pChanged
        ? { type: "to-collection", reason: "project changed" }
        : { type: "to-project", reason: "collection changed" };
  }
}

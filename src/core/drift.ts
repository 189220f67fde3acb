/**
 * Drift classification (DESIGN.md "drift"): how the collection and project sides of one artifact
 * differ from the base recorded at the last deploy or pull, and what to do about it. Pure.
 */
import type { Kind } from "./names.js";

/** Drift types as printed and in `status --json`. */
export type DriftType = "in-sync" | "modified" | "added" | "removed" | "version_mismatch" | "untracked";
/** Which side changed, for `modified`. */
export type DriftSide = "project" | "collection" | "both";
/** What status recommends. */
export type Recommendation =
  | "deploy_to_project"
  | "push_from_collection"
  | "pull_from_project"
  | "merge"
  | "review_manually";

/** What is known of one artifact on each side: tree hashes and versions (undefined = absent). */
export interface DriftInput {
  kind: Kind;
  name: string;
  collectionSha?: string;
  collectionVersion?: string;
  projectSha?: string;
  projectVersion?: string;
  /** The base: the tree hash in the deployment record. */
  baseSha?: string;
  baseVersion?: string;
}

/** The classification of one artifact. */
export interface Drift {
  driftType: DriftType;
  driftSide: DriftSide | null;
  recommendation: Recommendation | null;
}

/**
 * Classifies one artifact.
 *
 * | collection | record | project | result |
 * |---|---|---|---|
 * | yes | no | no | `added` → deploy_to_project |
 * | any | no | yes | `untracked` → review_manually (pull_from_project when not in the collection) |
 * | no | yes | any | `removed` → review_manually |
 * | yes | yes | no | `modified`/project (deleted there) → review_manually |
 * | c = b | yes | p = b | `in-sync`, or `version_mismatch` when versions differ → deploy_to_project |
 * | c ≠ b | yes | p = b | `modified`/collection → push_from_collection |
 * | c = b | yes | p ≠ b | `modified`/project → pull_from_project |
 * | c ≠ b | yes | p ≠ b, p ≠ c | `modified`/both → merge |
 * | c ≠ b | yes | p = c | `in-sync` (both made the same change) |
 */
export function classifyDrift(d: DriftInput): Drift {
  const c = d.collectionSha;
  const p = d.projectSha;
  const b = d.baseSha;
  if (b === undefined) {
    if (p === undefined) return c === undefined ? inSync() : drift("added", null, "deploy_to_project");
    if (c === undefined) return drift("untracked", null, "pull_from_project");
    return drift("untracked", null, c === p ? "deploy_to_project" : "review_manually");
  }
  if (c === undefined) return drift("removed", null, "review_manually");
  if (p === undefined) return drift("modified", "project", "review_manually");
  if (c === p) {
    if (
      d.collectionVersion !== undefined &&
      d.baseVersion !== undefined &&
      d.collectionVersion !== d.baseVersion
    )
      return drift("version_mismatch", null, "deploy_to_project");
    return inSync();
  }
  if (p === b) return drift("modified", "collection", "push_from_collection");
  if (c === b) return drift("modified", "project", "pull_from_project");
  return drift("modified", "both", "merge");
}

function inSync(): Drift {
  return { driftType: "in-sync", driftSide: null, recommendation: null };
}

function drift(driftType: DriftType, driftSide: DriftSide | null, recommendation: Recommendation): Drift {
  return { driftType, driftSide, recommendation };
}

/** True when `d` counts as drift (anything but `in-sync`). */
export function isDrift(d: Drift): boolean {
  return d.driftType !== "in-sync";
}

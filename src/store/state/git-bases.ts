/**
 * Table `git_base` (module `git-source`): per collection and artifact, the upstream tree and commit
 * the artifact was last added or updated from: the base of the next upstream three-way merge.
 */
import type { Kind } from "../../core/names.js";
import { ensureStateSchema, type StateDb } from "../state-db.js";

/** The recorded upstream of one artifact. */
export interface GitBase {
  /** Tree hash of the upstream content (in the object store). */
  tree: string;
  /** 40-hex commit it came from. */
  commit: string;
}

/** The upstream recorded for `kind/name` in `collection`, if any. */
export function readGitBase(
  d: StateDb,
  key: { collection: string; kind: Kind; name: string },
): GitBase | undefined {
  const row = ensureStateSchema(d, "git-source")
    .prepare("SELECT tree, commit_id FROM git_base WHERE collection = ? AND kind = ? AND name = ?")
    .get(key.collection, key.kind, key.name) as { tree: string; commit_id: string } | undefined;
  return row ? { tree: row.tree, commit: row.commit_id } : undefined;
}

/** Records the upstream of several artifacts of `collection` (one transaction). */
export function writeGitBases(
  d: StateDb,
  collection: string,
  rows: readonly ({ kind: Kind; name: string } & GitBase)[],
): void {
  const db = ensureStateSchema(d, "git-source");
  const stmt = db.prepare(
    "INSERT INTO git_base (collection, kind, name, tree, commit_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT(collection, kind, name) DO UPDATE SET tree = excluded.tree, commit_id = excluded.commit_id",
  );
  db.transaction(() => {
    for (const r of rows) stmt.run(collection, r.kind, r.name, r.tree, r.commit);
  })();
}

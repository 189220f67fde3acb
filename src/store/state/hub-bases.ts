/**
 * Table `hub_base` (module `hub-sync`): per remote and artifact, what the collection and the hub last
 * agreed on (owner, hub revision, tree hash) at the last fetch or publish: the base of the next
 * three-way merge and the `If-Match` revision of the next publish.
 */
import type { Kind } from "../../core/names.js";
import { ensureStateSchema, type StateDb } from "../state-db.js";

/** What is recorded of an artifact at the last fetch/publish. */
export interface HubBase {
  /** Hub owner (user or team) the artifact lives under. */
  owner: string;
  /** The hub's revision number of that content. */
  revision: number;
  /** Tree hash (DESIGN.md) of that content; the tree is in the object store. */
  tree: string;
}

/** Identifies one artifact as seen through one remote. */
export interface HubBaseKey {
  remote: string;
  kind: Kind;
  name: string;
}

/** The base recorded for `key`, if any. */
export function readHubBase(d: StateDb, key: HubBaseKey): HubBase | undefined {
  return ensureStateSchema(d, "hub-sync")
    .prepare("SELECT owner, revision, tree FROM hub_base WHERE remote = ? AND kind = ? AND name = ?")
    .get(key.remote, key.kind, key.name) as HubBase | undefined;
}

/** Records (or, with `null`, forgets) the base of `key`. */
export function writeHubBase(d: StateDb, key: HubBaseKey, base: HubBase | null): void {
  const db = ensureStateSchema(d, "hub-sync");
  if (base === null)
    db.prepare("DELETE FROM hub_base WHERE remote = ? AND kind = ? AND name = ?").run(
      key.remote,
      key.kind,
      key.name,
    );
  else
    db.prepare(
      "INSERT INTO hub_base (remote, kind, name, owner, revision, tree) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(remote, kind, name) DO UPDATE SET owner = excluded.owner, revision = excluded.revision, tree = excluded.tree",
    ).run(key.remote, key.kind, key.name, base.owner, base.revision, base.tree);
}

/** Forgets everything recorded for `remote`: bases, cursor, pending fetches and outbox (one transaction). */
export function forgetHubRemote(d: StateDb, remote: string): void {
  const db = ensureStateSchema(d, "hub-sync");
  db.transaction(() => {
    for (const t of ["hub_cursor", "hub_base", "hub_pending", "outbox"])
      db.prepare(`DELETE FROM ${t} WHERE remote = ?`).run(remote);
  })();
}

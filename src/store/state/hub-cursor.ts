/**
 * Tables `hub_cursor` and `hub_pending` (module `hub-sync`): how far `fetch` has read a remote's
 * change feed (the hub's cursor), and the artifacts it saw but could not bring in yet (a merge with
 * conflicts under `--auto-resolve abort`), retried by the next fetch so no change is skipped.
 */
import type { Kind } from "../../core/names.js";
import { ensureStateSchema, type StateDb } from "../state-db.js";

/** An artifact a fetch left for later. */
export interface PendingFetch {
  owner: string;
  kind: Kind;
  name: string;
}

/** The cursor stored for `remote` (0 before the first fetch). */
export function readHubCursor(d: StateDb, remote: string): number {
  const row = ensureStateSchema(d, "hub-sync")
    .prepare("SELECT cursor FROM hub_cursor WHERE remote = ?")
    .get(remote) as { cursor: number } | undefined;
  return row?.cursor ?? 0;
}

/** The artifacts of `remote` left pending by earlier fetches. */
export function listPendingFetches(d: StateDb, remote: string): PendingFetch[] {
  return ensureStateSchema(d, "hub-sync")
    .prepare("SELECT owner, kind, name FROM hub_pending WHERE remote = ?")
    .all(remote) as PendingFetch[];
}

/**
 * Records a fetch's progress in one transaction: the new cursor, and `pending` replacing the
 * artifacts left pending before.
 */
export function saveFetchProgress(
  d: StateDb,
  progress: { remote: string; cursor: number; pending: readonly PendingFetch[] },
): void {
  const db = ensureStateSchema(d, "hub-sync");
  const add = db.prepare("INSERT OR IGNORE INTO hub_pending (remote, owner, kind, name) VALUES (?, ?, ?, ?)");
  db.transaction(() => {
    db.prepare("DELETE FROM hub_pending WHERE remote = ?").run(progress.remote);
    for (const p of progress.pending) add.run(progress.remote, p.owner, p.kind, p.name);
    db.prepare(
      "INSERT INTO hub_cursor (remote, cursor) VALUES (?, ?) ON CONFLICT(remote) DO UPDATE SET cursor = excluded.cursor",
    ).run(progress.remote, progress.cursor);
  })();
}

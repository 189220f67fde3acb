/**
 * Table `outbox` (module `hub-sync`): changes `publish` could not send because the hub was
 * unreachable, replayed in order (by id) when it is reachable again. Changes queued for the same
 * artifact coalesce into the first row: latest content, first base revision.
 */
import type { Kind } from "../../core/names.js";
import { ensureStateSchema, type StateDb } from "../state-db.js";

/** One queued change. */
export interface OutboxItem {
  /** Replay order. */
  id: number;
  op: "put" | "delete";
  /** Hub owner, null when not known yet (the token's user is asked at replay). */
  owner: string | null;
  kind: Kind;
  name: string;
  /** Tree hash of the content to put (in the object store); null for a delete. */
  tree: string | null;
  version: string | null;
  /** The hub revision the change was made on (`If-Match`), null to create (`If-None-Match: *`). */
  base_revision: number | null;
}

function db(d: StateDb): StateDb {
  return ensureStateSchema(d, "hub-sync");
}

/**
 * Queues a change for `remote`; a change already queued for the same artifact is replaced in place
 * (keeping its id and base revision; the owner is kept when the new one is null).
 * @param createdAt ISO 8601 UTC
 */
export function enqueueOutbox(
  d: StateDb,
  item: { remote: string; change: Omit<OutboxItem, "id">; createdAt: string },
): void {
  const { remote, change: row, createdAt } = item;
  const existing = db(d)
    .prepare("SELECT id FROM outbox WHERE remote = ? AND kind = ? AND name = ? ORDER BY id LIMIT 1")
    .get(remote, row.kind, row.name) as { id: number } | undefined;
  if (existing)
    d.prepare(
      "UPDATE outbox SET op = ?, tree = ?, version = ?, created_at = ?, owner = COALESCE(?, owner) WHERE id = ?",
    ).run(row.op, row.tree, row.version, createdAt, row.owner, existing.id);
  else
    d.prepare(
      "INSERT INTO outbox (remote, op, owner, kind, name, tree, version, base_revision, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(remote, row.op, row.owner, row.kind, row.name, row.tree, row.version, row.base_revision, createdAt);
}

/** The changes waiting for `remote`, oldest first. */
export function listOutbox(d: StateDb, remote: string): OutboxItem[] {
  return db(d)
    .prepare(
      "SELECT id, op, owner, kind, name, tree, version, base_revision FROM outbox WHERE remote = ? ORDER BY id",
    )
    .all(remote) as OutboxItem[];
}

/** How many changes wait for `remote`. */
export function countOutbox(d: StateDb, remote: string): number {
  return (db(d).prepare("SELECT COUNT(*) AS n FROM outbox WHERE remote = ?").get(remote) as { n: number }).n;
}

/** Removes a replayed (or abandoned) change. */
export function deleteOutboxItem(d: StateDb, id: number): void {
  db(d).prepare("DELETE FROM outbox WHERE id = ?").run(id);
}

/** Counts a failed replay attempt of `id` and keeps its error message. */
export function recordOutboxFailure(d: StateDb, id: number, error: string): void {
  db(d).prepare("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?").run(error, id);
}

/**
 * The tiny SQL driver that `sqlite.ts` and `postgres.ts` provide to the shared store logic
 * (`sql-store.ts`), with the row shapes and helpers that logic shares. SQL uses `?` placeholders
 * and only what both dialects share.
 */
import type { Kind } from "../../core/names.js";
import { type FileMode, treeHash } from "../../core/tree-hash.js";
import type { ArtifactMeta, Principal, Viewer } from "./types.js";

/** Runs statements inside one transaction. */
export interface SqlQueryer {
  /** Rows of a query (or of `... RETURNING`). */
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/**
 * What another process announced (PostgreSQL NOTIFY): a committed change (`ownerId` absent when an
 * older hub sent only the cursor), a change of tokens or memberships (`auth`), or `reset` when
 * announcements may have been missed (the listening connection was lost and is back).
 */
export type RemoteNote =
  | { type: "change"; cursor: number; ownerId?: number }
  | { type: "auth" }
  | { type: "reset" };

/** What a dialect provides to `createSqlHubStore`. */
export interface SqlDriver {
  readonly dialect: "sqlite" | "postgres";
  /**
   * Runs `fn` in one transaction (committed when it resolves, rolled back when it throws). With
   * `userId`, the transaction acts for that user (PostgreSQL: row-level security scope). Without
   * `userId` and `write`, `fn` must be a single read statement (a driver may skip the transaction).
   */
  tx<T>(fn: (q: SqlQueryer) => Promise<T>, opts?: { userId?: number; write?: boolean }): Promise<T>;
  /**
   * One read statement acting for `userId` (as {@link tx} with `userId`), whose parameters are all
   * safe integers — so PostgreSQL can send the transaction, its scope and the statement in one
   * round trip (the hot read of the change feed).
   * @throws Error when a parameter is not a safe integer
   */
  scopedRead<T>(userId: number, sql: string, params: readonly number[]): Promise<T[]>;
  /** Serialises writers until the end of the transaction (PostgreSQL advisory lock; SQLite: no-op). */
  lockFeed(q: SqlQueryer): Promise<void>;
  /** Announces a committed change of `ownerId` to other processes (PostgreSQL NOTIFY; SQLite: no-op). */
  notify(q: SqlQueryer, cursor: number, ownerId: number): Promise<void>;
  /** Announces a token or membership change to other processes (PostgreSQL NOTIFY; SQLite: no-op). */
  notifyAuth(q: SqlQueryer): Promise<void>;
  /** Subscribes to what other processes announce; returns the unsubscribe function. */
  listen(listener: (note: RemoteNote) => void): () => void;
  /**
   * True when another connection committed to the database since the last call (SQLite:
   * `PRAGMA data_version`, synchronous and cheap). Drivers that announce writes by {@link listen}
   * (PostgreSQL) always return false.
   */
  writtenElsewhere(): boolean;
  /**
   * False while announcements of other processes may be missed (PostgreSQL: the `LISTEN`
   * connection is not up); the store then answers from the database only, not from its caches.
   */
  hearsOthers(): boolean;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** A `principals` row. */
export interface PrincipalRow {
  id: number | string;
  name: string;
  type: "user" | "team";
  created_at: string;
}

/** An `artifacts` row. */
export interface ArtifactRow {
  id: number | string;
  owner_id: number | string;
  kind: Kind;
  name: string;
  version: string;
  tree_hash: string;
  revision: number | string;
  deleted: number | string | boolean;
  created_at: string;
  updated_at: string;
  updated_by: string;
}

/** One file as recorded in a version row: the bytes live in `blobs` under `sha`. */
export interface FileRef {
  path: string;
  mode: FileMode;
  sha: string;
  size: number;
}

/** A principal from its row (ids may come back as strings from `pg`). */
export function toPrincipal(r: PrincipalRow): Principal {
  return { id: Number(r.id), name: r.name, type: r.type, created_at: r.created_at };
}

/** Artifact metadata from its row and its owner's name. */
export function toMeta(owner: string, r: ArtifactRow): ArtifactMeta {
  return {
    owner,
    kind: r.kind,
    name: r.name,
    version: r.version,
    tree_hash: r.tree_hash,
    revision: Number(r.revision),
    created_at: r.created_at,
    updated_at: r.updated_at,
    updated_by: r.updated_by,
  };
}

/** True for a tombstoned artifact row (SQLite 1, PostgreSQL 1 or true). */
export function isDeleted(r: ArtifactRow): boolean {
  return r.deleted === true || Number(r.deleted) === 1;
}

/** `?, ?, …` for `n` parameters. */
export function placeholders(n: number): string {
  return new Array(n).fill("?").join(", ");
}

/** Owner ids the viewer may read: itself and its teams. */
export function readableOwners(viewer: Viewer): number[] {
  return [viewer.user.id, ...viewer.teams.map((t) => t.team.id)];
}

/** How the viewer may access `owner`: "write", "read" or "none" (then: not found). */
export function accessTo(viewer: Viewer, owner: Principal): "write" | "read" | "none" {
  if (owner.id === viewer.user.id) return "write";
  const m = viewer.teams.find((t) => t.team.id === owner.id);
  if (!m) return "none";
  return m.role === "reader" ? "read" : "write";
}

/** The tree hash of stored files (DESIGN.md "tree hash"). */
export function storedTreeHash(files: readonly { path: string; mode: FileMode; sha: string }[]): string {
  return treeHash(files.map((f) => ({ path: f.path, mode: f.mode, sha: f.sha })));
}

/** A principal by name, or undefined. */
export async function principalByName(q: SqlQueryer, name: string): Promise<Principal | undefined> {
  const rows = await q.all<PrincipalRow>("SELECT id, name, type, created_at FROM principals WHERE name = ?", [
    name,
  ]);
  return rows[0] ? toPrincipal(rows[0]) : undefined;
}

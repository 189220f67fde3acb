/**
 * The hub store: one interface that the HTTP app talks to, with SQLite (`sqlite.ts`) and PostgreSQL
 * (`postgres.ts`) behind it. Both pass the shared conformance suite (`test/helpers/hub-store-conformance.ts`).
 *
 * Owners: users and teams share one namespace of "principals" (a team cannot be named like a user),
 * so an artifact is addressed as `{owner}/{kind}/{name}` whatever owns it.
 *
 * Visibility rule (enforced in SQL by every store, and by row-level security on PostgreSQL): a user
 * sees artifacts owned by itself and by every team it belongs to; it writes its own and those of
 * teams where its role is `writer` or `admin`.
 */

import type { ArtifactKey, ArtifactMeta, ChangeEntry, ChangePage, VersionMeta } from "../../core/hub-wire.js";
import type { Kind } from "../../core/names.js";
import type { FileMode } from "../../core/tree-hash.js";

export type { ArtifactKey, ArtifactMeta, ChangeEntry, ChangePage, VersionMeta };

/** Team roles, weakest first. */
export const TEAM_ROLES = ["reader", "writer", "admin"] as const;
/** One team role. */
export type TeamRole = (typeof TEAM_ROLES)[number];

/** A user or a team. `id` is store-internal; `name` is what URLs use. */
export interface Principal {
  id: number;
  name: string;
  type: "user" | "team";
  /** ISO 8601 UTC. */
  created_at: string;
}

/** An API token's record (never the token itself: only its SHA-256 is stored). */
export interface TokenRecord {
  /** Public id, e.g. `tok_3f9a1c2b`, used to revoke it. */
  id: string;
  user_id: number;
  /** ISO 8601 UTC. */
  created_at: string;
  /** ISO 8601 UTC, or null for a token that never expires. */
  expires_at: string | null;
  /** ISO 8601 UTC, or null while the token is valid. */
  revoked_at: string | null;
}

/** The user a request acts as, with its team memberships (resolved from the token). */
export interface Viewer {
  user: Principal;
  teams: { team: Principal; role: TeamRole }[];
  token: TokenRecord;
}

/** One file of an artifact as stored: relative `/` path, mode, and bytes. */
export interface StoredFile {
  path: string;
  mode: FileMode;
  data: Buffer;
}

/** An artifact with its files (current version or one from history). */
export interface ArtifactWithFiles extends ArtifactMeta {
  files: StoredFile[];
}

/** The precondition of a write: create only (`If-None-Match: *`) or replace revision N (`If-Match: N`). */
export type Precondition = { ifNoneMatch: "*" } | { ifMatch: number };

/** Outcome of a write or delete. `not_found` also covers "exists but not yours" (same answer). */
export type WriteResult =
  | { status: "ok"; artifact: ArtifactMeta; unchanged: boolean }
  | { status: "not_found" }
  | { status: "forbidden" }
  | { status: "conflict"; current_revision: number | null };

/** Input of {@link HubStore.putArtifact}. Files are already validated (paths, sizes, no duplicates). */
export interface PutInput {
  key: ArtifactKey;
  precondition: Precondition;
  version: string;
  files: StoredFile[];
  /** The write time (ISO 8601 UTC). */
  now: string;
}

/** Input of {@link HubStore.deleteArtifact}. */
export interface DeleteInput {
  key: ArtifactKey;
  ifMatch: number;
  /** The delete time (ISO 8601 UTC). */
  now: string;
}

/** Input of {@link HubStore.createToken}. */
export interface CreateTokenInput {
  user: string;
  /** Public id (see {@link TokenRecord.id}). */
  id: string;
  /** SHA-256 (lowercase hex) of the secret token. */
  hash: string;
  /** ISO 8601 UTC. */
  now: string;
  /** ISO 8601 UTC, or null for no expiry. */
  expires_at: string | null;
}

/**
 * The hub's persistent state. Every method may throw `SkillsyncError` (`NOT_FOUND`, `ALREADY_EXISTS`,
 * `USAGE` for admin operations on bad input) or the driver's own errors for a broken database.
 */
export interface HubStore {
  /** `"sqlite"` or `"postgres"`. */
  readonly dialect: "sqlite" | "postgres";
  /** Runs the versioned schema migrations that this database has not seen yet. Idempotent. */
  migrate(): Promise<void>;
  /** Releases connections and listeners. */
  close(): Promise<void>;

  /** Adds a user. @throws SkillsyncError ALREADY_EXISTS when the name is taken by a user or a team */
  addUser(name: string, now: string): Promise<Principal>;
  /** Adds a team. @throws SkillsyncError ALREADY_EXISTS when the name is taken by a user or a team */
  addTeam(name: string, now: string): Promise<Principal>;
  /**
   * Adds `user` to `team` with `role`, or changes its role.
   * @throws SkillsyncError NOT_FOUND when the team or the user does not exist
   */
  addMember(input: { team: string; user: string; role: TeamRole }): Promise<void>;
  /** A principal by name, or undefined. */
  getPrincipal(name: string): Promise<Principal | undefined>;
  /** Stores a token hash for `user`. @throws SkillsyncError NOT_FOUND for an unknown user */
  createToken(input: CreateTokenInput): Promise<TokenRecord>;
  /**
   * Revokes the token with public id or hash `idOrHash`.
   * @returns false when no such token exists (already revoked counts as found)
   */
  revokeToken(idOrHash: string, now: string): Promise<boolean>;
  /** Every user with its team roles, by name. */
  listUsers(): Promise<{ name: string; created_at: string; teams: { name: string; role: TeamRole }[] }[]>;
  /** Every team with its members, by name. */
  listTeams(): Promise<{ name: string; created_at: string; members: { user: string; role: TeamRole }[] }[]>;
  /** Token records (never secrets) of `user`, or of everyone, oldest first. */
  listTokens(user?: string): Promise<(TokenRecord & { user: string })[]>;
  /**
   * Resolves a token hash to its viewer, or undefined when unknown, revoked or expired at `now`.
   */
  viewerForToken(hash: string, now: string): Promise<Viewer | undefined>;

  /** Current (non-deleted) artifacts the viewer may see, optionally of one owner and/or kind. */
  listArtifacts(viewer: Viewer, filter: { owner?: string; kind?: Kind }): Promise<ArtifactMeta[]>;
  /**
   * The artifact with files: the current version, or revision `revision` from history.
   * Undefined when absent, deleted, not visible, or that revision is a delete.
   */
  getArtifact(viewer: Viewer, key: ArtifactKey, revision?: number): Promise<ArtifactWithFiles | undefined>;
  /** The history (oldest first), or undefined when never written or not visible. */
  listVersions(viewer: Viewer, key: ArtifactKey): Promise<VersionMeta[] | undefined>;
  /** Creates or replaces an artifact under its precondition; appends history and a change. */
  putArtifact(viewer: Viewer, input: PutInput): Promise<WriteResult>;
  /** Deletes (tombstones) an artifact at revision `ifMatch`; appends history and a change. */
  deleteArtifact(viewer: Viewer, input: DeleteInput): Promise<WriteResult>;
  /** Visible changes with cursor > `after`, oldest first, at most `limit` (1-1000). */
  changes(viewer: Viewer, input: { after: number; limit: number }): Promise<ChangePage>;
  /**
   * The highest cursor written so far (0 for an empty hub): of any owner, or with `viewer`, of the
   * changes that viewer may see (so a caller learns nothing about others' activity).
   */
  headCursor(viewer?: Viewer): Promise<number>;
  /**
   * Calls `listener` after any change is committed, by this process or (PostgreSQL: via
   * LISTEN/NOTIFY) by another hub process on the same database. Returns the unsubscribe function.
   */
  onChange(listener: (cursor: number) => void): () => void;
}

/**
 * The hub's HTTP API v1 records (docs/hub-api.md), shared by the server (`src/hub/`) and the client
 * (`src/sync/hub-client.ts`) so both sides speak one definition. Field names are the wire's snake_case.
 */
import type { Kind } from "./names.js";

/** An artifact's address on a hub: owner is a user or team name (one namespace). */
export interface ArtifactKey {
  owner: string;
  kind: Kind;
  name: string;
}

/** Metadata of the current version of an artifact (no file bytes). */
export interface ArtifactMeta extends ArtifactKey {
  /** Free-form version label given by the publisher ("" when none). */
  version: string;
  /** DESIGN.md tree hash of the files (lowercase hex); "" for a delete. */
  tree_hash: string;
  /** Starts at 1, +1 on every write and on delete. */
  revision: number;
  /** ISO 8601 UTC. */
  created_at: string;
  /** ISO 8601 UTC. */
  updated_at: string;
  /** Name of the user who wrote this revision. */
  updated_by: string;
}

/** One entry of an artifact's history. `op: "delete"` entries carry the tree hash of nothing (""). */
export interface VersionMeta {
  revision: number;
  op: "put" | "delete";
  version: string;
  tree_hash: string;
  /** ISO 8601 UTC. */
  created_at: string;
  created_by: string;
}

/** One change in the feed. `cursor` is monotonic across the whole hub. */
export interface ChangeEntry extends ArtifactKey {
  cursor: number;
  op: "put" | "delete";
  revision: number;
  version: string;
  tree_hash: string;
  /** ISO 8601 UTC. */
  at: string;
}

/** A page of the change feed: visible changes after the asked cursor, and the cursor to ask next. */
export interface ChangePage {
  changes: ChangeEntry[];
  /** Cursor to pass as `after` next time (the last visible change returned, or the asked cursor). */
  cursor: number;
  /** True when `limit` cut the page short: ask again right away. */
  more: boolean;
}

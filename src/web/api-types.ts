/**
 * The JSON shapes exchanged between the web UI and the daemon's `/api/ui/...` routes
 * (`src/daemon/ui-api.ts`). Types only: both sides import them with `import type`, so this file
 * adds nothing to either bundle. Timestamps are ISO 8601 UTC strings; hashes lowercase hex; sizes
 * in bytes; durations in milliseconds.
 */

/** The four artifact kinds (DESIGN.md "artifact"); mirrors `KINDS` in `src/core/names.ts`. */
export type ArtifactKind = "skill" | "command" | "agent" | "prompt";

/** Traffic light of the whole sync state: green all synced, yellow pending, red conflicts. */
export type SyncLight = "green" | "yellow" | "red";

/** Where an artifact can live. */
export type PlaceKind = "collection" | "project" | "remote";

/** One place of the merged view: the collection, a registered project or a hub remote. */
export interface Place {
  /** Stable id used as key in {@link ArtifactRow.places}: `collection`, `project:<abs path>`, `remote:<name>`. */
  id: string;
  kind: PlaceKind;
  /** Short human label (collection name, project folder name, remote name). */
  label: string;
  /** Absolute folder or URL. */
  location: string;
  /** False when the place could not be read (project folder gone, hub unreachable). */
  reachable: boolean;
  /** Why the place is unreachable, one line. */
  error?: string;
}

/**
 * State of one artifact in one place. Drift words follow DESIGN.md "drift"; `absent` means the
 * place does not hold it; `conflict` means a recorded conflict waits for resolution; `invalid` means
 * the validation gate holds it back; `queued` means it waits in the outbox for an unreachable hub.
 */
export type PlaceState =
  | "in-sync"
  | "modified"
  | "added"
  | "removed"
  | "version_mismatch"
  | "untracked"
  | "conflict"
  | "invalid"
  | "queued"
  | "absent"
  | "unknown";

/** One artifact's state in one place. */
export interface PlaceStatus {
  state: PlaceState;
  /** For `modified`: which side changed (`project`, `collection`, `hub`, `both`). */
  side?: string;
  version?: string;
  /** Tree hash in this place. */
  sha?: string;
}

/** One row of the overview: an artifact across every place. */
export interface ArtifactRow {
  kind: ArtifactKind;
  name: string;
  version: string;
  description: string;
  /** Last change anywhere we know of, or null. */
  updated_at: string | null;
  /** Summary over all places: `conflict` beats `pending` beats `synced`. */
  status: "synced" | "pending" | "conflict";
  /** Per place id. Places not listed hold nothing of this artifact. */
  places: Record<string, PlaceStatus>;
}

/** `GET /api/ui/overview`. */
export interface Overview {
  light: SyncLight;
  counts: { total: number; synced: number; pending: number; conflicts: number };
  places: Place[];
  artifacts: ArtifactRow[];
  /**
   * True while automatic sync (`daemon.enabled`) is on; when false the daemon watches and serves
   * this UI but syncs only when asked (`skillsync auto enable` turns it on).
   */
  auto_sync: boolean;
  /** Names of remotes and why each failed, when any hub could not be reached. */
  generated_at: string;
}

/** A validation finding (same shape as `Problem` in `src/core/validate.ts`). */
export interface ProblemJson {
  severity: "error" | "warning";
  message: string;
  file: string;
  line?: number;
}

/** One file of an artifact. `text` is null for binary files or files over 1 MiB. */
export interface FileJson {
  path: string;
  size: number;
  mode: "644" | "755";
  text: string | null;
}

/** `GET /api/ui/artifacts/:kind/:name`: an artifact as the collection holds it. */
export interface ArtifactDetail {
  kind: ArtifactKind;
  name: string;
  version: string;
  description: string;
  /** Path of the main markdown file inside the artifact (`SKILL.md`, or `<name>.md`). */
  main: string;
  /** Tree hash in the collection. */
  sha: string;
  updated_at: string | null;
  files: FileJson[];
  problems: ProblemJson[];
  places: Place[];
  /** Per place id, the state there (the collection itself included). */
  deployments: Record<string, PlaceStatus>;
}

/** `PUT /api/ui/artifacts/:kind/:name`: new text of changed text files (others stay). */
export interface SaveRequest {
  files: { path: string; text: string }[];
  /** The tree hash the editor started from; a different current hash is a 409 (someone else saved). */
  base_sha?: string;
}

/**
 * `POST /api/ui/artifacts`: a new artifact in the collection. `text` is the whole main file
 * (frontmatter + body); the daemon validates it with the same rules as the page before writing.
 */
export interface CreateRequest {
  kind: ArtifactKind;
  name: string;
  text: string;
}

/** One file that an action would change, with both texts so the page can show a diff. */
export interface FileChange {
  path: string;
  change: "added" | "modified" | "removed";
  /** Text before (null when added, binary or too large). */
  before: string | null;
  /** Text after (null when removed, binary or too large). */
  after: string | null;
  binary: boolean;
}

/** `POST /api/ui/artifacts/:kind/:name/{publish|deploy}/preview`: what the action would do. */
export interface ChangePreview {
  /** Place id of the target. */
  target: string;
  /** One line, e.g. `2 files change on hub 'team'` or `nothing to do: already in sync`. */
  summary: string;
  files: FileChange[];
}

/** Result of a sync action (DESIGN.md sync-operation JSON). */
export interface SyncResultJson {
  artifact_name: string;
  success: boolean;
  direction: string;
  strategy_used: string;
  conflicts_resolved: number;
  conflicts_remaining: number;
  previous_hash: string | null;
  new_hash: string | null;
  snapshot_id: string | null;
  error: string | null;
}

/** One pending conflict (`GET /api/ui/conflicts`). */
export interface ConflictSummary {
  id: string;
  kind: ArtifactKind;
  name: string;
  /** Label of the side being written to (`collection`, `project`). */
  local_label: string;
  /** Label of the side brought in (`hub`, `project`, `collection`, `upstream`). */
  remote_label: string;
  /** Place id the conflict is with. */
  place: string;
  /** For a project deployed to several agents: the conflicting copy's path in the project (`.agents/skills/NAME`). */
  target?: string;
  created_at: string;
  paths: string[];
}

/** One conflicting file: the three inputs and the engine's merge with conflict markers. */
export interface ConflictFile {
  path: string;
  base: string | null;
  local: string | null;
  remote: string | null;
  /** Merge result with git-style markers (`<<<<<<< local_label` … `>>>>>>> remote_label`). */
  merged: string;
  conflicts: number;
  binary: boolean;
}

/** `GET /api/ui/conflicts/:id`. */
export interface ConflictDetail extends ConflictSummary {
  files: ConflictFile[];
}

/** `POST /api/ui/conflicts/:id/resolve`: the final content of each file (null deletes it). */
export interface ResolveRequest {
  files: { path: string; content: string | null }[];
}

/** One version of an artifact: a local snapshot or a hub version. */
export interface HistoryEntry {
  /** Opaque id for diff and rollback (`snapshot:<id>` or `hub:<remote>:<n>`). */
  id: string;
  source: "snapshot" | "hub";
  label: string;
  message: string;
  created_at: string;
  sha: string;
  version: string;
}

/** `GET /api/ui/artifacts/:kind/:name/history`. */
export interface HistoryList {
  current_sha: string | null;
  entries: HistoryEntry[];
}

/** `GET /api/ui/artifacts/:kind/:name/diff?from=ID&to=ID` (`to` may be `current`). */
export interface HistoryDiff {
  from: string;
  to: string;
  files: FileChange[];
}

/** One past sync run (`history` table of `state.db`). */
export interface RunJson {
  id: string;
  started_at: string;
  trigger: string;
  artifacts: number;
  result: string;
  duration_ms: number;
  error: string | null;
}

/** `GET /api/ui/daemon`: the daemon panel. */
export interface DaemonPanel {
  auto_sync: boolean;
  schedules: string[];
  next_run: string | null;
  /** Backoff after failures; `until` null when not backing off. */
  backoff: { failures: number; until: string | null; last_error: string | null };
  runs: RunJson[];
  in_flight: boolean;
}

/** An error body from any route: `{error: {code, message}}`. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}

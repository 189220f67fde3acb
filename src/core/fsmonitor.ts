/**
 * The file-system monitor protocol between `skillsync status` and a running daemon (like git's
 * `core.fsmonitor` hook and its `fsmonitor--daemon`): the daemon, whose watcher already sees every
 * change under the collection and the registered projects, answers "which artifact locations under
 * these roots changed since token T", so a status walks only those instead of both whole trees.
 *
 * Pure: the wire records and the rule that maps a changed path to the artifact location it belongs
 * to. The daemon side is `src/daemon/fsmonitor.ts`, the client side `src/sync/fsmonitor-client.ts`.
 */
import type { Layout } from "./layout.js";

/** `POST /api/fsmonitor` request body. */
export interface FsmonitorRequest {
  /** Absolute root folders: the collection folder and/or project folders. */
  roots: string[];
  /** The token of the previous answer, or null on first use (the answer is then `all` for every root). */
  since: string | null;
}

/** What the daemon can vouch for under one root. */
export type FsmonitorRootAnswer =
  /** Nothing can be said: walk the whole root (unknown token, root not watched, watcher error…). */
  | { all: true; reason: string }
  /**
   * Exactly these artifact locations (absolute paths: a skill folder or a single `.md` file) may
   * have changed since the token; every other location under the root is untouched.
   */
  | { all: false; changed: string[] };

/** `POST /api/fsmonitor` response body. */
export interface FsmonitorResponse {
  /**
   * Token to pass as `since` next time. It stands for every event the watcher delivered before the
   * answer was made, and the answer was made only after a cookie file written on receipt of the
   * request came back through the watcher (git's fsmonitor cookie barrier), so every change made
   * before the request is either in `changed` or covered by `all`.
   */
  token: string;
  roots: Record<string, FsmonitorRootAnswer>;
}

/** Where a changed path sits relative to a layout's artifacts. */
export type ChangePlace =
  /** Inside (or is) the artifact at `location` (relative to the root, `/`-separated). */
  | { place: "artifact"; location: string }
  /** A layout folder itself or one of its ancestors changed (renamed, removed): anything may have moved. */
  | { place: "above" }
  /** Nothing an artifact is made of (e.g. `src/index.ts` in a project). */
  | { place: "outside" };

/**
 * Maps `rel` (a changed path relative to a root laid out per `layout`, `/`-separated, `""` for the
 * root itself) to the artifact location it belongs to. Rules, per kind placement:
 * - folder form (`skills/<name>/…`): `<dir>/<name>` for `<dir>/<name>` and anything below it;
 * - file form (`commands/<name>.md`): `<dir>/<entry>` for a direct entry of `<dir>` (any name: a
 *   rename away from `.md` is a change of the artifact), anything deeper is `outside`;
 * - `<dir>` itself or any ancestor of it (including the root, `""`) is `above`.
 */
export function placeChange(layout: Layout, rel: string): ChangePlace {
  const placements = Object.values(layout);
  for (const { dir } of placements)
    if (rel === "" || rel === dir || dir.startsWith(`${rel}/`)) return { place: "above" };
  for (const p of placements) {
    if (!rel.startsWith(`${p.dir}/`)) continue;
    const rest = rel.slice(p.dir.length + 1);
    const slash = rest.indexOf("/");
    if (p.form === "folder")
      return { place: "artifact", location: `${p.dir}/${slash < 0 ? rest : rest.slice(0, slash)}` };
    if (slash < 0) return { place: "artifact", location: rel };
  }
  return { place: "outside" };
}

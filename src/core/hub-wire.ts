/**
 * The hub's HTTP API v1 records (docs/hub-api.md), shared by the server (`src/hub/`) and the client
 * (`src/sync/hub-client.ts`) so both sides speak one definition. Field names are the wire's snake_case.
 */
import { z } from "zod";
import { artifactNameProblem, KINDS, type Kind, relativePathProblem } from "./names.js";

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

// ---------------------------------------------------------------------------------------------
// Validation of what a hub answers (the client's parsing boundary). A hub is another machine: its
// names and paths are checked here, before any path is built from them. A hub answering a name or
// a file path that could leave its folder (`..`, absolute, `/` or `\` in a name, NUL, over-long) or
// two names / paths that differ only in case is refused as a whole.

/** Why `owner` (a hub user or team) is unsafe, or undefined: 1–128 characters, no `/`, `\`, NUL. */
export function ownerProblem(owner: string): string | undefined {
  if (owner.length === 0 || owner.length > 128)
    return `owner '${owner.slice(0, 40)}' must be 1-128 characters`;
  if (/[/\\\0]/.test(owner) || owner === "." || owner === "..")
    return `owner '${owner.replace(/\0/g, "\\0")}' must not contain '/', '\\' or NUL`;
  return undefined;
}

const kindSchema = z.enum(KINDS);
const hexOrEmpty = z.string().regex(/^([0-9a-f]{64})?$/, "must be a 64-hex tree hash or empty");

const keyFields = {
  owner: z.string().superRefine((o, ctx) => {
    const p = ownerProblem(o);
    if (p) ctx.addIssue({ code: "custom", message: p });
  }),
  kind: kindSchema,
  name: z.string(),
};

/** Adds an issue on `name` when it is not a valid artifact name of `kind` (core/names.ts rules). */
function checkName(v: { kind: Kind; name: string }, ctx: z.RefinementCtx): void {
  const p = artifactNameProblem(v.kind, v.name);
  if (p) ctx.addIssue({ code: "custom", path: ["name"], message: p });
}

/** {@link ArtifactMeta} as the client accepts it. */
export const artifactMetaSchema = z
  .object({
    ...keyFields,
    version: z.string().max(256),
    tree_hash: hexOrEmpty,
    revision: z.number().int().min(0),
    created_at: z.string(),
    updated_at: z.string(),
    updated_by: z.string(),
  })
  .superRefine(checkName);

/** {@link ChangeEntry} as the client accepts it. */
export const changeEntrySchema = z
  .object({
    ...keyFields,
    cursor: z.number().int().min(0),
    op: z.enum(["put", "delete"]),
    revision: z.number().int().min(0),
    version: z.string().max(256),
    tree_hash: hexOrEmpty,
    at: z.string(),
  })
  .superRefine(checkName);

/** Adds an issue when two entries of one kind (and owner) have names that differ only in case. */
function checkCaseCollisions(
  items: readonly { owner: string; kind: string; name: string }[],
  ctx: z.RefinementCtx,
  key: string,
): void {
  const seen = new Map<string, string>();
  items.forEach((it, i) => {
    const folded = `${it.owner}\0${it.kind}\0${it.name.toLowerCase()}`;
    const prev = seen.get(folded);
    if (prev !== undefined && prev !== it.name)
      ctx.addIssue({
        code: "custom",
        path: [key, i, "name"],
        message: `names '${prev}' and '${it.name}' differ only in case (refused: they collide on case-insensitive file systems)`,
      });
    else seen.set(folded, it.name);
  });
}

/** {@link ChangePage} as the client accepts it. */
export const changePageSchema = z
  .object({ changes: z.array(changeEntrySchema), cursor: z.number().int().min(0), more: z.boolean() })
  .superRefine((p, ctx) => checkCaseCollisions(p.changes, ctx, "changes"));

/** `GET /api/v1/artifacts` as the client accepts it. */
export const artifactListSchema = z
  .object({ artifacts: z.array(artifactMetaSchema) })
  .superRefine((p, ctx) => checkCaseCollisions(p.artifacts, ctx, "artifacts"));

/** {@link VersionMeta} list as the client accepts it. */
export const versionListSchema = z.object({
  versions: z.array(
    z.object({
      revision: z.number().int().min(0),
      op: z.enum(["put", "delete"]),
      version: z.string().max(256),
      tree_hash: hexOrEmpty,
      created_at: z.string(),
      created_by: z.string(),
    }),
  ),
});

/** Longest relative path accepted from a hub (bytes), and longest segment (bytes; most file systems' limit). */
export const MAX_WIRE_PATH_BYTES = 4096;
const MAX_SEGMENT_BYTES = 255;
const encoder = new TextEncoder();
const utf8Length = (s: string): number => encoder.encode(s).length;

/**
 * Why a file path inside an artifact, as a hub sent it, is unsafe, or undefined: the rules of
 * {@link relativePathProblem} (relative, `/` only, no `.`/`..`/empty segment, no NUL, not absolute)
 * plus length limits.
 */
export function wirePathProblem(p: string): string | undefined {
  const problem = relativePathProblem(p);
  if (problem) return problem;
  if (utf8Length(p) > MAX_WIRE_PATH_BYTES)
    return `path '${p.slice(0, 40)}…' is over ${MAX_WIRE_PATH_BYTES} bytes`;
  for (const seg of p.split("/"))
    if (utf8Length(seg) > MAX_SEGMENT_BYTES)
      return `path '${p.slice(0, 40)}…' has a segment over ${MAX_SEGMENT_BYTES} bytes`;
  return undefined;
}

/** An artifact with its files (base64 data), as the client accepts it: safe, distinct paths. */
export const artifactWithFilesSchema = z
  .object({
    ...keyFields,
    version: z.string().max(256),
    tree_hash: hexOrEmpty,
    revision: z.number().int().min(0),
    created_at: z.string(),
    updated_at: z.string(),
    updated_by: z.string(),
    files: z.array(
      z.object({
        path: z.string(),
        mode: z.enum(["644", "755"]),
        data: z.string(),
      }),
    ),
  })
  .superRefine((a, ctx) => {
    checkName(a, ctx);
    const seen = new Map<string, string>();
    a.files.forEach((f, i) => {
      const p = wirePathProblem(f.path);
      if (p) {
        ctx.addIssue({ code: "custom", path: ["files", i, "path"], message: p });
        return;
      }
      const folded = f.path.toLowerCase();
      const prev = seen.get(folded);
      if (prev !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["files", i, "path"],
          message:
            prev === f.path
              ? `path '${f.path}' appears twice`
              : `paths '${prev}' and '${f.path}' differ only in case (refused: they collide on case-insensitive file systems)`,
        });
      else seen.set(folded, f.path);
    });
  });

/** The result of a `put` / `delete`, as the client accepts it. */
export const writeResultSchema = z.object({ artifact: artifactMetaSchema, unchanged: z.boolean() });

/** The first issue of a failed parse as one line: `files.0.path: path '../x' escapes its folder ('..')`. */
export function wireProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid answer";
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return `${where}${issue.message}`;
}

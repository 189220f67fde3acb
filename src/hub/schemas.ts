/**
 * Request bodies of the hub API, validated with zod, and the checks zod cannot express
 * (Agent Skills names, safe relative paths, size limits).
 */
import { z } from "zod";
import { artifactNameProblem, type Kind, relativePathProblem } from "../core/names.js";
import { isIgnoredPath } from "../core/tree-hash.js";
import type { StoredFile } from "./store/types.js";

/** Limits on one write. */
export interface HubLimits {
  /** Files per artifact, default 1,000. */
  maxFiles: number;
  /** Bytes per file after base64 decoding, default 5 MiB. */
  maxFileBytes: number;
  /** Bytes per request body, default 20 MiB. */
  maxRequestBytes: number;
}

/** The defaults of {@link HubLimits}: 1,000 files, 5 MiB per file, 20 MiB per request. */
export const DEFAULT_LIMITS: HubLimits = {
  maxFiles: 1000,
  maxFileBytes: 5 * 1024 * 1024,
  maxRequestBytes: 20 * 1024 * 1024,
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Body of `PUT /api/v1/artifacts/{owner}/{kind}/{name}`. */
export const putBodySchema = z
  .object({
    version: z.string().max(200).optional(),
    tree_hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "tree_hash must be 64 lowercase hex digits")
      .optional(),
    files: z
      .array(
        z
          .object({
            path: z.string().min(1).max(1024),
            mode: z.enum(["644", "755"]).optional(),
            data: z.string().regex(BASE64, "data must be standard base64"),
          })
          .strict(),
      )
      .min(1, "an artifact needs at least one file"),
  })
  .strict();

/** The parsed PUT body. */
export type PutBody = z.infer<typeof putBodySchema>;

/** A validation failure: HTTP status (400 or 413) and one line. */
export interface BodyProblem {
  status: 400 | 413;
  message: string;
  /** For 413: the limit that was exceeded (files or bytes). */
  limit?: number;
}

/** The first zod issue as one line: `files.0.path: Required`. */
export function zodProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid body";
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return `${where}${issue.message}`;
}

/**
 * Checks the files of a parsed PUT body and decodes them.
 * @returns the files, or the problem (413 for too many or too large files, 400 otherwise)
 */
export function decodeFiles(
  kind: Kind,
  body: PutBody,
  limits: HubLimits,
): { files: StoredFile[] } | { problem: BodyProblem } {
  if (body.files.length > limits.maxFiles)
    return {
      problem: {
        status: 413,
        message: `${body.files.length} files is over the limit of ${limits.maxFiles} files per artifact`,
        limit: limits.maxFiles,
      },
    };
  const seen = new Set<string>();
  const files: StoredFile[] = [];
  for (const f of body.files) {
    const problem = relativePathProblem(f.path);
    if (problem) return { problem: { status: 400, message: problem } };
    if (isIgnoredPath(f.path))
      return {
        problem: {
          status: 400,
          message: `path '${f.path}' is in an ignored folder (.git, node_modules, .DS_Store)`,
        },
      };
    if (seen.has(f.path)) return { problem: { status: 400, message: `path '${f.path}' appears twice` } };
    seen.add(f.path);
    // base64 length bounds the decoded size; check before decoding so a huge file is not copied
    if (Math.floor((f.data.length * 3) / 4) - 2 > limits.maxFileBytes)
      return { problem: tooLarge(f.path, limits) };
    const data = Buffer.from(f.data, "base64");
    if (data.length > limits.maxFileBytes) return { problem: tooLarge(f.path, limits) };
    files.push({ path: f.path, mode: f.mode ?? "644", data });
  }
  if (kind === "skill" && !seen.has("SKILL.md"))
    return { problem: { status: 400, message: "a skill needs a SKILL.md at its top level" } };
  return { files };
}

function tooLarge(path: string, limits: HubLimits): BodyProblem {
  return {
    status: 413,
    message: `file '${path}' is over the limit of ${limits.maxFileBytes} bytes per file`,
    limit: limits.maxFileBytes,
  };
}

/** Why `name` cannot be an artifact of `kind`, or undefined (Agent Skills rules for skills). */
export function nameProblem(kind: Kind, name: string): string | undefined {
  return artifactNameProblem(kind, name);
}

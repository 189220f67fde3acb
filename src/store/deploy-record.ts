/**
 * The deployment record `.claude/.skillsync-deployed.toml` in each project (DESIGN.md "Formats", the
 * seed handoff document's schema): `[deployment]` `collection`, `deployed-at`, `skillsync-version`;
 * `[[artifacts]]` `name`, `type`, `source`, `version`, `sha`, `deployed-at`, `deployed-from`.
 * `sha` is the tree hash of what was deployed: the base both sides last agreed on.
 */
import { stringify as stringifyToml } from "smol-toml";
import { z } from "zod";
import { isSkillsyncError } from "../core/errors.js";
import { KINDS, type Kind } from "../core/names.js";
import type { ParsedCache } from "./parsed-cache.js";
import {
  artifactEntrySchema,
  caseCollisionRefine,
  isoTimeSchema,
  parseTomlDoc,
  readTomlDoc,
  type TomlFormat,
} from "./toml-doc.js";

/** The deployment record format version this build reads and writes. */
export const RECORD_VERSION = 1;

const entrySchema = artifactEntrySchema({
  "deployed-at": isoTimeSchema,
  "deployed-from": z.string().min(1),
});

const recordSchema = z
  .object({
    version: z.number().int().min(1),
    deployment: z
      .object({
        collection: z.string().min(1),
        "deployed-at": isoTimeSchema,
        "skillsync-version": z.string(),
      })
      .strict(),
    artifacts: z.array(entrySchema).default([]),
  })
  .strict()
  .superRefine(caseCollisionRefine("artifacts"));

/** One `[[artifacts]]` entry. */
export type RecordEntry = z.infer<typeof entrySchema>;
/** The whole deployment record. */
export type DeployRecord = z.infer<typeof recordSchema>;

const FORMAT: TomlFormat<DeployRecord> = {
  what: "deployment record",
  code: "INVALID_RECORD",
  version: RECORD_VERSION,
  schema: recordSchema,
  arrayKey: "artifacts",
};

/**
 * Reads the record at `file`; `undefined` when the project has none. With `cache`, an unchanged
 * record is not parsed again (see parsed-cache.ts).
 * @throws SkillsyncError INVALID_RECORD / UNSUPPORTED_VERSION / UNREADABLE with file and line
 */
export function readDeployRecord(file: string, cache?: ParsedCache): DeployRecord | undefined {
  if (!cache) return readTomlDoc(file, FORMAT);
  try {
    return cache.read(file, FORMAT.what, (text) => parseTomlDoc(text, file, FORMAT));
  } catch (e) {
    if (isSkillsyncError(e)) throw e;
    // Not a parse error (e.g. permissions): the uncached path reports it in the usual words.
    return readTomlDoc(file, FORMAT);
  }
}

/** Parses record text. */
export function parseDeployRecord(text: string, file: string): DeployRecord {
  return parseTomlDoc(text, file, FORMAT);
}

/** The canonical text of `record` (entries sorted by type, then name). */
export function serializeDeployRecord(record: DeployRecord): string {
  const order = (k: Kind) => KINDS.indexOf(k);
  const artifacts = [...record.artifacts]
    .sort((a, b) => order(a.type) - order(b.type) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => ({
      name: e.name,
      type: e.type,
      source: e.source,
      version: e.version,
      sha: e.sha,
      "deployed-at": e["deployed-at"],
      "deployed-from": e["deployed-from"],
    }));
  const header = "# skillsync deployment record: generated, do not edit by hand\n";
  return `${header}${stringifyToml({
    version: RECORD_VERSION,
    deployment: record.deployment,
    artifacts,
  })}\n`;
}

/** The entry for `kind/name`, if any. */
export function findRecordEntry(
  record: DeployRecord | undefined,
  kind: Kind,
  name: string,
): RecordEntry | undefined {
  return record?.artifacts.find((e) => e.type === kind && e.name === name);
}

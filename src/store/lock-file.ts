/**
 * The lock file `skillsync.lock` at the collection root (DESIGN.md "Formats"): TOML, one
 * `[[artifact]]` per artifact with `name`, `type`, `source`, `version`, `sha` (tree hash),
 * `resolved-ref` (40-hex commit, git sources only), `added-at`, `updated-at`. Serialised
 * deterministically (sorted by type, then name) so a rewrite with nothing changed is byte-identical.
 */
import { stringify as stringifyToml } from "smol-toml";
import { z } from "zod";
import { SkillsyncError } from "../core/errors.js";
import { KINDS, type Kind } from "../core/names.js";
import { type ParsedCache, readThroughCache } from "./parsed-cache.js";
import {
  artifactEntrySchema,
  caseCollisionRefine,
  isoTimeSchema,
  parseTomlDoc,
  readTomlDoc,
  type TomlFormat,
} from "./toml-doc.js";

/** The lock file's name in messages, and its parser's key in the parsed cache (parsed-cache.ts). */
export const LOCK_FILE_WHAT = "lock file";

/** The lock file format version this build reads and writes. */
export const LOCK_VERSION = 1;

/**
 * Builds the lock file's schemas. Not done at module load (start-up, issue 13): only a lock file
 * that is parsed (not one the parsed cache vouches for) needs them; see {@link FORMAT}.
 */
function buildSchemas() {
  const entrySchema = artifactEntrySchema({
    "resolved-ref": z
      .string()
      .regex(/^[0-9a-f]{40}$/, "must be a 40-hex commit")
      .optional(),
    "added-at": isoTimeSchema(),
    "updated-at": isoTimeSchema(),
  });
  const lockSchema = z
    .object({
      version: z.number().int().min(1),
      artifact: z.array(entrySchema).default([]),
    })
    .strict()
    .superRefine(caseCollisionRefine("artifact"));
  return { entrySchema, lockSchema };
}

/** One `[[artifact]]` of the lock file. */
export type LockEntry = z.infer<ReturnType<typeof buildSchemas>["entrySchema"]>;
/** The whole lock file. */
export interface LockFile {
  version: number;
  artifact: LockEntry[];
}

let lockSchema: z.ZodType<LockFile> | undefined;

/** How the lock file is read; its schema is built on first use. */
const FORMAT: TomlFormat<LockFile> = {
  what: LOCK_FILE_WHAT,
  code: "INVALID_LOCK",
  version: LOCK_VERSION,
  get schema(): z.ZodType<LockFile> {
    lockSchema ??= buildSchemas().lockSchema as z.ZodType<LockFile>;
    return lockSchema;
  },
  arrayKey: "artifact",
};

/** An empty lock file. */
export function emptyLock(): LockFile {
  return { version: LOCK_VERSION, artifact: [] };
}

/**
 * Reads the lock file at `file`; a missing file is an empty lock. With `cache`, an unchanged lock
 * file is not parsed again (see parsed-cache.ts); the value may then be shared with earlier reads in
 * this process, so callers build new locks (upsertLockEntry) instead of changing it.
 * @throws SkillsyncError INVALID_LOCK / UNSUPPORTED_VERSION / UNREADABLE, with file and line
 */
export function readLockFile(file: string, cache?: ParsedCache): LockFile {
  const read = () => readTomlDoc(file, FORMAT);
  return readThroughCache(cache, file, FORMAT.what, (text) => parseLockFile(text, file), read) ?? emptyLock();
}

/** Parses lock file text (for tests and recovery). */
export function parseLockFile(text: string, file: string): LockFile {
  return parseTomlDoc(text, file, FORMAT);
}

/** The canonical text of `lock` (entries sorted by type, then name; keys in a fixed order). */
export function serializeLockFile(lock: LockFile): string {
  const order = (k: Kind) => KINDS.indexOf(k);
  const artifact = [...lock.artifact]
    .sort((a, b) => order(a.type) - order(b.type) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => {
      const out: Record<string, string> = {
        name: e.name,
        type: e.type,
        source: e.source,
        version: e.version,
        sha: e.sha,
      };
      if (e["resolved-ref"]) out["resolved-ref"] = e["resolved-ref"];
      out["added-at"] = e["added-at"];
      out["updated-at"] = e["updated-at"];
      return out;
    });
  const header = "# skillsync lock file: written by skillsync, change it with skillsync commands\n";
  return `${header}${stringifyToml({ version: LOCK_VERSION, artifact })}\n`;
}

/** The entry for `kind/name`, if any. */
export function findLockEntry(lock: LockFile, kind: Kind, name: string): LockEntry | undefined {
  return lock.artifact.find((e) => e.type === kind && e.name === name);
}

/**
 * A copy of `lock` with the entry for `entry.type/entry.name` replaced or added.
 * @throws SkillsyncError INVALID_NAME when another entry of the same type has a name that differs
 *   only in case (see `caseCollisionRefine`: such pairs are refused on every file system)
 */
export function upsertLockEntry(lock: LockFile, entry: LockEntry): LockFile {
  const folded = entry.name.toLowerCase();
  const twin = lock.artifact.find(
    (e) => e.type === entry.type && e.name !== entry.name && e.name.toLowerCase() === folded,
  );
  if (twin)
    throw new SkillsyncError(
      "INVALID_NAME",
      `${entry.type}/${entry.name} differs only in case from ${twin.type}/${twin.name} already in the collection; rename one (such names collide on case-insensitive file systems)`,
    );
  const rest = lock.artifact.filter((e) => !(e.type === entry.type && e.name === entry.name));
  return { version: LOCK_VERSION, artifact: [...rest, entry] };
}

/** A copy of `lock` without `kind/name`. */
export function removeLockEntry(lock: LockFile, kind: Kind, name: string): LockFile {
  return {
    version: LOCK_VERSION,
    artifact: lock.artifact.filter((e) => !(e.type === kind && e.name === name)),
  };
}

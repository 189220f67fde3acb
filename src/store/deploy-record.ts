/**
 * The deployment record `.claude/.skillsync-deployed.toml` in each project, and
 * `$SKILLSYNC_HOME/global/deployed.toml` for the user's folders (DESIGN.md "Formats", the seed
 * handoff document's schema): `[deployment]` `collection`, `deployed-at`, `skillsync-version`;
 * `[[artifacts]]` `name`, `type`, `source`, `version`, `sha`, `deployed-at`, `deployed-from`, and
 * (version 2, issue 11) `[[artifacts.targets]]` `path`, `agents`, `sha`: each folder the artifact
 * was written to (relative to the project or home, `/`-separated), the agent ids it serves and the
 * tree hash written there — that target's base. The artifact's own `sha` is its first target's.
 *
 * Version 1 records (no targets) are read as one target per artifact in Claude Code's layout
 * (`agents = ["claude-code"]`, `sha` the artifact's) and written back as version 2.
 */
import { stringify as stringifyToml } from "smol-toml";
import { z } from "zod";
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

/** The deployment record format version this build writes (it reads 1 and 2). */
export const RECORD_VERSION = 2;

/**
 * Builds the record's schemas. Not done at module load (start-up, issue 13): only a record that is
 * parsed (not one the parsed cache vouches for) needs them; see {@link FORMAT}.
 */
function buildSchemas() {
  const shaSchema = z.string().regex(/^[0-9a-f]{64}$/, "must be a 64-hex tree hash");

  const targetSchema = z
    .object({
      path: z
        .string()
        .min(1)
        .refine(
          (p) => !p.startsWith("/") && !p.split("/").includes(".."),
          "must be a relative path inside the root",
        ),
      agents: z.array(z.string().min(1)).min(1),
      sha: shaSchema,
      /** `--link`: the path (relative to the root) this target is a symbolic link to. */
      link: z
        .string()
        .min(1)
        .refine(
          (p) => !p.startsWith("/") && !p.split("/").includes(".."),
          "must be a relative path inside the root",
        )
        .optional(),
    })
    .strict();

  const entrySchema = artifactEntrySchema({
    "deployed-at": isoTimeSchema(),
    "deployed-from": z.string().min(1),
    targets: z.array(targetSchema).optional(),
  });

  const recordSchema = z
    .object({
      version: z.number().int().min(1),
      deployment: z
        .object({
          collection: z.string().min(1),
          "deployed-at": isoTimeSchema(),
          "skillsync-version": z.string(),
        })
        .strict(),
      artifacts: z.array(entrySchema).default([]),
    })
    .strict()
    .superRefine(caseCollisionRefine("artifacts"));
  return { targetSchema, entrySchema, recordSchema };
}

type Schemas = ReturnType<typeof buildSchemas>;
/** One `[[artifacts]]` entry. */
export type RecordEntry = z.infer<Schemas["entrySchema"]>;
/** One `[[artifacts.targets]]` entry: a path the artifact was written to, its agents and its base. */
export type RecordTarget = z.infer<Schemas["targetSchema"]>;
/** The whole deployment record. */
export type DeployRecord = z.infer<Schemas["recordSchema"]>;

let recordSchema: z.ZodType<DeployRecord> | undefined;

/** How the record is read; its schema is built on first use. */
const FORMAT: TomlFormat<DeployRecord> = {
  what: "deployment record",
  code: "INVALID_RECORD",
  version: RECORD_VERSION,
  get schema(): z.ZodType<DeployRecord> {
    recordSchema ??= buildSchemas().recordSchema;
    return recordSchema;
  },
  arrayKey: "artifacts",
};

/**
 * Reads the record at `file`; `undefined` when the project has none. With `cache`, an unchanged
 * record is not parsed again (see parsed-cache.ts).
 * @throws SkillsyncError INVALID_RECORD / UNSUPPORTED_VERSION / UNREADABLE with file and line
 */
export function readDeployRecord(file: string, cache?: ParsedCache): DeployRecord | undefined {
  return readThroughCache(
    cache,
    file,
    FORMAT.what,
    (text) => parseTomlDoc(text, file, FORMAT),
    () => readTomlDoc(file, FORMAT),
  );
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
    .map((e) => {
      const targets = [...(e.targets ?? [])].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      return {
        name: e.name,
        type: e.type,
        source: e.source,
        version: e.version,
        sha: targets[0]?.sha ?? e.sha,
        "deployed-at": e["deployed-at"],
        "deployed-from": e["deployed-from"],
        ...(targets.length > 0
          ? {
              targets: targets.map((t) => ({
                path: t.path,
                agents: [...t.agents],
                sha: t.sha,
                ...(t.link ? { link: t.link } : {}),
              })),
            }
          : {}),
      };
    });
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

/**
 * The targets of an entry: its `[[artifacts.targets]]`, or for a version 1 entry one target at
 * `legacyPath` (where Claude Code's layout puts it; a function is called only for such an entry)
 * serving `claude-code` with the entry's `sha`.
 */
export function entryTargets(entry: RecordEntry, legacyPath: string | (() => string)): RecordTarget[] {
  return entry.targets && entry.targets.length > 0
    ? entry.targets
    : [
        {
          path: typeof legacyPath === "string" ? legacyPath : legacyPath(),
          agents: ["claude-code"],
          sha: entry.sha,
        },
      ];
}

/**
 * The record as one target sees it: the entries deployed at `pathOf(entry)`, each with that target's
 * `sha` as its base; entries not deployed there are left out.
 * @param pathOf the entry's path in the target (undefined: the target has no place for its kind)
 * @param legacyPathOf where a version 1 entry lives (Claude Code's layout)
 */
export function recordForTarget(
  record: DeployRecord | undefined,
  pathOf: (e: RecordEntry) => string | undefined,
  legacyPathOf: (e: RecordEntry) => string,
): DeployRecord | undefined {
  if (!record) return undefined;
  const artifacts: RecordEntry[] = [];
  for (const e of record.artifacts) {
    const path = pathOf(e);
    if (path === undefined) continue;
    const t = entryTargets(e, () => legacyPathOf(e)).find((x) => x.path === path);
    if (t) artifacts.push({ ...e, sha: t.sha });
  }
  return { ...record, artifacts };
}

/**
 * `entry` with its target at `target.path` set to `target` (added when new), the others kept;
 * with `target` null, that path removed. Returns undefined when no target is left.
 */
export function withTarget(
  entry: RecordEntry,
  legacyPath: string,
  path: string,
  target: RecordTarget | null,
): RecordEntry | undefined {
  const others = entryTargets(entry, legacyPath).filter((t) => t.path !== path);
  const targets = target ? [...others, target] : others;
  if (targets.length === 0) return undefined;
  targets.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ...entry, sha: targets[0]!.sha, targets };
}

/**
 * Shared reading of skillsync's versioned TOML files (lock file, deployment record): TOML syntax
 * errors with their line, a `version` check, and zod validation whose first problem is reported as
 * one line naming the table and, where it can be found, its line.
 */
import { readFileSync } from "node:fs";
import { parse as parseToml, TomlError } from "smol-toml";
import { z } from "zod";
import { type ErrorCode, SkillsyncError } from "../core/errors.js";
import { artifactNameProblem, KINDS, type Kind } from "../core/names.js";

/** How to read one versioned TOML format. */
export interface TomlFormat<T> {
  /** Name for messages, e.g. "lock file". */
  what: string;
  /** Error code for invalid content. */
  code: ErrorCode;
  /** Highest `version` this build reads. */
  version: number;
  schema: z.ZodType<T>;
  /** The array-of-tables key whose entries are numbered in messages (e.g. `artifact`). */
  arrayKey: string;
}

/** 1-based line of the `index`-th `[[key]]` header in `text`, if any. */
function arrayTableLine(text: string, key: string, index: number): number | undefined {
  let n = -1;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === `[[${key}]]` && ++n === index) return i + 1;
  }
  return undefined;
}

/**
 * Parses and validates TOML `text` read from `file`.
 * @throws SkillsyncError (format's code) for bad syntax or fields, UNSUPPORTED_VERSION for a newer version
 */
export function parseTomlDoc<T>(text: string, file: string, fmt: TomlFormat<T>): T {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError)
      throw new SkillsyncError(fmt.code, `${fmt.what} is not valid TOML: ${e.message.split("\n")[0]}`, {
        file,
        line: e.line,
      });
    throw e;
  }
  const version = (raw as { version?: unknown }).version;
  if (typeof version === "number" && version > fmt.version)
    throw new SkillsyncError(
      "UNSUPPORTED_VERSION",
      `${fmt.what} has version ${version}, newer than this skillsync reads (${fmt.version}); upgrade skillsync`,
      { file, line: lineOfKey(text, "version") },
    );
  const r = fmt.schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path;
    let line: number | undefined;
    let where = path.join(".");
    if (path[0] === fmt.arrayKey && typeof path[1] === "number") {
      line = arrayTableLine(text, fmt.arrayKey, path[1]);
      where = `[[${fmt.arrayKey}]] #${path[1] + 1}${path.length > 2 ? ` field '${path.slice(2).join(".")}'` : ""}`;
    } else if (typeof path[0] === "string") {
      line = lineOfKey(text, path[0]) ?? lineOfKey(text, `[${path[0]}]`);
    }
    const msg =
      issue.code === "invalid_type" && valueAt(raw, path) === undefined
        ? `missing required ${where}`
        : `${where}: ${issue.message}`;
    throw new SkillsyncError(
      fmt.code,
      `${fmt.what}: ${msg}; fix or restore the file`,
      line ? { file, line } : { file },
    );
  }
  return r.data;
}

/** The value at `path` inside a parsed document (zod issues do not always carry their input). */
function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function lineOfKey(text: string, key: string): number | undefined {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) if (lines[i]!.trimStart().startsWith(key)) return i + 1;
  return undefined;
}

/**
 * Reads and parses `file`; `undefined` when it does not exist.
 * @throws SkillsyncError UNREADABLE when it exists but cannot be read
 */
export function readTomlDoc<T>(file: string, fmt: TomlFormat<T>): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new SkillsyncError("UNREADABLE", `cannot read ${fmt.what}: ${(e as NodeJS.ErrnoException).code}`, {
      file,
    });
  }
  return parseTomlDoc(text, file, fmt);
}

/**
 * An ISO 8601 UTC time as both TOML documents write it (`2026-11-21T05:27:21Z`). A function, like
 * {@link artifactEntryFields}: schemas are built on first use, not when the module loads.
 */
export function isoTimeSchema() {
  return z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, "must be an ISO 8601 UTC time");
}

/**
 * The fields every artifact entry of the lock file and the deployment record has (DESIGN.md
 * "Formats"): `name`, `type`, `source`, `version` and `sha` (the tree hash).
 */
export function artifactEntryFields() {
  return {
    name: z.string().min(1),
    type: z.enum(KINDS),
    source: z.string().min(1),
    version: z.string(),
    sha: z.string().regex(/^[0-9a-f]{64}$/, "must be a 64-hex tree hash"),
  };
}

/** An artifact entry schema: {@link artifactEntryFields} plus `extra`, strict, with the name checked. */
export function artifactEntrySchema<E extends z.ZodRawShape>(extra: E) {
  return z
    .object({ ...artifactEntryFields(), ...extra })
    .strict()
    .superRefine((e, ctx) => {
      const { type, name } = e as { type: Kind; name: string };
      const problem = artifactNameProblem(type, name);
      if (problem) ctx.addIssue({ code: "custom", path: ["name"], message: problem });
    });
}

/**
 * A refinement for a document's `arrayKey` entries: two entries of one `type` whose names differ
 * only in case are refused. skillsync refuses such pairs on every file system (not only
 * case-insensitive ones), so that a collection stays deployable to macOS and Windows and a lock
 * file or record never names two artifacts that one folder there would hold as one.
 */
export function caseCollisionRefine(arrayKey: string) {
  return (doc: unknown, ctx: z.RefinementCtx): void => {
    const entries = (doc as Record<string, unknown>)[arrayKey];
    if (!Array.isArray(entries)) return;
    const seen = new Map<string, string>();
    entries.forEach((e: { type: string; name: string }, i: number) => {
      const folded = `${e.type}/${e.name.toLowerCase()}`;
      const prev = seen.get(folded);
      if (prev === undefined) seen.set(folded, e.name);
      else
        ctx.addIssue({
          code: "custom",
          path: [arrayKey, i, "name"],
          message:
            prev === e.name
              ? `${e.type}/${e.name} appears twice`
              : `names '${prev}' and '${e.name}' differ only in case (refused: they collide on case-insensitive file systems)`,
        });
    });
  };
}

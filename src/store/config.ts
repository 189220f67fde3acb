/**
 * The one validated TOML config at `$SKILLSYNC_HOME/config.toml`. Every key has a default or is unset, so a
 * missing file is a valid config. Unknown keys and bad values are refused with the allowed values.
 */
import { existsSync, promises as fsp, readFileSync } from "node:fs";
import { parse as parseToml, stringify as stringifyToml, TomlError } from "smol-toml";
import { z } from "zod";
import { SkillsyncError } from "../core/errors.js";
import { writeFileAtomic } from "./fs.js";
import { type ParsedCache, parsedCacheOf, readThroughCache } from "./parsed-cache.js";
import { openStateDb } from "./state-db.js";

/** The config format version this build reads and writes. */
export const CONFIG_VERSION = 1;

/** The daemon's default watch triggers (the schema's default and {@link defaultConfig}'s). */
const DEFAULT_TRIGGERS: readonly { pattern: string; priority: "high" }[] = [
  { pattern: "skills/**", priority: "high" },
  { pattern: "commands/*.md", priority: "high" },
  { pattern: "agents/*.md", priority: "high" },
  { pattern: "prompts/*.md", priority: "high" },
  { pattern: ".claude/skills/**", priority: "high" },
  { pattern: ".claude/commands/*.md", priority: "high" },
  { pattern: ".claude/agents/*.md", priority: "high" },
];
/** The daemon's default exclusions. */
const DEFAULT_EXCLUSIONS: readonly string[] = [
  "**/*.log",
  "**/.tmp/**",
  "**/.env",
  "**/node_modules/**",
  "**/.git/**",
];

/**
 * Builds the config schema. Not done at module load: building these zod schemas costs ~15 ms, which
 * every command would pay at start-up (issue 13) although a missing config needs none of it
 * ({@link defaultConfig}); {@link configSchema} builds them on first use.
 */
function buildConfigSchema() {
  const priority = z.enum(["high", "medium", "low"]);

  const daemonSchema = z
    .object({
      enabled: z.boolean().default(false),
      port: z.number().int().min(1).max(65535).default(7077),
      debounce_ms: z.number().int().min(0).default(500),
      min_interval: z.number().min(0).default(300),
      min_changes: z.number().int().min(1).default(5),
      rescan_interval: z.number().min(1).default(3600),
      poll_interval: z.number().min(1).default(60),
      cooldown: z.number().min(0).default(30),
      backoff_cap: z.number().min(1).default(3600),
      schedules: z.array(z.string()).default([]),
      /** File watcher: `folders` (one OS watch per folder, default) or `chokidar`. */
      watcher: z.enum(["folders", "chokidar"]).default("folders"),
      triggers: z
        .array(z.object({ pattern: z.string(), priority: priority.default("high") }).strict())
        .default(DEFAULT_TRIGGERS.map((t) => ({ ...t }))),
      exclusions: z.array(z.string()).default([...DEFAULT_EXCLUSIONS]),
    })
    .strict();

  const codexSchema = z
    .object({
      repo: z.string().optional(),
      org: z.string().default("default"),
      project: z.string().optional(),
      include: z.array(z.string()).default(["**/*.md"]),
      exclude: z.array(z.string()).default([]),
      deletion_threshold: z.number().int().min(0).default(50),
      deletion_threshold_percent: z.number().min(0).max(100).default(20),
      ttl: z.number().int().min(0).default(604800),
      sparse: z.boolean().default(true),
    })
    .strict();

  const backupSchema = z
    .object({
      repo: z.string().optional(),
      paths: z.array(z.string()).default([]),
      auto: z.boolean().default(false),
      push: z.boolean().default(false),
    })
    .strict();

  const statusSchema = z
    .object({
      fsmonitor: z.boolean().default(false),
    })
    .strict();

  const remoteSchema = z.object({ url: z.string().url() }).strict();

  const config = z
    .object({
      version: z.number().int().default(CONFIG_VERSION),
      collection: z.string().default("default"),
      profile: z.string().default("claude"),
      preserve_sections: z.array(z.string()).default(["Memory", "Error History"]),
      deletion_threshold: z.number().int().min(0).default(5),
      deletion_threshold_percent: z.number().min(0).max(100).default(20),
      snapshot_retention: z.number().int().min(1).default(50),
      lock_timeout_ms: z.number().int().min(0).default(10_000),
      git_token_env: z.string().optional(),
      projects: z.array(z.string()).default([]),
      /** Agent ids per registered project (absolute path → ids of `src/core/agents.ts` AGENTS); set by `project add DIR --agent`. */
      project_agents: z.record(z.string(), z.array(z.string())).default({}),
      remotes: z.record(z.string(), remoteSchema).default({}),
      default_remote: z.string().optional(),
      daemon: daemonSchema.default(daemonSchema.parse({})),
      codex: codexSchema.default(codexSchema.parse({})),
      backup: backupSchema.default(backupSchema.parse({})),
      status: statusSchema.default(statusSchema.parse({})),
    })
    .strict();
  return config;
}

let schema: ReturnType<typeof buildConfigSchema> | undefined;

/** The whole config's schema (built on first use); see docs/config.md for each key. */
export function configSchema(): ReturnType<typeof buildConfigSchema> {
  schema ??= buildConfigSchema();
  return schema;
}

/** The parsed config with every default filled in. */
export type Config = z.infer<ReturnType<typeof buildConfigSchema>>;

/**
 * The config with nothing set: what `configSchema().parse({})` gives, written out so that a home
 * without a config file builds no schema (`src/store/config.test.ts` checks that the two agree).
 * A new object on every call.
 */
export function defaultConfig(): Config {
  return {
    version: CONFIG_VERSION,
    collection: "default",
    profile: "claude",
    preserve_sections: ["Memory", "Error History"],
    deletion_threshold: 5,
    deletion_threshold_percent: 20,
    snapshot_retention: 50,
    lock_timeout_ms: 10_000,
    projects: [],
    project_agents: {},
    remotes: {},
    daemon: {
      enabled: false,
      port: 7077,
      debounce_ms: 500,
      min_interval: 300,
      min_changes: 5,
      rescan_interval: 3600,
      poll_interval: 60,
      cooldown: 30,
      backoff_cap: 3600,
      schedules: [],
      watcher: "folders",
      triggers: DEFAULT_TRIGGERS.map((t) => ({ ...t })),
      exclusions: [...DEFAULT_EXCLUSIONS],
    },
    codex: {
      org: "default",
      include: ["**/*.md"],
      exclude: [],
      deletion_threshold: 50,
      deletion_threshold_percent: 20,
      ttl: 604800,
      sparse: true,
    },
    backup: { paths: [], auto: false, push: false },
    status: { fsmonitor: false },
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.join(".");
  if (issue.code === "unrecognized_keys") {
    const keys = (issue as unknown as { keys: string[] }).keys;
    return `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => (key ? `${key}.${k}` : k)).join(", ")}`;
  }
  if (issue.code === "invalid_value") {
    const values = (issue as unknown as { values: unknown[] }).values;
    return `${key}: must be one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return `${key || "config"}: ${issue.message}`;
}

/**
 * Validates a plain object as a config.
 * @throws SkillsyncError INVALID_CONFIG (or UNSUPPORTED_VERSION) naming `file`
 */
export function validateConfig(raw: unknown, file: string): Config {
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version > CONFIG_VERSION)
    throw new SkillsyncError(
      "UNSUPPORTED_VERSION",
      `config version ${version} is newer than this skillsync understands (${CONFIG_VERSION}); upgrade skillsync`,
      { file },
    );
  const r = configSchema().safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new SkillsyncError("INVALID_CONFIG", first ? describeIssue(first) : "invalid config", { file });
  }
  return r.data;
}

/**
 * Parses and validates the text of a config file.
 * @throws SkillsyncError INVALID_CONFIG with the line of a TOML syntax error, or as {@link validateConfig}
 */
export function parseConfig(text: string, file: string): Config {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError)
      throw new SkillsyncError("INVALID_CONFIG", `invalid TOML: ${e.message.split("\n")[0]}`, {
        file,
        line: e.line,
      });
    throw e;
  }
  return validateConfig(raw, file);
}

/**
 * Reads and validates the config at `file`; a missing file gives the defaults.
 *
 * With `stateDb` (the home's `state.db`) and when that database already exists, the validated config
 * is kept in its parsed cache (parsed-cache.ts: trusted while the file's size, mtime, ctime and inode
 * are unchanged), so a command run with an unchanged config parses no TOML and builds no schema
 * (~30 ms of start-up: smol-toml and zod stay unloaded, see scripts/bundle-cli.mjs). The database is
 * not created for this; when it cannot be opened the file is parsed as without it.
 * @throws SkillsyncError INVALID_CONFIG with the line of a TOML syntax error; UNREADABLE
 */
export async function loadConfig(file: string, stateDb?: string): Promise<Config> {
  const cache = stateDb !== undefined && existsSync(stateDb) ? cacheOf(stateDb) : undefined;
  const parse = (text: string) => parseConfig(text, file);
  return readThroughCache(cache, file, "config", parse, () => readConfigFile(file, parse)) ?? defaultConfig();
}

/** The config parsed from `file`, undefined when it does not exist. @throws SkillsyncError UNREADABLE */
function readConfigFile(file: string, parse: (text: string) => Config): Config | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new SkillsyncError("UNREADABLE", `cannot read config: ${(e as Error).message}`, { file });
  }
  return parse(text);
}

/** The parsed cache of an existing state database, or undefined when it cannot be opened. */
function cacheOf(stateDb: string): ParsedCache | undefined {
  try {
    return parsedCacheOf(openStateDb(stateDb));
  } catch {
    return undefined; // a damaged or unreadable state.db is reported by the command that needs it
  }
}

/** Reads the raw (unvalidated, defaults not applied) TOML object, for editing. */
async function loadRaw(file: string): Promise<Record<string, unknown>> {
  try {
    return parseToml(await fsp.readFile(file, "utf8")) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw e;
  }
}

/** Strips zod wrappers (default, optional) to reach the schema that says what a key holds. */
function unwrapSchema(schema: z.ZodType): z.ZodType {
  let cur: z.ZodType = schema;
  for (;;) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional)
      cur = (cur as unknown as { unwrap(): z.ZodType }).unwrap();
    else return cur;
  }
}

/**
 * True when dotted `key` names a setting of {@link configSchema}'s result, with or without a default
 * (`codex.repo` is known although it is unset by default). `remotes.NAME.url` is known for any NAME.
 * Tables (`daemon`) are known keys too.
 */
export function isConfigKey(key: string): boolean {
  let cur: z.ZodType = configSchema();
  for (const part of key.split(".")) {
    const s = unwrapSchema(cur);
    if (s instanceof z.ZodObject) {
      const next = (s.shape as Record<string, z.ZodType>)[part];
      if (!next) return false;
      cur = next;
    } else if (s instanceof z.ZodRecord) {
      if (part.length === 0) return false;
      cur = (s as unknown as { valueType: z.ZodType }).valueType;
    } else return false;
  }
  return true;
}

/**
 * Reads the value at a dotted key (`daemon.debounce_ms`) from a config; `undefined` for a known key
 * that is unset (`codex.repo` before it is set).
 * @throws SkillsyncError USAGE for a key the config does not have
 */
export function getConfigValue(config: Config, key: string): unknown {
  if (!isConfigKey(key) && !key.startsWith("remotes."))
    throw new SkillsyncError(
      "USAGE",
      `unknown config key '${key}'; see 'skillsync config show' and docs/config.md`,
    );
  let cur: unknown = config;
  for (const part of key.split(".")) {
    if (cur === null || typeof cur !== "object" || !(part in (cur as object))) {
      if (isConfigKey(key)) return undefined;
      throw new SkillsyncError(
        "USAGE",
        `unknown config key '${key}'; see 'skillsync config show' and docs/config.md`,
      );
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Parses a `set` value the way TOML would (numbers, booleans, arrays, quoted strings), else a plain string. */
export function parseConfigValue(text: string): unknown {
  try {
    return (parseToml(`v = ${text}`) as { v: unknown }).v;
  } catch {
    return text;
  }
}

/**
 * Sets dotted `key` to `value`, validates the whole result and writes it atomically. Only keys the
 * user set are written (defaults stay implicit).
 * @throws SkillsyncError INVALID_CONFIG when the result does not validate; the file is unchanged
 */
export async function setConfigValue(file: string, key: string, value: unknown): Promise<Config> {
  const raw = await loadRaw(file);
  const parts = key.split(".");
  let cur: Record<string, unknown> = raw;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (next === undefined) cur[part] = {};
    else if (typeof next !== "object" || next === null || Array.isArray(next))
      throw new SkillsyncError("USAGE", `config key '${part}' is not a table`);
    cur = cur[part] as Record<string, unknown>;
  }
  const leaf = parts[parts.length - 1]!;
  if (value === undefined) delete cur[leaf];
  else cur[leaf] = value;
  const config = validateConfig(raw, file);
  if (raw.version === undefined) raw.version = CONFIG_VERSION;
  await writeFileAtomic(file, stringifyToml(raw) + "\n");
  return config;
}

/** Applies `edit` to the raw config object, validates and writes it atomically. */
export async function updateConfig(
  file: string,
  edit: (raw: Record<string, unknown>) => void,
): Promise<Config> {
  const raw = await loadRaw(file);
  edit(raw);
  const config = validateConfig(raw, file);
  if (raw.version === undefined) raw.version = CONFIG_VERSION;
  await writeFileAtomic(file, stringifyToml(raw) + "\n");
  return config;
}

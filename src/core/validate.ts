/**
 * Validation of artifacts against the Agent Skills specification (https://agentskills.io/specification)
 * and the looser rules for commands, agents and prompts. Pure: callers hand in file contents.
 */
import { parseFrontmatter } from "./frontmatter.js";
import { type Kind, skillNameProblem } from "./names.js";

/** One finding: an `error` makes the artifact invalid; a `warning` does only in strict mode. */
export interface Problem {
  severity: "error" | "warning";
  message: string;
  /** Path of the file, as the caller named it. */
  file: string;
  /** 1-based line, when known. */
  line?: number;
}

/** Fields the Agent Skills spec defines for `SKILL.md` frontmatter. */
export const SPEC_FIELDS = [
  "name",
  "description",
  "license",
  "compatibility",
  "metadata",
  "allowed-tools",
] as const;

/** Claude Code's own frontmatter fields: accepted with a warning, refused by `--strict`. */
export const CLAUDE_FIELDS = [
  "model",
  "argument-hint",
  "disable-model-invocation",
  "user-invocable",
  "context",
  "agent",
  "hooks",
  "version",
  "when_to_use",
] as const;

/** Limits from the spec, in characters. */
export const LIMITS = { name: 64, description: 1024, compatibility: 500 } as const;

/** Options for {@link validateSkillMd}. */
export interface ValidateOptions {
  /** Folder name the skill lives in; `name` must equal it. */
  folderName: string;
  /** Path used in messages (e.g. `skills/foo/SKILL.md`). */
  file: string;
  /** Strict mode turns warnings about non-spec fields and limits into errors. */
  strict?: boolean;
}

/** What validation learned about a skill besides its problems. */
export interface SkillInfo {
  name: string | undefined;
  description: string | undefined;
  /** `metadata.version`, else top-level `version`, else `0.0.0`. */
  version: string;
  frontmatter: Record<string, unknown>;
  problems: Problem[];
}

/**
 * Validates the text of a `SKILL.md`. Every problem is reported (not just the first), each with its
 * line. In lenient mode (default) non-spec fields and an over-long description are warnings, since
 * real skills in the wild carry them; strict mode makes them errors.
 */
export function validateSkillMd(text: string, opts: ValidateOptions): SkillInfo {
  const { file } = opts;
  const problems: Problem[] = [];
  const soft = opts.strict ? "error" : "warning";
  const fm = parseFrontmatter(text);
  const info: SkillInfo = {
    name: undefined,
    description: undefined,
    version: "0.0.0",
    frontmatter: {},
    problems,
  };
  if (!fm.present) {
    problems.push({
      severity: "error",
      file,
      line: 1,
      message:
        fm.errors[0]?.message ??
        "SKILL.md must start with YAML frontmatter ('---' line, name and description, '---')",
    });
    return info;
  }
  for (const e of fm.errors)
    problems.push({ severity: "error", file, line: e.line, message: `invalid YAML: ${e.message}` });
  if (fm.errors.length > 0) return info;
  const d = fm.data;
  info.frontmatter = d;
  const lineOf = (k: string) => fm.keyLines.get(k);
  const at = (k: string): { file: string; line?: number } => {
    const line = lineOf(k);
    return line === undefined ? { file } : { file, line };
  };

  // name
  if (d.name === undefined || d.name === null) {
    problems.push({ severity: "error", file, line: 1, message: "frontmatter lacks required field 'name'" });
  } else if (typeof d.name !== "string") {
    problems.push({ severity: "error", ...at("name"), message: "'name' must be a string" });
  } else {
    info.name = d.name;
    const p = skillNameProblem(d.name);
    if (p) problems.push({ severity: "error", ...at("name"), message: p });
    else if (d.name !== opts.folderName)
      problems.push({
        severity: "error",
        ...at("name"),
        message: `name '${d.name}' must equal the folder name '${opts.folderName}'`,
      });
  }
  // description
  if (d.description === undefined || d.description === null) {
    problems.push({
      severity: "error",
      file,
      line: 1,
      message: "frontmatter lacks required field 'description'",
    });
  } else if (typeof d.description !== "string") {
    problems.push({ severity: "error", ...at("description"), message: "'description' must be a string" });
  } else {
    info.description = d.description;
    if (d.description.trim().length === 0)
      problems.push({ severity: "error", ...at("description"), message: "'description' is empty" });
    else if (d.description.length > LIMITS.description)
      problems.push({
        severity: soft,
        ...at("description"),
        message: `'description' is ${d.description.length} characters; the spec's limit is ${LIMITS.description}`,
      });
  }
  if (d.license !== undefined && typeof d.license !== "string")
    problems.push({ severity: "error", ...at("license"), message: "'license' must be a string" });
  if (d.compatibility !== undefined) {
    if (typeof d.compatibility !== "string")
      problems.push({
        severity: "error",
        ...at("compatibility"),
        message: "'compatibility' must be a string",
      });
    else if (d.compatibility.length > LIMITS.compatibility)
      problems.push({
        severity: "error",
        ...at("compatibility"),
        message: `'compatibility' is ${d.compatibility.length} characters; the limit is ${LIMITS.compatibility}`,
      });
  }
  if (d.metadata !== undefined) {
    const m = d.metadata;
    if (typeof m !== "object" || m === null || Array.isArray(m))
      problems.push({ severity: "error", ...at("metadata"), message: "'metadata' must be a map of strings" });
    else
      for (const [k, v] of Object.entries(m))
        if (typeof v !== "string")
          problems.push({
            severity: "error",
            ...at("metadata"),
            message: `'metadata.${k}' must be a string (quote it: '${String(v)}')`,
          });
  }
  const tools = d["allowed-tools"];
  if (
    tools !== undefined &&
    typeof tools !== "string" &&
    !(Array.isArray(tools) && tools.every((t) => typeof t === "string"))
  )
    problems.push({
      severity: "error",
      ...at("allowed-tools"),
      message: "'allowed-tools' must be a string or a list of strings",
    });

  for (const key of Object.keys(d)) {
    if ((SPEC_FIELDS as readonly string[]).includes(key)) continue;
    const claude = (CLAUDE_FIELDS as readonly string[]).includes(key);
    problems.push({
      severity: soft,
      ...at(key),
      message: claude
        ? `'${key}' is a Claude Code field, not in the Agent Skills spec`
        : `'${key}' is not a field of the Agent Skills spec`,
    });
  }
  info.version = versionOf(d);
  return info;
}

/** The version recorded for an artifact: `metadata.version`, else `version`, else `0.0.0`. */
export function versionOf(frontmatter: Record<string, unknown>): string {
  const meta = frontmatter.metadata;
  if (meta && typeof meta === "object" && !Array.isArray(meta)) {
    const v = (meta as Record<string, unknown>).version;
    if (typeof v === "string" || typeof v === "number") return String(v);
  }
  const v = frontmatter.version;
  if (typeof v === "string" || typeof v === "number") return String(v);
  return "0.0.0";
}

/**
 * Validates a single-file artifact (command, agent, prompt): optional frontmatter that, when present,
 * must be a valid YAML mapping. Returns its version and problems.
 */
export function validateMarkdownArtifact(
  text: string,
  opts: { kind: Exclude<Kind, "skill">; file: string },
): { version: string; description: string | undefined; problems: Problem[] } {
  const fm = parseFrontmatter(text);
  const problems: Problem[] = fm.errors.map((e) => ({
    severity: "error" as const,
    file: opts.file,
    line: e.line,
    message: `invalid YAML frontmatter: ${e.message}`,
  }));
  const description = typeof fm.data.description === "string" ? fm.data.description : undefined;
  return { version: versionOf(fm.data), description, problems };
}

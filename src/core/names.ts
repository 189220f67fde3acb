/**
 * Names and relative paths: the rules that keep every artifact inside its folder.
 * Skill names follow the Agent Skills specification (https://agentskills.io/specification):
 * 1–64 characters of `a-z`, `0-9` and `-`, no leading, trailing or doubled hyphen.
 */
import { SkillsyncError } from "./errors.js";

/** The four artifact kinds (DESIGN.md "artifact"). */
export const KINDS = ["skill", "command", "agent", "prompt"] as const;
/** One artifact kind. */
export type Kind = (typeof KINDS)[number];

/** True when `s` is one of {@link KINDS}. */
export function isKind(s: string): s is Kind {
  return (KINDS as readonly string[]).includes(s);
}

const SKILL_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Why `name` is not a valid skill name per the Agent Skills spec, or `undefined` when it is. */
export function skillNameProblem(name: string): string | undefined {
  if (name.length === 0) return "name is empty";
  if (name.length > 64) return `name '${name}' is ${name.length} characters; the limit is 64`;
  if (!/^[a-z0-9-]+$/.test(name))
    return `name '${name}' may contain only lowercase letters a-z, digits and '-'`;
  if (name.startsWith("-") || name.endsWith("-")) return `name '${name}' must not start or end with '-'`;
  if (name.includes("--")) return `name '${name}' must not contain '--'`;
  return SKILL_NAME.test(name) ? undefined : `name '${name}' is not a valid skill name`;
}

/**
 * Why `name` is not a valid name for an artifact of `kind`, or `undefined`.
 * Skills use the spec's rule; commands, agents and prompts are file stems of 1–128 characters of
 * `A-Za-z0-9_.-` that do not start with `.` and contain no `..`.
 */
export function artifactNameProblem(kind: Kind, name: string): string | undefined {
  const escaping = escapeProblem(name);
  if (escaping) return escaping;
  if (kind === "skill") return skillNameProblem(name);
  if (name.length === 0 || name.length > 128) return `name '${name}' must be 1-128 characters`;
  if (!FILE_NAME.test(name) || name.includes(".."))
    return `name '${name}' may contain only letters, digits, '_', '.', '-' and must not start with '.'`;
  return undefined;
}

/**
 * Throws `INVALID_NAME` unless `name` is valid for `kind` ({@link artifactNameProblem}).
 * @throws SkillsyncError INVALID_NAME
 */
export function assertArtifactName(kind: Kind, name: string, where?: string): void {
  const problem = artifactNameProblem(kind, name);
  if (problem) throw new SkillsyncError("INVALID_NAME", `${problem} (${kind})`, where ? { file: where } : {});
}

function escapeProblem(s: string): string | undefined {
  if (s.includes("\0")) return "name contains a NUL byte";
  if (s.includes("/") || s.includes("\\")) return `name '${s}' must not contain '/' or '\\'`;
  if (s === "." || s === "..") return `name '${s}' is not allowed`;
  return undefined;
}

/**
 * Why `p` is not a safe relative path inside an artifact, or `undefined`. Safe means: relative,
 * `/`-separated, no empty, `.` or `..` segment, no backslash, no NUL, not absolute (POSIX or Windows).
 */
export function relativePathProblem(p: string): string | undefined {
  if (p.length === 0) return "path is empty";
  if (p.includes("\0")) return `path '${p.replace(/\0/g, "\\0")}' contains a NUL byte`;
  if (p.includes("\\")) return `path '${p}' contains '\\'; use '/'`;
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) return `path '${p}' is absolute`;
  for (const seg of p.split("/")) {
    if (seg === "") return `path '${p}' has an empty segment`;
    if (seg === "." || seg === "..") return `path '${p}' escapes its folder ('${seg}')`;
  }
  return undefined;
}

/**
 * Throws `UNSAFE_PATH` unless `p` passes {@link relativePathProblem}.
 * @throws SkillsyncError UNSAFE_PATH
 */
export function assertRelativePath(p: string, where?: string): void {
  const problem = relativePathProblem(p);
  if (problem) throw new SkillsyncError("UNSAFE_PATH", problem, where ? { file: where } : {});
}

/** `kind/name`, the address of an artifact. */
export function artifactId(kind: Kind, name: string): string {
  return `${kind}/${name}`;
}

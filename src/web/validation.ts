/**
 * Live validation in the browser with the same rules the CLI and daemon use: this imports the pure
 * modules of `src/core/` (Agent Skills name and description rules, https://agentskills.io/specification)
 * into the bundle instead of copying them.
 */
import { stringify } from "yaml";
import { parseFrontmatter } from "../core/frontmatter.js";
import { artifactNameProblem, type Kind } from "../core/names.js";
import { LIMITS, type Problem, validateMarkdownArtifact, validateSkillMd } from "../core/validate.js";

export type { Problem };
export { LIMITS };

/** Problems of the main file `text` of artifact `kind/name` as it would be saved. */
export function validateMain(ref: { kind: Kind; name: string }, text: string): Problem[] {
  const { kind, name } = ref;
  const nameProblem = artifactNameProblem(kind, name);
  const file = kind === "skill" ? `skills/${name}/SKILL.md` : `${kind}s/${name}.md`;
  const problems: Problem[] = nameProblem ? [{ severity: "error", file, line: 1, message: nameProblem }] : [];
  if (kind === "skill") {
    const own = validateSkillMd(text, { folderName: name, file }).problems;
    // the name rule is reported once, from artifactNameProblem
    return [...problems, ...own.filter((p) => !(nameProblem && p.message === nameProblem))];
  }
  return [...problems, ...validateMarkdownArtifact(text, { kind, file }).problems];
}

/**
 * The main file of a new artifact: YAML frontmatter (`name` for skills, `description`) then `body`.
 * The YAML is written by the `yaml` library, so any description is quoted correctly.
 */
export function newArtifactText(a: { kind: Kind; name: string; description: string; body: string }): string {
  const { kind, name, description, body } = a;
  const fm: Record<string, string> = kind === "skill" ? { name, description } : { description };
  const trimmed = body.replace(/^\n+/, "");
  return `---\n${stringify(fm, { lineWidth: 0 })}---\n\n${trimmed}${trimmed.endsWith("\n") ? "" : "\n"}`;
}

/** The body template offered for a new artifact of `kind`. */
export function bodyTemplate(kind: Kind, name: string): string {
  const title = name || "new-artifact";
  if (kind === "skill")
    return `# ${title}\n\n## When to use\n\nDescribe the situations where this skill applies.\n\n## Steps\n\n1. First step.\n2. Second step.\n`;
  if (kind === "command") return `Describe what /${title} does. Use $ARGUMENTS for the arguments.\n`;
  if (kind === "agent") return `You are ${title}. Describe the agent's role, tools and limits.\n`;
  return `Write the prompt for ${title} here.\n`;
}

/** Frontmatter fields and body of a markdown text, for display. */
export function splitMarkdown(text: string): { fields: [string, unknown][]; body: string } {
  const fm = parseFrontmatter(text);
  return { fields: Object.entries(fm.data), body: fm.present ? fm.body : text };
}

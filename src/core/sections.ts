/**
 * Preserved sections (DESIGN.md "preserved section", issue 3 "Preserved sections", from the
 * volume-sync seed): markdown `##` sections that belong to the target, e.g. `## Memory` an agent
 * writes into its copy of `SKILL.md`. When an update is written into the target, the target's text of
 * each such section is kept.
 *
 * Markdown rules used (CommonMark 0.31, https://spec.commonmark.org/0.31.2/): an ATX heading is up to
 * 3 spaces, 1–6 `#`, then a space/tab or the end of the line; an optional closing run of `#` is not
 * part of its text. Fenced code blocks (``` or ~~~, at least 3, closed by a fence of the same
 * character at least as long) hide headings. A leading YAML front matter block (`---` … `---`) is
 * skipped. Pure: no I/O.
 */
import { splitLines } from "./diff.js";

/** A heading-delimited section: lines `[start, end)` (0-based, the heading line included). */
export interface MarkdownSection {
  /** Heading text, trimmed, without the closing `#` run. */
  name: string;
  /** Heading level 1–6. */
  level: number;
  start: number;
  end: number;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;

function stripEol(line: string): string {
  if (line.endsWith("\r\n")) return line.slice(0, -2);
  if (line.endsWith("\n")) return line.slice(0, -1);
  return line;
}

/** Index of the first line after a leading YAML front matter block (0 when there is none). */
function bodyStart(lines: readonly string[]): number {
  const first = lines[0];
  if (first === undefined || stripEol(first).replace(/^\uFEFF/, "") !== "---") return 0;
  for (let i = 1; i < lines.length; i++) {
    const l = stripEol(lines[i] as string);
    if (l === "---" || l === "...") return i + 1;
  }
  return 0;
}

/**
 * Every ATX heading outside code fences and front matter, each with the extent of its section: up to
 * the next heading of the same or a higher level (fewer `#`), or the end of the text.
 */
export function listSections(text: string): MarkdownSection[] {
  const lines = splitLines(text);
  const heads: { name: string; level: number; line: number }[] = [];
  let fence: { ch: string; len: number } | undefined;
  for (let i = bodyStart(lines); i < lines.length; i++) {
    const l = stripEol(lines[i] as string);
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(l);
      if (close?.[1] && close[1][0] === fence.ch && close[1].length >= fence.len) fence = undefined;
      continue;
    }
    const open = FENCE_OPEN.exec(l);
    if (open?.[1] && !(open[1][0] === "`" && (open[2] ?? "").includes("`"))) {
      fence = { ch: open[1][0] as string, len: open[1].length };
      continue;
    }
    const h = HEADING.exec(l);
    if (h?.[1]) {
      const name = (h[2] ?? "").replace(/(^|[ \t]+)#+$/, "").trim();
      heads.push({ name, level: h[1].length, line: i });
    }
  }
  return heads.map((h, k) => {
    let end = lines.length;
    for (let j = k + 1; j < heads.length; j++) {
      const next = heads[j] as (typeof heads)[number];
      if (next.level <= h.level) {
        end = next.line;
        break;
      }
    }
    return { name: h.name, level: h.level, start: h.line, end };
  });
}

/** The first `## name` section (level 2, exact case-sensitive name), or undefined. */
export function findSection(text: string, name: string): MarkdownSection | undefined {
  return listSections(text).find((s) => s.level === 2 && s.name === name);
}

/** Input of {@link preserveSections}. */
export interface PreserveSectionsInput {
  /** The new content about to be written. */
  incoming: string;
  /** The content currently in the target. */
  target: string;
  /** Names of `##` sections the target owns (config `preserve_sections`, default `["Memory", "Error History"]`). */
  sections: readonly string[];
}

/**
 * The incoming text with the target's preserved sections kept: for each named `##` section present
 * in `target`, the target's section text (heading included) replaces the incoming one, or is
 * appended at the end (after a blank line) when `incoming` lacks it. Sections absent from the target
 * are left as the incoming text has them. Line endings of both texts are kept; a newline added to
 * join texts uses the incoming text's style (CRLF when its first line ends in CRLF).
 * @example preserveSections({ incoming: "# S\n## Memory\nnew\n", target: "# S\n## Memory\nmine\n", sections: ["Memory"] })
 *   // → "# S\n## Memory\nmine\n"
 */
export function preserveSections(input: PreserveSectionsInput): string {
  const targetLines = splitLines(input.target);
  let lines = splitLines(input.incoming);
  const firstLine = lines[0] ?? targetLines[0] ?? "";
  const eol = firstLine.endsWith("\r\n") ? "\r\n" : "\n";
  const terminate = (l: string): string => (l.endsWith("\n") ? l : l + eol);
  for (const name of new Set(input.sections)) {
    const own = findSection(input.target, name);
    if (!own) continue;
    const kept = targetLines.slice(own.start, own.end);
    const current = findSection(lines.join(""), name);
    if (current) {
      if (current.end < lines.length && kept.length > 0) {
        kept[kept.length - 1] = terminate(kept[kept.length - 1] as string);
      }
      lines = [...lines.slice(0, current.start), ...kept, ...lines.slice(current.end)];
    } else {
      if (lines.length > 0) {
        lines[lines.length - 1] = terminate(lines[lines.length - 1] as string);
        if ((lines[lines.length - 1] as string).trim() !== "") lines.push(eol);
      }
      lines.push(...kept);
    }
  }
  return lines.join("");
}

/**
 * YAML frontmatter of markdown artifacts: split off, parsed for real (block scalars included) with
 * line numbers kept for error messages.
 */
import { isMap, isScalar, LineCounter, parseDocument } from "yaml";

/** A markdown file split into its frontmatter and body. */
export interface Frontmatter {
  /** Parsed mapping (empty when there is no frontmatter or it is not a mapping). */
  data: Record<string, unknown>;
  /** Raw YAML text between the `---` fences. */
  raw: string;
  /** 1-based line of each top-level key in the whole file. */
  keyLines: Map<string, number>;
  /** YAML errors with their 1-based line in the whole file. */
  errors: { message: string; line: number }[];
  /** True when the file starts with a `---` fence that is closed. */
  present: boolean;
  /** Text after the closing fence. */
  body: string;
}

const BOM = "\uFEFF";

/**
 * Splits and parses `text`. Accepts a BOM and CRLF line endings. A file whose first line is not
 * `---`, or whose fence is never closed, has `present: false`.
 */
export function parseFrontmatter(text: string): Frontmatter {
  const src = text.startsWith(BOM) ? text.slice(1) : text;
  const empty: Frontmatter = {
    data: {},
    raw: "",
    keyLines: new Map(),
    errors: [],
    present: false,
    body: src,
  };
  const open = /^---[ \t]*\r?\n/.exec(src);
  if (!open) return empty;
  const rest = src.slice(open[0].length);
  const close = /^---[ \t]*(?:\r?\n|$)/m.exec(rest);
  if (!close)
    return { ...empty, errors: [{ message: "frontmatter is not closed by a '---' line", line: 1 }] };
  const raw = rest.slice(0, close.index);
  const body = rest.slice(close.index + close[0].length);
  const lineCounter = new LineCounter();
  const doc = parseDocument(raw, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const errors = doc.errors.map((e) => ({
    message: e.message.split("\n")[0] ?? e.message,
    // +1: the opening '---' fence is line 1 of the file.
    line: Math.min(lineCounter.linePos(e.pos[0]).line, Math.max(1, raw.split("\n").length)) + 1,
  }));
  const keyLines = new Map<string, number>();
  let data: Record<string, unknown> = {};
  if (errors.length === 0) {
    const contents = doc.contents;
    if (contents !== null && !isMap(contents)) {
      errors.push({ message: "frontmatter must be a YAML mapping of keys to values", line: 2 });
    } else if (contents) {
      for (const pair of contents.items) {
        if (isScalar(pair.key) && pair.key.range) {
          keyLines.set(String(pair.key.value), lineCounter.linePos(pair.key.range[0]).line + 1);
        }
      }
      data = (doc.toJS() ?? {}) as Record<string, unknown>;
    }
  }
  return { data, raw, keyLines, errors, present: true, body };
}

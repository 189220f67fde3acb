/**
 * A small, safe markdown reader for showing artifacts: it turns text into a tree of plain data
 * (blocks and inlines) that `components/markdown-view.tsx` renders as Preact elements. Nothing here
 * produces HTML; raw HTML in a skill (`<script>`, `<img onerror>`) stays literal text, and a link
 * keeps its target only when it is `http:`, `https:`, `mailto:`, a `#fragment` or a relative path.
 * Covers what skills use: ATX headings, paragraphs, fenced and indented code, lists (nested by
 * indentation), block quotes, rules, pipe tables, and inline code, emphasis, strong and links.
 */

/** An inline piece of text. */
export type Inline =
  | { t: "text"; v: string }
  | { t: "code"; v: string }
  | { t: "em"; c: Inline[] }
  | { t: "strong"; c: Inline[] }
  | { t: "link"; href: string | null; c: Inline[] }
  | { t: "br" };

/** A block of a document. */
export type Block =
  | { t: "h"; level: 1 | 2 | 3 | 4 | 5 | 6; c: Inline[] }
  | { t: "p"; c: Inline[] }
  | { t: "code"; lang: string; v: string }
  | { t: "list"; ordered: boolean; start: number; items: Block[][] }
  | { t: "quote"; c: Block[] }
  | { t: "hr" }
  | { t: "table"; head: Inline[][]; rows: Inline[][][] };

/**
 * The link target kept for `href`, or null when it is not safe to follow (e.g. `javascript:`,
 * `data:`, `vbscript:`). Control characters and whitespace are stripped before the scheme check,
 * as browsers do.
 */
export function safeHref(href: string): string | null {
  const clean = href.replace(/[\u0000-\u0020\u007f]/g, "");
  if (clean.length === 0) return null;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(clean);
  if (!scheme) return clean.startsWith("//") ? null : clean;
  const s = scheme[1]!.toLowerCase();
  return s === "http" || s === "https" || s === "mailto" ? clean : null;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)?.*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR = /^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const BULLET = /^( {0,12})([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const TABLE_SEP = /^ {0,3}\|?\s*:?-{1,}:?\s*(?:\|\s*:?-{1,}:?\s*)*\|?\s*$/;

/** Parses a markdown document (frontmatter already removed) into blocks. */
export function parseMarkdown(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  return parseBlocks(lines);
}

function isBlank(s: string): boolean {
  return s.trim().length === 0;
}

function parseBlocks(lines: string[]): Block[] {
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(marker)) body.push(lines[i++]!);
      i++; // closing fence (or end of text)
      out.push({ t: "code", lang: fence[2] ?? "", v: body.join("\n") });
      continue;
    }
    const h = HEADING.exec(line);
    if (h) {
      out.push({ t: "h", level: h[1]!.length as 1 | 2 | 3 | 4 | 5 | 6, c: parseInline(h[2] ?? "") });
      i++;
      continue;
    }
    if (HR.test(line)) {
      out.push({ t: "hr" });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && !isBlank(lines[i]!)) {
        const q = QUOTE.exec(lines[i]!);
        inner.push(q ? q[1]! : lines[i]!);
        i++;
      }
      out.push({ t: "quote", c: parseBlocks(inner) });
      continue;
    }
    if (/^( {4}|\t)/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]!) || isBlank(lines[i]!))) {
        body.push(lines[i]!.replace(/^( {4}|\t)/, ""));
        i++;
      }
      while (body.length > 0 && isBlank(body[body.length - 1]!)) body.pop();
      out.push({ t: "code", lang: "", v: body.join("\n") });
      continue;
    }
    const b = BULLET.exec(line);
    if (b) {
      i = parseList(lines, { start: i, out });
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]!)) {
      const head = splitRow(line);
      const rows: Inline[][][] = [];
      i += 2;
      while (i < lines.length && lines[i]!.includes("|") && !isBlank(lines[i]!)) {
        rows.push(splitRow(lines[i]!));
        i++;
      }
      out.push({ t: "table", head, rows });
      continue;
    }
    const para: string[] = [];
    while (i < lines.length) {
      const l = lines[i]!;
      if (isBlank(l) || FENCE.test(l) || HEADING.test(l) || HR.test(l) || QUOTE.test(l)) break;
      if (para.length > 0 && BULLET.test(l)) break;
      para.push(l);
      i++;
    }
    out.push({ t: "p", c: parseInline(para.join("\n")) });
  }
  return out;
}

function splitRow(line: string): Inline[][] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  return s.split(/(?<!\\)\|/).map((cell) => parseInline(cell.trim().replace(/\\\|/g, "|")));
}

/** Parses a list starting at `start`; appends it to `out`; returns the next line index. */
function parseList(lines: string[], at: { start: number; out: Block[] }): number {
  const { start, out } = at;
  const first = BULLET.exec(lines[start]!)!;
  const indent = first[1]!.length;
  const ordered = /\d/.test(first[2]!);
  const items: string[][] = [];
  let i = start;
  while (i < lines.length) {
    const l = lines[i]!;
    const m = BULLET.exec(l);
    if (m && m[1]!.length === indent && /\d/.test(m[2]!) === ordered) {
      items.push([m[3] ?? ""]);
      i++;
      continue;
    }
    if (m && m[1]!.length < indent) break;
    if (m && m[1]!.length === indent) break; // a list of the other type starts here
    if (isBlank(l)) {
      const next = lines[i + 1];
      if (next === undefined) break;
      const nm = BULLET.exec(next);
      const sameList = nm && (nm[1]!.length > indent || /\d/.test(nm[2]!) === ordered);
      const continues = sameList || (!nm && /^\s{2,}\S/.test(next));
      if (!continues) break;
      items[items.length - 1]!.push("");
      i++;
      continue;
    }
    if (!m && !/^\s/.test(l)) {
      // lazy continuation of the last item's paragraph
      if (items.length > 0) items[items.length - 1]!.push(l);
      i++;
      continue;
    }
    const strip = Math.min(indent + 2, l.length - l.trimStart().length);
    items[items.length - 1]!.push(l.slice(strip));
    i++;
  }
  out.push({
    t: "list",
    ordered,
    start: ordered ? Number.parseInt(first[2]!, 10) : 1,
    items: items.map((item) => parseBlocks(item)),
  });
  return i;
}

/** Parses inline markdown: `code`, **strong**, *em* / _em_, [links](url), hard breaks. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let buf = "";
  const flush = () => {
    if (buf.length > 0) out.push({ t: "text", v: buf });
    buf = "";
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "\\" && i + 1 < text.length && /[!-/:-@[-`{-~]/.test(text[i + 1]!)) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === "`") {
      let run = 1;
      while (text[i + run] === "`") run++;
      const fence = "`".repeat(run);
      const end = text.indexOf(fence, i + run);
      if (end > 0) {
        flush();
        out.push({
          t: "code",
          v:
            text
              .slice(i + run, end)
              .replace(/\n/g, " ")
              .trim() || " ",
        });
        i = end + run;
        continue;
      }
      buf += fence;
      i += run;
      continue;
    }
    if ((ch === "*" || ch === "_") && text[i + 1] === ch) {
      const end = text.indexOf(ch + ch, i + 2);
      if (end > i + 2) {
        flush();
        out.push({ t: "strong", c: parseInline(text.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    }
    if (ch === "*" || (ch === "_" && (i === 0 || !/\w/.test(text[i - 1]!)))) {
      const end = findEmEnd(text, { from: i + 1, ch });
      if (end > i + 1) {
        flush();
        out.push({ t: "em", c: parseInline(text.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    if (ch === "[") {
      const close = findBracket(text, i);
      if (close > 0 && text[close + 1] === "(") {
        const paren = text.indexOf(")", close + 2);
        if (paren > 0) {
          const target = text.slice(close + 2, paren).trim();
          const url = target.replace(/\s+("[^"]*"|'[^']*')$/, "").replace(/^<(.*)>$/, "$1");
          flush();
          out.push({ t: "link", href: safeHref(url), c: parseInline(text.slice(i + 1, close)) });
          i = paren + 1;
          continue;
        }
      }
    }
    if (ch === "\n") {
      if (buf.endsWith("  ") || buf.endsWith("\\")) {
        buf = buf.replace(/( {2,}|\\)$/, "");
        flush();
        out.push({ t: "br" });
      } else buf += " ";
      i++;
      continue;
    }
    buf += ch;
    i++;
  }
  flush();
  return out;
}

function findEmEnd(text: string, at: { from: number; ch: string }): number {
  const { from, ch } = at;
  if (text[from] === " " || text[from] === undefined) return -1;
  for (let j = from + 1; j < text.length; j++) {
    if (text[j] === ch && text[j - 1] !== " " && text[j + 1] !== ch) {
      if (ch === "_" && j + 1 < text.length && /\w/.test(text[j + 1]!)) continue;
      return j;
    }
  }
  return -1;
}

function findBracket(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    if (text[j] === "\\") {
      j++;
      continue;
    }
    if (text[j] === "[") depth++;
    else if (text[j] === "]" && --depth === 0) return j;
  }
  return -1;
}

/** Plain text of inlines (for titles and accessible labels). */
export function inlineText(c: Inline[]): string {
  return c
    .map((n) => {
      switch (n.t) {
        case "text":
        case "code":
          return n.v;
        case "br":
          return " ";
        default:
          return inlineText(n.c);
      }
    })
    .join("");
}

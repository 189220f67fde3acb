/**
 * The collection's skills as the MCP server shows them: `skill://<name>` for `SKILL.md`,
 * `skill://<name>/<path>` for every other file, with descriptions from the frontmatter and MIME
 * types from file extensions. Reads go through {@link readSkillFile}, which refuses any path that
 * leaves the skill folder (`..`, absolute paths, symlinks pointing outside).
 */
import { promises as fsp } from "node:fs";
import { extname, join, sep } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { COLLECTION_LAYOUT } from "../core/layout.js";
import { relativePathProblem, skillNameProblem } from "../core/names.js";
import { discoverArtifacts } from "../store/collection.js";
import { validateLocated } from "../sync/artifact-info.js";

/** One skill of the collection. */
export interface SkillSummary {
  name: string;
  description: string | null;
  version: string;
  /** False when validation found errors. */
  valid: boolean;
  uri: string;
  /** Absolute path of the skill folder. */
  path: string;
}

/** The skills of the collection at `collectionDir`, sorted by name (empty when it does not exist). */
export function listSkills(collectionDir: string): SkillSummary[] {
  return discoverArtifacts(collectionDir, COLLECTION_LAYOUT)
    .filter((l) => l.kind === "skill")
    .map((l) => {
      const v = validateLocated(l);
      return {
        name: l.name,
        description: v.description ?? null,
        version: v.version,
        valid: !v.problems.some((p) => p.severity === "error"),
        uri: `skill://${l.name}`,
        path: l.path,
      };
    });
}

/**
 * Skills whose name or description contains every word of `query` (case-insensitive), best first:
 * exact name, then name matches, then description-only matches.
 */
export function searchSkills(skills: readonly SkillSummary[], query: string, limit = 20): SkillSummary[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const scored: { s: SkillSummary; score: number }[] = [];
  for (const s of skills) {
    const name = s.name.toLowerCase();
    const hay = `${name} ${(s.description ?? "").toLowerCase()}`;
    if (!words.every((w) => hay.includes(w))) continue;
    const q = words.join(" ");
    const score = name === q || name === words.join("-") ? 3 : words.some((w) => name.includes(w)) ? 2 : 1;
    scored.push({ s, score });
  }
  return scored
    .sort((a, b) => b.score - a.score || (a.s.name < b.s.name ? -1 : 1))
    .slice(0, limit)
    .map((x) => x.s);
}

const MIME: Record<string, string> = {
  ".md": "text/markdown",
  ".markdown": "text/markdown",
  ".txt": "text/plain",
  ".json": "application/json",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".toml": "application/toml",
  ".py": "text/x-python",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".cjs": "text/javascript",
  ".ts": "text/x-typescript",
  ".tsx": "text/x-typescript",
  ".sh": "text/x-shellscript",
  ".html": "text/html",
  ".htm": "text/html",
  ".css": "text/css",
  ".xml": "application/xml",
  ".csv": "text/csv",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
};

/** The MIME type for a file name by extension (`application/octet-stream` when unknown). */
export function mimeTypeFor(fileName: string): string {
  return MIME[extname(fileName).toLowerCase()] ?? "application/octet-stream";
}

/** True when `bytes` should be sent as text: a text-ish MIME type, or valid UTF-8 without NUL. */
export function isTextual(mime: string, bytes: Uint8Array): boolean {
  if (/^text\/|\/(json|yaml|toml|xml)$|\+xml$/.test(mime)) return true;
  if (mime !== "application/octet-stream") return false;
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The files of a skill folder other than `SKILL.md` (relative `/` paths, sorted). */
export async function skillFiles(skillDir: string): Promise<string[]> {
  const out: string[] = [];
  async function visit(dir: string, rel: string): Promise<void> {
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      if (e.name === ".git" || e.name === "node_modules" || e.name === ".DS_Store") continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await visit(join(dir, e.name), r);
      else if (e.isFile() && r !== "SKILL.md") out.push(r);
    }
  }
  await visit(skillDir, "").catch(() => undefined);
  return out.sort();
}

/**
 * Reads `relPath` (default `SKILL.md`) of skill `name` in the collection.
 * @throws SkillsyncError INVALID_NAME / UNSAFE_PATH for a bad name or a path leaving the folder;
 *   NOT_FOUND when the skill or file does not exist
 */
export async function readSkillFile(opts: {
  collectionDir: string;
  name: string;
  relPath?: string;
}): Promise<{ bytes: Buffer; mimeType: string }> {
  const nameProblem = skillNameProblem(opts.name);
  if (nameProblem) throw new SkillsyncError("INVALID_NAME", nameProblem);
  const rel = opts.relPath ?? "SKILL.md";
  const pathProblem = relativePathProblem(rel);
  if (pathProblem) throw new SkillsyncError("UNSAFE_PATH", pathProblem);
  const dir = join(opts.collectionDir, ...COLLECTION_LAYOUT.skill.dir.split("/"), opts.name);
  const abs = join(dir, ...rel.split("/"));
  let real: string;
  let realDir: string;
  try {
    realDir = await fsp.realpath(dir);
    real = await fsp.realpath(abs);
  } catch {
    throw new SkillsyncError(
      "NOT_FOUND",
      `skill '${opts.name}' has no file '${rel}'; list resources or call skill_list to see what exists`,
    );
  }
  if (!real.startsWith(realDir + sep))
    throw new SkillsyncError("UNSAFE_PATH", `'${rel}' points outside the skill folder of '${opts.name}'`);
  const st = await fsp.stat(real);
  if (!st.isFile()) throw new SkillsyncError("NOT_FOUND", `'${rel}' in skill '${opts.name}' is not a file`);
  return { bytes: await fsp.readFile(real), mimeType: mimeTypeFor(rel) };
}

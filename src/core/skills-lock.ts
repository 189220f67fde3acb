/**
 * The lock files of the `skills` npm CLI (vercel-labs/skills, read at version 1.7.4 in
 * `node_modules/skills/dist/cli.mjs`), so that skillsync can keep them current and adopt what
 * `skills add` installed. Pure: file bytes and paths are handed in.
 *
 * Two formats:
 * - project lock `skills-lock.json` (`readLocalLock` / `writeLocalLock`, `CURRENT_VERSION$1 = 1`):
 *   `{"version": 1, "skills": {NAME: {source, sourceUrl?, ref?, sourceType, skillPath?, computedHash,
 *   …}}}`, skills sorted by name (`Array.prototype.sort` on the keys: UTF-16 code unit order), written
 *   as `JSON.stringify(lock, null, 2) + "\n"`. A `local` source is stored relative to the lock's folder
 *   (`getPortableLocalSource`: `./x`, `../x`, `.`; absolute only when no relative path exists).
 * - global lock `.skill-lock.json` (`readSkillLock` / `writeSkillLock`, `CURRENT_VERSION = 3`) at
 *   `$XDG_STATE_HOME/skills/.skill-lock.json`, else `~/.agents/.skill-lock.json`: `{"version": 3,
 *   "skills": {NAME: {source, sourceType, sourceUrl, ref?, skillPath?, skillFolderHash, pluginName?,
 *   installedAt, updatedAt}}, "dismissed": {}, …}`, keys in insertion order, written as
 *   `JSON.stringify(lock, null, 2)` with no trailing newline.
 *
 * Names and paths read from either file are validated ({@link lockNameProblem}) before any path is
 * built from them.
 */

import { z } from "zod";
import { SkillsyncError } from "./errors.js";
import { createHash } from "./lazy-crypto.js";

/** File name of the project lock. */
export const SKILLS_LOCK_FILE = "skills-lock.json";
/** Format version of the project lock that this build reads and writes (skills 1.7.4: 1). */
export const SKILLS_LOCK_VERSION = 1;
/** File name of the global lock. */
export const GLOBAL_SKILL_LOCK_FILE = ".skill-lock.json";
/** Format version of the global lock (skills 1.7.4: 3). */
export const GLOBAL_SKILL_LOCK_VERSION = 3;
/** Longest name accepted from a lock file, in UTF-8 bytes (a file name on common file systems). */
export const MAX_LOCK_NAME_BYTES = 255;

/** One file handed to {@link computeSkillFolderHash}: `/`-separated path relative to the skill folder. */
export interface HashInputFile {
  path: string;
  data: Uint8Array;
}

/**
 * The `computedHash` of a skill folder, exactly as the `skills` CLI computes it
 * (`computeSkillFolderHash` + `collectFiles` in skills/dist/cli.mjs, 1.7.4):
 * 1. every regular file under the folder, recursing into sub-folders except any folder named `.git`
 *    or `node_modules`; symbolic links are neither followed nor hashed (a `Dirent` that is neither
 *    `isFile()` nor `isDirectory()`); `.DS_Store` and everything else is included;
 * 2. paths relative to the folder with `/` separators, sorted with `String.prototype.localeCompare`
 *    (the process's default ICU collation, not bytewise);
 * 3. one SHA-256 over, per file in that order, the path's UTF-8 bytes immediately followed by the
 *    file's bytes (no separator, no length, no mode);
 * 4. lowercase hex.
 * The caller hands in the files of step 1 (this function drops paths under `.git/` or
 * `node_modules/` itself, so a skillsync tree can be passed as it is).
 * @returns 64 lowercase hex characters
 */
export function computeSkillFolderHash(files: readonly HashInputFile[]): string {
  const kept = files.filter(
    (f) => !f.path.split("/").some((seg) => seg === ".git" || seg === "node_modules"),
  );
  const sorted = [...kept].sort((a, b) => a.path.localeCompare(b.path));
  const hash = createHash("sha256");
  for (const f of sorted) {
    hash.update(f.path);
    hash.update(f.data);
  }
  return hash.digest("hex");
}

/**
 * Why `name` (a key of a lock file's `skills`) cannot be used as a folder name, or `undefined`:
 * empty, over {@link MAX_LOCK_NAME_BYTES} bytes, `.`/`..`, holding `/`, `\`, NUL or another control
 * character, or absolute (POSIX or a Windows drive).
 */
export function lockNameProblem(name: string): string | undefined {
  const shown = JSON.stringify(name);
  if (name.length === 0) return "skill name is empty";
  if (new TextEncoder().encode(name).length > MAX_LOCK_NAME_BYTES)
    return `skill name ${shown.slice(0, 40)}… is over ${MAX_LOCK_NAME_BYTES} bytes`;
  if (name.includes("\0")) return `skill name ${shown} contains a NUL byte`;
  if (/[\x00-\x1f\x7f]/.test(name)) return `skill name ${shown} contains a control character`;
  if (name === "." || name === "..") return `skill name ${shown} is not allowed`;
  if (name.includes("/") || name.includes("\\")) return `skill name ${shown} must not contain '/' or '\\'`;
  if (/^[A-Za-z]:/.test(name)) return `skill name ${shown} is an absolute path`;
  return undefined;
}

/**
 * Why `p` (a lock entry's `skillPath`, `/`-separated, relative to a repository) is unsafe, or `undefined`.
 */
export function lockPathProblem(p: string): string | undefined {
  const shown = JSON.stringify(p);
  if (p.length === 0) return "path is empty";
  if (p.length > 4096) return "path is over 4096 characters";
  if (p.includes("\0")) return `path ${shown} contains a NUL byte`;
  if (p.includes("\\")) return `path ${shown} contains '\\'`;
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) return `path ${shown} is absolute`;
  for (const seg of p.split("/"))
    if (seg === "" || seg === "." || seg === "..") return `path ${shown} has an empty, '.' or '..' segment`;
  return undefined;
}

/** Builds the three schemas of the two lock files (on first use, not at module load: a command that
 * never reads a skills CLI lock file does not pay for them). */
function buildSchemas() {
  return {
    entry: z.looseObject({
      source: z.string(),
      sourceUrl: z.string().optional(),
      ref: z.string().optional(),
      sourceType: z.string(),
      skillPath: z.string().optional(),
      computedHash: z.string(),
    }),
    lock: z.looseObject({ version: z.number().int(), skills: z.record(z.string(), z.unknown()) }),
    globalEntry: z.looseObject({
      source: z.string(),
      sourceType: z.string(),
      sourceUrl: z.string().optional(),
      ref: z.string().optional(),
      skillPath: z.string().optional(),
      skillFolderHash: z.string(),
      installedAt: z.string().optional(),
      updatedAt: z.string().optional(),
    }),
  };
}

let builtSchemas: ReturnType<typeof buildSchemas> | undefined;
function schemas(): ReturnType<typeof buildSchemas> {
  builtSchemas ??= buildSchemas();
  return builtSchemas;
}

/** One entry of `skills-lock.json`; unknown keys (`via`, `subagents`, `wellKnownDigest`, …) are kept. */
export type SkillsLockEntry = z.infer<ReturnType<typeof buildSchemas>["entry"]>;

/** The project lock `skills-lock.json`. Key order of `skills` is the file's; serialisation sorts. */
export interface SkillsLock {
  version: number;
  skills: Record<string, SkillsLockEntry>;
}

/** One entry of the global `.skill-lock.json`; unknown keys are kept in their order. */
export type GlobalSkillLockEntry = z.infer<ReturnType<typeof buildSchemas>["globalEntry"]>;

/** The global lock `.skill-lock.json`; other top-level keys (`dismissed`, `lastSelectedAgents`) are kept. */
export interface GlobalSkillLock {
  version: number;
  skills: Record<string, GlobalSkillLockEntry>;
  [key: string]: unknown;
}

/** An empty project lock, as the `skills` CLI creates it (`createEmptyLocalLock`). */
export function emptySkillsLock(): SkillsLock {
  return { version: SKILLS_LOCK_VERSION, skills: {} };
}

/** An empty global lock, as the `skills` CLI creates it (`createEmptyLockFile`). */
export function emptyGlobalSkillLock(): GlobalSkillLock {
  return { version: GLOBAL_SKILL_LOCK_VERSION, skills: {}, dismissed: {} };
}

function invalid(file: string, message: string, line?: number): SkillsyncError {
  return new SkillsyncError("INVALID_LOCK", message, { file, ...(line ? { line } : {}) });
}

/** 1-based line of the key `"name"` in `text`, for messages (undefined when not found). */
function lineOfKey(text: string, name: string): number | undefined {
  const at = text.indexOf(`${JSON.stringify(name)}:`);
  if (at < 0) return undefined;
  return text.slice(0, at).split("\n").length;
}

function checkVersion(version: number, supported: number, file: string, text: string): void {
  if (version > supported)
    throw new SkillsyncError(
      "UNSUPPORTED_VERSION",
      `version ${version} is newer than this skillsync understands (${supported}); upgrade skillsync`,
      { file, ...(lineOfKey(text, "version") ? { line: lineOfKey(text, "version") } : {}) },
    );
  if (version < 1)
    throw invalid(file, `version ${version} is not a version of this format`, lineOfKey(text, "version"));
}

function checkName(name: string, file: string, text: string): void {
  const problem = lockNameProblem(name);
  if (problem) throw invalid(file, `${problem}; remove or rename that entry`, lineOfKey(text, name));
}

function zodLine(err: z.ZodError): string {
  const first = err.issues[0];
  return first ? `${first.path.join(".") || "(top)"}: ${first.message}` : err.message;
}

/**
 * Parses a `skills-lock.json`. Refuses (before any path is built from it) a name or `skillPath` that
 * {@link lockNameProblem} / {@link lockPathProblem} rejects, and a newer `version`. An older version
 * (the skills CLI treats it as empty) is refused too, so that skillsync never drops entries.
 * @param file shown in errors
 * @throws SkillsyncError INVALID_LOCK (with file and, where known, line), UNSUPPORTED_VERSION
 */
export function parseSkillsLock(text: string, file: string): SkillsLock {
  const raw = parseJsonSync(text, file);
  const top = schemas().lock.safeParse(raw);
  if (!top.success)
    throw invalid(
      file,
      `not a skills-lock.json (${zodLine(top.error)}); expected {"version": 1, "skills": {…}}`,
    );
  checkVersion(top.data.version, SKILLS_LOCK_VERSION, file, text);
  const skills: Record<string, SkillsLockEntry> = {};
  for (const [name, value] of Object.entries(top.data.skills)) {
    checkName(name, file, text);
    const e = schemas().entry.safeParse(value);
    if (!e.success)
      throw invalid(file, `skill ${JSON.stringify(name)}: ${zodLine(e.error)}`, lineOfKey(text, name));
    if (e.data.skillPath !== undefined) {
      const p = lockPathProblem(e.data.skillPath);
      if (p) throw invalid(file, `skill ${JSON.stringify(name)}: skillPath ${p}`, lineOfKey(text, name));
    }
    skills[name] = e.data;
  }
  return { version: top.data.version, skills };
}

function parseJsonSync(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? text.slice(0, Number(pos[1])).split("\n").length : undefined;
    throw invalid(
      file,
      `not valid JSON (${msg}); fix the file, or delete it and run 'skills add' again`,
      line,
    );
  }
}

/**
 * The bytes the `skills` CLI would write for `lock` (`writeLocalLock`): skills sorted by name with
 * `Array.prototype.sort` (UTF-16 code unit order), each entry's keys in the order given, two-space
 * indentation, one trailing newline. `source` of `local` entries is written as given (callers pass
 * it already portable: see {@link portableLocalSource}).
 */
export function serializeSkillsLock(lock: SkillsLock): string {
  const names = Object.keys(lock.skills).sort();
  const skills = Object.fromEntries(names.map((n) => [n, lock.skills[n]]));
  return `${JSON.stringify({ version: lock.version, skills }, null, 2)}\n`;
}

/**
 * Parses the global `.skill-lock.json`; same validation as {@link parseSkillsLock}.
 * @throws SkillsyncError INVALID_LOCK, UNSUPPORTED_VERSION
 */
export function parseGlobalSkillLock(text: string, file: string): GlobalSkillLock {
  const raw = parseJsonSync(text, file);
  const top = schemas().lock.safeParse(raw);
  if (!top.success)
    throw invalid(
      file,
      `not a .skill-lock.json (${zodLine(top.error)}); expected {"version": 3, "skills": {…}}`,
    );
  checkVersion(top.data.version, GLOBAL_SKILL_LOCK_VERSION, file, text);
  if (top.data.version < GLOBAL_SKILL_LOCK_VERSION)
    throw invalid(
      file,
      `version ${top.data.version} is older than 3; run any 'skills' command to migrate it`,
    );
  const skills: Record<string, GlobalSkillLockEntry> = {};
  for (const [name, value] of Object.entries(top.data.skills)) {
    checkName(name, file, text);
    const e = schemas().globalEntry.safeParse(value);
    if (!e.success)
      throw invalid(file, `skill ${JSON.stringify(name)}: ${zodLine(e.error)}`, lineOfKey(text, name));
    if (e.data.skillPath !== undefined) {
      const p = lockPathProblem(e.data.skillPath);
      if (p) throw invalid(file, `skill ${JSON.stringify(name)}: skillPath ${p}`, lineOfKey(text, name));
    }
    skills[name] = e.data;
  }
  return { ...(top.data as Record<string, unknown>), version: top.data.version, skills };
}

/** The bytes the `skills` CLI would write for the global lock (`writeSkillLock`): no trailing newline. */
export function serializeGlobalSkillLock(lock: GlobalSkillLock): string {
  return JSON.stringify(lock, null, 2);
}

/**
 * A local source as `skills-lock.json` stores it (`getPortableLocalSource`): `absSource` relative to
 * `lockDir`, `/`-separated, prefixed `./` (or `.` itself, or `../…`); absolute when no relative path
 * exists (another Windows drive). Both paths must be absolute and use `/` (POSIX) separators.
 */
export function portableLocalSource(absSource: string, lockDir: string): string {
  const a = absSource.split("/").filter((s) => s !== "");
  const b = lockDir.split("/").filter((s) => s !== "");
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const rel = [...b.slice(i).map(() => ".."), ...a.slice(i)].join("/");
  if (!rel) return ".";
  if (rel === ".." || rel.startsWith("../")) return rel;
  return `./${rel}`;
}

/** What skillsync knows about where a skill came from, to derive a `skills-lock.json` entry. */
export type LockOrigin =
  | { type: "local"; absPath: string }
  | { type: "github"; owner: string; repo: string; path: string; ref?: string }
  | { type: "git"; url: string; path: string; ref?: string };

/**
 * The entry skillsync writes for a skill it deployed, in the key order of the skills CLI's
 * `projectLockEntry` (source, sourceUrl, ref, sourceType, skillPath, computedHash):
 * - `local` → `{source: <portable path>, sourceType: "local", computedHash}`;
 * - `github` → `{source: "owner/repo", ref?, sourceType: "github", skillPath: "<path>/SKILL.md", computedHash}`;
 * - `git` → `{source: url, sourceUrl: url, ref?, sourceType: "git", skillPath, computedHash}`.
 * When `previous` names the same `source` (its `sourceType` may be more specific, e.g. `gitlab`), or
 * `keepPrevious` is set, it is kept as it is (its other keys and their order) with only
 * `computedHash` replaced.
 */
export function lockEntryFor(opts: {
  origin: LockOrigin;
  computedHash: string;
  lockDir: string;
  previous?: SkillsLockEntry | undefined;
  /** Keep `previous`'s source fields whatever `origin` says (a skill adopted from a source skillsync cannot name). */
  keepPrevious?: boolean;
}): SkillsLockEntry {
  const { origin, computedHash } = opts;
  const skillPath = (p: string) => (p ? `${p}/SKILL.md` : "SKILL.md");
  let entry: SkillsLockEntry;
  if (origin.type === "local")
    entry = { source: portableLocalSource(origin.absPath, opts.lockDir), sourceType: "local", computedHash };
  else if (origin.type === "github")
    entry = {
      source: `${origin.owner}/${origin.repo}`,
      ...(origin.ref ? { ref: origin.ref } : {}),
      sourceType: "github",
      skillPath: skillPath(origin.path),
      computedHash,
    };
  else
    entry = {
      source: origin.url,
      sourceUrl: origin.url,
      ...(origin.ref ? { ref: origin.ref } : {}),
      sourceType: "git",
      skillPath: skillPath(origin.path),
      computedHash,
    };
  const prev = opts.previous;
  if (prev && (opts.keepPrevious || prev.source === entry.source)) {
    if (prev.computedHash === computedHash) return prev;
    return { ...prev, computedHash };
  }
  return entry;
}

/**
 * Git's tree object id (SHA-1, lowercase hex) of a folder holding `files`: what GitHub's trees API
 * reports for the folder, and what the global lock stores as `skillFolderHash` for `github` sources
 * (`getSkillFolderHashFromTree`). Modes `100644`/`100755`, sub-folders `40000`, entries in git's
 * order (a folder's name compares as if it ended in `/`). Paths are `/`-separated and relative.
 */
export function gitTreeSha1(
  files: readonly { path: string; mode: "644" | "755"; data: Uint8Array }[],
): string {
  interface Dir {
    dirs: Map<string, Dir>;
    blobs: Map<string, { mode: string; id: Uint8Array }>;
  }
  const root: Dir = { dirs: new Map(), blobs: new Map() };
  const enc = new TextEncoder();
  const sha1 = (parts: Uint8Array[]): Uint8Array => {
    const h = createHash("sha1");
    for (const p of parts) h.update(p);
    return new Uint8Array(h.digest());
  };
  for (const f of files) {
    const segs = f.path.split("/");
    let d = root;
    for (const s of segs.slice(0, -1)) {
      let next = d.dirs.get(s);
      if (!next) {
        next = { dirs: new Map(), blobs: new Map() };
        d.dirs.set(s, next);
      }
      d = next;
    }
    const id = sha1([enc.encode(`blob ${f.data.length}\0`), f.data]);
    d.blobs.set(segs[segs.length - 1]!, { mode: f.mode === "755" ? "100755" : "100644", id });
  }
  const treeId = (d: Dir): Uint8Array => {
    const entries: { key: string; name: string; mode: string; id: Uint8Array }[] = [];
    for (const [name, sub] of d.dirs) entries.push({ key: `${name}/`, name, mode: "40000", id: treeId(sub) });
    for (const [name, b] of d.blobs) entries.push({ key: name, name, mode: b.mode, id: b.id });
    entries.sort((a, b) => compareBytes(enc.encode(a.key), enc.encode(b.key)));
    const body: Uint8Array[] = [];
    for (const e of entries) body.push(enc.encode(`${e.mode} ${e.name}\0`), e.id);
    const size = body.reduce((n, p) => n + p.length, 0);
    return sha1([enc.encode(`tree ${size}\0`), ...body]);
  };
  return [...treeId(root)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The global-lock entry skillsync writes for a skill it deployed globally, in the key order of the
 * skills CLI's `addSkillToLock` (source, sourceType, sourceUrl, ref, skillPath, skillFolderHash,
 * installedAt, updatedAt):
 * - `local` → `{source: DIR, sourceType: "local", sourceUrl: DIR, skillFolderHash: computedHash}` (absolute DIR);
 * - `github` → `{source: "owner/repo", sourceType: "github", sourceUrl: "https://github.com/owner/repo.git", ref?, skillPath, skillFolderHash: git tree id}`;
 * - `git` → `{source: url, sourceType: "git", sourceUrl: url, ref?, skillPath, skillFolderHash: computedHash}`.
 * `installedAt` is kept from `previous`; an existing entry with the same `source` keeps its other keys.
 * @param now ISO time with milliseconds, as the skills CLI writes (`Date#toISOString`)
 */
export function globalLockEntryFor(opts: {
  origin: LockOrigin;
  computedHash: string;
  gitTreeId: string;
  now: string;
  previous?: GlobalSkillLockEntry | undefined;
}): GlobalSkillLockEntry {
  const { origin, now } = opts;
  const skillPath = (p: string) => (p ? `${p}/SKILL.md` : "SKILL.md");
  let entry: GlobalSkillLockEntry;
  if (origin.type === "local")
    entry = {
      source: origin.absPath,
      sourceType: "local",
      sourceUrl: origin.absPath,
      skillFolderHash: opts.computedHash,
    };
  else if (origin.type === "github")
    entry = {
      source: `${origin.owner}/${origin.repo}`,
      sourceType: "github",
      sourceUrl: `https://github.com/${origin.owner}/${origin.repo}.git`,
      ...(origin.ref ? { ref: origin.ref } : {}),
      skillPath: skillPath(origin.path),
      skillFolderHash: opts.gitTreeId,
    };
  else
    entry = {
      source: origin.url,
      sourceType: "git",
      sourceUrl: origin.url,
      ...(origin.ref ? { ref: origin.ref } : {}),
      skillPath: skillPath(origin.path),
      skillFolderHash: opts.computedHash,
    };
  const prev = opts.previous;
  const base: GlobalSkillLockEntry =
    prev && prev.source === entry.source ? { ...prev, skillFolderHash: entry.skillFolderHash } : entry;
  if (prev && prev.source === entry.source && prev.skillFolderHash === entry.skillFolderHash) return prev;
  return { ...base, installedAt: prev?.installedAt ?? now, updatedAt: now };
}

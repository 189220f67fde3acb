/**
 * Reading and writing the `skills` CLI's lock files (formats in core/skills-lock.ts): the project's
 * `skills-lock.json` and the user's global `.skill-lock.json`, plus reading a skill folder the way
 * the skills CLI reads it to hash it (`collectFiles` in skills/dist/cli.mjs 1.7.4).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import {
  GLOBAL_SKILL_LOCK_FILE,
  type GlobalSkillLock,
  type HashInputFile,
  parseGlobalSkillLock,
  parseSkillsLock,
  SKILLS_LOCK_FILE,
  type SkillsLock,
  serializeGlobalSkillLock,
  serializeSkillsLock,
} from "../core/skills-lock.js";
import { writeFileAtomic } from "./fs.js";

/** Path of `skills-lock.json` in a project folder. */
export function skillsLockPath(projectRoot: string): string {
  return join(projectRoot, SKILLS_LOCK_FILE);
}

/**
 * Path of the skills CLI's global lock (`getSkillLockPath`): `$XDG_STATE_HOME/skills/.skill-lock.json`
 * when `XDG_STATE_HOME` is set, else `<home>/.agents/.skill-lock.json`.
 * @param env the environment to read `XDG_STATE_HOME` from (handed in so tests control it)
 */
export function globalSkillLockPath(home: string, env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  return xdg ? join(xdg, "skills", GLOBAL_SKILL_LOCK_FILE) : join(home, ".agents", GLOBAL_SKILL_LOCK_FILE);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new SkillsyncError("UNREADABLE", `cannot read the skills CLI's lock file: ${code}`, { file });
  }
}

/**
 * Reads `skills-lock.json` at `file`; `undefined` when there is none.
 * @throws SkillsyncError INVALID_LOCK (corrupt JSON or schema, with file and line), UNSUPPORTED_VERSION, UNREADABLE
 */
export function readSkillsLock(file: string): SkillsLock | undefined {
  const text = readText(file);
  return text === undefined ? undefined : parseSkillsLock(text, file);
}

/**
 * Writes `skills-lock.json` atomically (temp + fsync + rename) unless its bytes would not change.
 * @returns true when the file was written
 */
export async function writeSkillsLock(file: string, lock: SkillsLock): Promise<boolean> {
  const text = serializeSkillsLock(lock);
  if (readText(file) === text) return false;
  await writeFileAtomic(file, text);
  return true;
}

/**
 * Reads the global `.skill-lock.json`; `undefined` when there is none.
 * @throws SkillsyncError INVALID_LOCK, UNSUPPORTED_VERSION, UNREADABLE
 */
export function readGlobalSkillLock(file: string): GlobalSkillLock | undefined {
  const text = readText(file);
  return text === undefined ? undefined : parseGlobalSkillLock(text, file);
}

/** Writes the global lock atomically unless its bytes would not change. @returns true when written */
export async function writeGlobalSkillLock(file: string, lock: GlobalSkillLock): Promise<boolean> {
  const text = serializeGlobalSkillLock(lock);
  if (readText(file) === text) return false;
  await writeFileAtomic(file, text);
  return true;
}

/**
 * The files of a skill folder as the skills CLI hashes them (`collectFiles`): regular files only
 * (symbolic links are skipped, not followed), recursing into folders except those named `.git` or
 * `node_modules`; paths relative to `dir` with `/`. Feed the result to `computeSkillFolderHash`.
 */
export function readFolderForSkillsHash(dir: string): HashInputFile[] {
  const out: HashInputFile[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const d of readdirSync(abs, { withFileTypes: true })) {
      const childAbs = join(abs, d.name);
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (d.name === ".git" || d.name === "node_modules") continue;
        walk(childAbs, childRel);
      } else if (d.isFile()) out.push({ path: childRel, data: readFileSync(childAbs) });
    }
  };
  walk(dir, "");
  return out;
}

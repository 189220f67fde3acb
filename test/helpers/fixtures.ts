/**
 * Copies of the shared fixtures (`../shared/fixtures/skills/anthropics`, 12 real Agent Skills),
 * which are read-only and must never be written: tests work on a copy.
 */
import { chmodSync, cpSync, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ANTHROPIC_SKILLS } from "./paths.js";

/** Options for {@link copyFixtures}. */
export interface CopyFixturesOptions {
  /** Only these skills (folder names); default all 12. */
  only?: readonly string[];
  /** Source folder; default the anthropics skills. */
  from?: string;
}

/** The names of the fixture skills (sorted). */
export function fixtureSkillNames(from = ANTHROPIC_SKILLS): string[] {
  return readdirSync(from, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

function addOwnerWrite(path: string): void {
  const st = statSync(path);
  chmodSync(path, (st.mode & 0o7777) | 0o200);
  if (st.isDirectory()) for (const name of readdirSync(path)) addOwnerWrite(join(path, name));
}

/**
 * Copies the fixture skills into `dest` (created when missing) as `dest/<skill>/…`, keeping bytes and
 * execute bits, and adds the owner's write bit (the originals are read-only) so tests can edit them.
 * @returns `dest`
 * @throws Error when the fixtures folder is missing (a clean clone needs `../shared` beside it)
 */
export function copyFixtures(dest: string, opts: CopyFixturesOptions = {}): string {
  const from = opts.from ?? ANTHROPIC_SKILLS;
  if (!existsSync(from))
    throw new Error(`fixtures not found at ${from}; '../shared' must sit beside the project`);
  for (const name of opts.only ?? fixtureSkillNames(from)) {
    const target = join(dest, name);
    cpSync(join(from, name), target, { recursive: true, preserveTimestamps: true });
    addOwnerWrite(target);
  }
  return dest;
}

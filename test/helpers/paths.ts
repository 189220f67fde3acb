/**
 * Where tests find the project, the built CLI and the shared fixtures.
 *
 * - `REPO_ROOT`: the project root (two folders above this file).
 * - `DIST_DIR`: the build output the end-to-end tests drive; `dist/` unless the environment variable
 *   `SKILLSYNC_TEST_DIST` names another build (handy when several people rebuild `dist/` at once).
 * - `FIXTURES_ROOT`: `../shared/fixtures` beside the project (a clean clone in CI has `../shared`
 *   next to it), overridable with `SKILLSYNC_FIXTURES`.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Absolute path of the project root. */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Absolute path of the build the end-to-end tests drive (`dist/` or `$SKILLSYNC_TEST_DIST`). */
export const DIST_DIR: string = resolve(process.env.SKILLSYNC_TEST_DIST || join(REPO_ROOT, "dist"));

/** The built CLI entry point (`<dist>/cli/main.cjs`, the package's bin). */
export const CLI_BIN: string = join(DIST_DIR, "cli", "main.cjs");

/** `../shared/fixtures` beside the project, or `$SKILLSYNC_FIXTURES`. */
export const FIXTURES_ROOT: string = resolve(
  process.env.SKILLSYNC_FIXTURES || join(REPO_ROOT, "..", "shared", "fixtures"),
);

/** The 12 real Agent Skills from anthropics/skills (read-only: copy before use). */
export const ANTHROPIC_SKILLS: string = join(FIXTURES_ROOT, "skills", "anthropics");

/**
 * Throws a clear error when the build is missing (run `npm run build`, or `npm test` which builds).
 * @throws Error naming the missing file
 */
export function requireBuild(): void {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing; run 'npm run build' first`);
}

/**
 * Imports a module of the build by its path under the build folder, e.g. `store/lock-file.js`.
 * The type parameter is the module's shape as the caller uses it (build output carries no types).
 */
export async function importDist<T>(relPath: string): Promise<T> {
  return (await import(pathToFileURL(join(DIST_DIR, relPath)).href)) as T;
}

/**
 * Runs the real `skills` npm CLI (dev dependency, exact version) the way a user would, isolated:
 * `HOME` set to a temp folder, telemetry off (`DISABLE_TELEMETRY`, `DO_NOT_TRACK`), no stdin, a
 * timeout, no colour.
 *
 * skills 1.7.4 needs Node >= 22.20 (it imports `glob` from `fs/promises` and `crc32` from `zlib`).
 * The runner uses this process's Node when it is new enough, else the binary named by
 * `SKILLSYNC_SKILLS_NODE` (CI installs one: `.ci/run`). {@link skillsNodeMissing} says why it cannot run.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./paths.js";

/** The `skills` CLI entry point in node_modules. */
export const SKILLS_BIN: string = join(REPO_ROOT, "node_modules", "skills", "bin", "cli.mjs");

function newEnough(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 20);
}

/** The Node binary that runs the skills CLI, or undefined. */
export function skillsNode(): string | undefined {
  if (newEnough(process.versions.node)) return process.execPath;
  const named = process.env.SKILLSYNC_SKILLS_NODE;
  if (named && existsSync(named)) {
    const v = spawnSync(named, ["--version"], { encoding: "utf8", timeout: 10_000 });
    if (v.status === 0 && newEnough(v.stdout.trim())) return named;
  }
  return undefined;
}

/** Why the skills CLI cannot run here, or undefined when it can. */
export function skillsNodeMissing(): string | undefined {
  if (!existsSync(SKILLS_BIN)) return `${SKILLS_BIN} is missing; run npm ci`;
  if (!skillsNode())
    return `the skills CLI needs Node >= 22.20 (this is ${process.version}); set SKILLSYNC_SKILLS_NODE to such a node binary`;
  return undefined;
}

/** The outcome of one skills CLI run. */
export interface SkillsResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `skills ARGS` in `cwd` with `HOME=home`; kills it after `timeoutMs` (default 60 s).
 * @throws Error when no suitable Node is found (see {@link skillsNodeMissing})
 */
export function runSkills(
  args: readonly string[],
  opts: { cwd: string; home: string; timeoutMs?: number },
): SkillsResult {
  const node = skillsNode();
  if (!node) throw new Error(skillsNodeMissing());
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: opts.home,
    DISABLE_TELEMETRY: "1",
    DO_NOT_TRACK: "1",
    NO_COLOR: "1",
    CI: "1",
    LANG: process.env.LANG ?? "C.UTF-8",
  };
  const r = spawnSync(node, [SKILLS_BIN, ...args], {
    cwd: opts.cwd,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: "SIGKILL",
  });
  return { code: r.status ?? 128 + 9, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

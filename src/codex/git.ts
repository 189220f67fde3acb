/**
 * A small wrapper around the system `git` (run through `execFile`, never a shell). Every failure
 * becomes a {@link SkillsyncError} `GIT` (exit 3) whose message names the git command and git's own
 * first error line, with credentials scrubbed: `https://user:token@host` becomes
 * `https://***@host`, and the value of any secret handed in is replaced by `***`.
 *
 * Git never prompts (`GIT_TERMINAL_PROMPT=0`), so a missing credential fails instead of hanging.
 */
import { execFile } from "node:child_process";
import { SkillsyncError } from "../core/errors.js";

/** Options for {@link runGit}. */
export interface GitOptions {
  /** Working directory; default the process's. */
  cwd?: string;
  /** Extra environment variables, merged over `process.env`. */
  env?: Record<string, string | undefined>;
  /** Strings to scrub from messages (tokens). */
  secrets?: readonly string[];
  /** Kill git after this many milliseconds; default 120 000. */
  timeoutMs?: number;
  /** Bytes to write to git's stdin. */
  input?: string;
}

/** What a successful git run printed. */
export interface GitResult {
  stdout: string;
  stderr: string;
}

/** A failed git run, before it is turned into a {@link SkillsyncError}. */
export interface GitFailure {
  /** Git's exit status (`null` when killed or not started). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Replaces credentials in `text`: userinfo in URLs (`scheme://user:pw@` → `scheme://***@`) and every
 * non-empty string of `secrets`.
 */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]+@/gi, "$1***@");
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join("***");
  return out;
}

/** The first meaningful line of git's stderr (skipping `hint:` lines). */
function firstErrorLine(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith("hint:"));
  return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? "";
}

/**
 * Runs `git <args>` and returns its output.
 * @throws SkillsyncError GIT with the scrubbed command and git's error line (details: `exitCode`,
 *   `stderr` scrubbed); a missing `git` binary is reported the same way with how to fix it
 */
export async function runGit(args: readonly string[], opts: GitOptions = {}): Promise<GitResult> {
  const r = await tryGit(args, opts);
  if ("exitCode" in r) {
    const secrets = opts.secrets ?? [];
    const what = scrubSecrets(`git ${args.join(" ")}`, secrets);
    const why = scrubSecrets(firstErrorLine(r.stderr) || `exit status ${r.exitCode}`, secrets);
    throw new SkillsyncError("GIT", `${what} failed: ${why}`, {
      details: { exitCode: r.exitCode, stderr: scrubSecrets(r.stderr, secrets) },
    });
  }
  return r;
}

/**
 * Runs `git <args>`; a non-zero exit is returned as a {@link GitFailure} instead of thrown.
 * @throws SkillsyncError GIT only when git cannot be started at all
 */
export function tryGit(args: readonly string[], opts: GitOptions = {}): Promise<GitResult | GitFailure> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      [...args],
      {
        cwd: opts.cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", ...opts.env },
        maxBuffer: 256 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 120_000,
        encoding: "utf8",
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: unknown };
        if (e.code === "ENOENT" && !stderr)
          return reject(
            new SkillsyncError("GIT", "git is not installed or not on PATH; install git 2.35 or newer"),
          );
        resolve({ exitCode: typeof e.code === "number" ? e.code : null, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs git and returns raw stdout bytes (for `git show` of binary files). */
export function gitBytes(args: readonly string[], opts: GitOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...args],
      {
        cwd: opts.cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", ...opts.env },
        maxBuffer: 256 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 120_000,
        encoding: "buffer",
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const secrets = opts.secrets ?? [];
        const why = scrubSecrets(firstErrorLine(stderr.toString("utf8")) || err.message, secrets);
        reject(new SkillsyncError("GIT", `${scrubSecrets(`git ${args.join(" ")}`, secrets)} failed: ${why}`));
      },
    );
  });
}

/**
 * Environment that hands an HTTPS token to git without putting it on the command line or in a URL:
 * an `http.extraHeader` with Basic auth `x-access-token:<token>` (GitHub's convention, accepted by
 * GitLab and Gitea too), passed through `GIT_CONFIG_COUNT` (git ≥ 2.31).
 * @returns an empty object when `token` is undefined or empty
 */
export function tokenEnv(token: string | undefined): Record<string, string> {
  if (!token) return {};
  const basic = Buffer.from(`x-access-token:${token}`, "utf8").toString("base64");
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

/** Git settings for one repository: token (from the env var named by `git_token_env`) and secrets. */
export interface GitAuth {
  env: Record<string, string>;
  secrets: string[];
}

/**
 * Reads the token from the environment variable `varName` (config `git_token_env`) and returns the
 * env and the secrets to scrub. Only HTTPS URLs get the header; other URLs use git's own credentials.
 */
export function gitAuthFor(
  url: string,
  varName: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): GitAuth {
  const token = varName ? env[varName] : undefined;
  if (!token) return { env: {}, secrets: [] };
  const basic = Buffer.from(`x-access-token:${token}`, "utf8").toString("base64");
  return { env: /^https:\/\//i.test(url) ? tokenEnv(token) : {}, secrets: [token, basic] };
}

/** True when `err` looks like git could not reach the remote (network, missing repo, auth). */
export function isUnreachable(err: unknown): boolean {
  return err instanceof SkillsyncError && err.code === "GIT";
}

/**
 * The one wrapper around the system `git` (run through `execFile`, never a shell), used by git
 * sources (sync/git-source.ts), the backup (sync/backup.ts) and the codex (codex/). Every failure
 * becomes a {@link SkillsyncError} `GIT` (exit 3) whose message names the git command and git's own
 * first error line, with credentials scrubbed: `https://user:token@host` becomes
 * `https://***@host`, and the value of any secret handed in is replaced by `***`.
 *
 * Git never prompts (`GIT_TERMINAL_PROMPT=0`), so a missing credential fails instead of hanging.
 */
import { execFile } from "node:child_process";
import { SkillsyncError } from "../core/errors.js";

/** Environment and secrets for git runs against one URL (from {@link gitAuthFor}). */
export interface GitAuth {
  /** Extra environment variables (the token header, when there is one). */
  env: Record<string, string>;
  /** Strings scrubbed from every message (the token and its Basic-auth form). */
  secrets: string[];
}

/** Options for {@link runGit}. */
export interface GitOptions {
  /** Working directory; default the process's. */
  cwd?: string;
  /** Extra environment variables, merged over `process.env` (after `auth.env`). */
  env?: Record<string, string | undefined>;
  /** Strings to scrub from messages (tokens), besides `auth.secrets`. */
  secrets?: readonly string[];
  /** The token environment and secrets of the remote, from {@link gitAuthFor}. */
  auth?: GitAuth;
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
 * Replaces credentials in `text`: userinfo in URLs (`scheme://user:pw@` or `scheme://token@` →
 * `scheme://***@`; the conventional `ssh://git@` is kept) and every string of `secrets` of 4 or more
 * characters.
 */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s'"]+)@/gi, (m, scheme: string, user: string) =>
    user === "git" ? m : `${scheme}***@`,
  );
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join("***");
  return out;
}

/** The first meaningful line of git's stderr (skipping `hint:` and `warning:` lines). */
export function firstErrorLine(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith("hint:") && !l.startsWith("warning:"));
  return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? "";
}

function secretsOf(opts: GitOptions): string[] {
  return [...(opts.secrets ?? []), ...(opts.auth?.secrets ?? [])];
}

function envOf(opts: GitOptions): NodeJS.ProcessEnv {
  return { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", ...opts.auth?.env, ...opts.env };
}

/**
 * Runs `git <args>` and returns its output.
 * @throws SkillsyncError GIT with the scrubbed command and git's error line (details: `exitCode`,
 *   `stderr` scrubbed); a missing `git` binary is reported the same way with how to fix it
 */
export async function runGit(args: readonly string[], opts: GitOptions = {}): Promise<GitResult> {
  const r = await tryGit(args, opts);
  if ("exitCode" in r) {
    const secrets = secretsOf(opts);
    const what = scrubSecrets(`git ${args.join(" ")}`, secrets);
    const why = scrubSecrets(firstErrorLine(r.stderr) || `exit status ${r.exitCode}`, secrets);
    throw new SkillsyncError("GIT", `${what} failed: ${why}`, {
      details: { exitCode: r.exitCode, stderr: scrubSecrets(r.stderr, secrets) },
    });
  }
  return r;
}

type Ran<T> = { err: (NodeJS.ErrnoException & { code?: unknown }) | null; stdout: T; stderr: T };

/** Runs git with `encoding` output; never rejects (the caller judges `err`). */
function execGit(args: readonly string[], opts: GitOptions, encoding: "utf8"): Promise<Ran<string>>;
function execGit(args: readonly string[], opts: GitOptions, encoding: "buffer"): Promise<Ran<Buffer>>;
function execGit(
  args: readonly string[],
  opts: GitOptions,
  encoding: "utf8" | "buffer",
): Promise<Ran<string> | Ran<Buffer>> {
  return new Promise((resolve) => {
    const child = execFile(
      "git",
      [...args],
      {
        cwd: opts.cwd,
        env: envOf(opts),
        maxBuffer: 256 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 120_000,
        encoding,
      },
      (err, stdout, stderr) => resolve({ err, stdout, stderr } as Ran<string> | Ran<Buffer>),
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

const NO_GIT = "git is not installed or not on PATH; install git 2.35 or newer";

/**
 * Runs `git <args>`; a non-zero exit is returned as a {@link GitFailure} instead of thrown.
 * @throws SkillsyncError GIT only when git cannot be started at all
 */
export async function tryGit(
  args: readonly string[],
  opts: GitOptions = {},
): Promise<GitResult | GitFailure> {
  const { err, stdout, stderr } = await execGit(args, opts, "utf8");
  if (!err) return { stdout, stderr };
  if (err.code === "ENOENT" && !stderr) throw new SkillsyncError("GIT", NO_GIT);
  return { exitCode: typeof err.code === "number" ? err.code : null, stdout, stderr };
}

/**
 * Runs git and returns raw stdout bytes (for `git show` of binary files).
 * @throws SkillsyncError GIT with the scrubbed command and git's error line
 */
export async function gitBytes(args: readonly string[], opts: GitOptions = {}): Promise<Buffer> {
  const { err, stdout, stderr } = await execGit(args, opts, "buffer");
  if (!err) return stdout;
  if (err.code === "ENOENT" && stderr.length === 0) throw new SkillsyncError("GIT", NO_GIT);
  const secrets = secretsOf(opts);
  const why = scrubSecrets(firstErrorLine(stderr.toString("utf8")) || err.message, secrets);
  throw new SkillsyncError("GIT", `${scrubSecrets(`git ${args.join(" ")}`, secrets)} failed: ${why}`);
}

/**
 * The auth for `url`: with config `git_token_env` naming a set variable, an HTTPS URL gets an
 * `Authorization: Basic base64(x-access-token:TOKEN)` header (GitHub's convention, also accepted by
 * GitLab and Gitea) appended to any `GIT_CONFIG_COUNT` entries already in the environment (git ≥ 2.31).
 * Other URLs use git's own credentials; the token is still scrubbed from messages.
 */
export function gitAuthFor(
  url: string,
  varName: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): GitAuth {
  const token = varName ? env[varName] : undefined;
  if (!token) return { env: {}, secrets: [] };
  const basic = Buffer.from(`x-access-token:${token}`, "utf8").toString("base64");
  const secrets = [token, basic];
  if (!/^https:\/\//i.test(url)) return { env: {}, secrets };
  const n = Number.parseInt(env.GIT_CONFIG_COUNT ?? "0", 10) || 0;
  return {
    env: {
      GIT_CONFIG_COUNT: String(n + 1),
      [`GIT_CONFIG_KEY_${n}`]: "http.extraHeader",
      [`GIT_CONFIG_VALUE_${n}`]: `Authorization: Basic ${basic}`,
    },
    secrets,
  };
}

/**
 * `$SKILLSYNC_HOME/credentials.toml`: the hub tokens, read and written only here.
 *
 * ```toml
 * version = 1
 * [remotes.work]
 * token = "…"      # bearer token for the remote's hub
 * user = "alice"   # the hub user the token belongs to, learned at login (optional)
 * ```
 *
 * Permissions follow OpenSSH's rule for private keys (`sshkey_perm_ok` in ssh's `authfile.c`): the
 * file must not be accessible by group or others (`mode & 0o077 === 0`); otherwise it is refused
 * with one line saying how to fix it (`chmod 600`),
 * like ssh's "UNPROTECTED PRIVATE KEY FILE … will be ignored". A token that others could read must
 * be treated as leaked, so it is better not used silently. Commands that rewrite the file (`login`,
 * `remote remove`) may read an open file, since they write it back with mode 0600. The check is
 * skipped on Windows, whose files have no POSIX mode bits.
 */
import { statSync } from "node:fs";
import { stringify as stringifyToml } from "smol-toml";
import { z } from "zod";
import { SkillsyncError } from "../core/errors.js";
import { writeFileAtomic } from "./fs.js";
import { readTomlDoc, type TomlFormat } from "./toml-doc.js";

/** The credentials format version this build reads and writes. */
export const CREDENTIALS_VERSION = 1;

const remoteSchema = z.object({
  token: z.string().min(1, "must not be empty").optional(),
  user: z.string().min(1).optional(),
});

const credentialsSchema = z.object({
  version: z.number().int().min(1).optional(),
  remotes: z.record(z.string(), remoteSchema).default({}),
});

/** The credentials of one remote. */
export type RemoteCredentials = z.infer<typeof remoteSchema>;

/** The whole file: remote name → credentials. */
export interface Credentials {
  remotes: Record<string, RemoteCredentials>;
}

const FORMAT: TomlFormat<Credentials> = {
  what: "credentials file",
  code: "INVALID_CONFIG",
  version: CREDENTIALS_VERSION,
  schema: credentialsSchema as z.ZodType<Credentials>,
  arrayKey: "remotes",
};

/** Options of {@link readCredentials}. */
export interface ReadCredentialsOptions {
  /**
   * Read a file that group or others can access (only for a caller that rewrites it with mode 0600
   * right away). Default false: such a file is refused.
   */
  allowOpenMode?: boolean;
}

/**
 * Why `file` must not be used (ssh's rule, see the module comment), or undefined when it is fine or
 * absent. `stats` is injectable for tests.
 */
export function credentialsModeProblem(
  file: string,
  stats: { mode: number } | undefined = statOrUndefined(file),
): string | undefined {
  if (!stats || process.platform === "win32") return undefined;
  const mode = stats.mode & 0o777;
  if ((mode & 0o077) !== 0)
    return `credentials file ${file} has mode ${mode.toString(8).padStart(4, "0")}: it holds hub tokens and must not be accessible by group or others; run 'chmod 600 ${file}' (and replace the tokens if others may have read them)`;
  return undefined;
}

function statOrUndefined(file: string): { mode: number } | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Reads and validates the credentials file; a missing file has no remotes.
 * @throws SkillsyncError INVALID_CONFIG (bad TOML or fields, or a mode that lets group or others
 *   read it: see the module comment), UNSUPPORTED_VERSION (a newer version), UNREADABLE
 */
export function readCredentials(file: string, opts: ReadCredentialsOptions = {}): Credentials {
  if (!opts.allowOpenMode) {
    const problem = credentialsModeProblem(file);
    if (problem) throw new SkillsyncError("INVALID_CONFIG", problem, { file });
  }
  return { remotes: readTomlDoc(file, FORMAT)?.remotes ?? {} };
}

/** Writes the credentials file atomically with mode 0600 (through `store/fs`). */
export async function writeCredentials(file: string, creds: Credentials): Promise<void> {
  await writeFileAtomic(
    file,
    `${stringifyToml({ version: CREDENTIALS_VERSION, remotes: creds.remotes })}\n`,
    {
      mode: 0o600,
    },
  );
}

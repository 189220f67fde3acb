/**
 * The one error type of skillsync. Every failure a user can cause or meet is a {@link SkillsyncError}
 * with a `code` from {@link ERROR_CODES}; the CLI prints its message as one line and exits with the
 * code's exit status (DESIGN.md "Exit codes"). Anything else that escapes is an internal bug (exit 70).
 */

/** Exit statuses fixed by DESIGN.md. */
export const EXIT = {
  ok: 0,
  drift: 1,
  usage: 2,
  remote: 3,
  internal: 70,
} as const;

/** Error codes and the exit status each maps to. */
export const ERROR_CODES = {
  USAGE: EXIT.usage,
  INVALID_NAME: EXIT.usage,
  UNSAFE_PATH: EXIT.usage,
  NOT_FOUND: EXIT.usage,
  ALREADY_EXISTS: EXIT.usage,
  INVALID_ARTIFACT: EXIT.usage,
  INVALID_LOCK: EXIT.usage,
  INVALID_RECORD: EXIT.usage,
  INVALID_CONFIG: EXIT.usage,
  UNSUPPORTED_VERSION: EXIT.usage,
  UNREADABLE: EXIT.usage,
  PROJECT_MISSING: EXIT.usage,
  LOCKED: EXIT.usage,
  NEEDS_CONFIRMATION: EXIT.usage,
  DRIFT: EXIT.drift,
  CONFLICT: EXIT.drift,
  LOCAL_EDIT: EXIT.drift,
  REMOTE: EXIT.remote,
  GIT: EXIT.remote,
  WRITE_FAILED: EXIT.internal,
  INTERNAL: EXIT.internal,
} as const;

/** One of the keys of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Where in a file an error was found (1-based line). */
export interface ErrorLocation {
  file?: string;
  line?: number;
}

/**
 * A user-facing error: `message` says what went wrong and how to fix it; `file`/`line` say where.
 * @example throw new SkillsyncError("INVALID_NAME", "name 'A' must be lowercase", { file: "x/SKILL.md", line: 2 })
 */
export class SkillsyncError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;
  /** Extra machine-readable facts (e.g. the current revision on a 409). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    where: ErrorLocation & { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, where.cause === undefined ? undefined : { cause: where.cause });
    this.name = "SkillsyncError";
    this.code = code;
    this.file = where.file;
    this.line = where.line;
    this.details = where.details;
  }

  /** The process exit status for this error. */
  get exitCode(): number {
    return ERROR_CODES[this.code];
  }

  /** `file:line: message` (or just the message), the one line the CLI prints. */
  toLine(): string {
    if (this.file === undefined) return this.message;
    return this.line === undefined
      ? `${this.file}: ${this.message}`
      : `${this.file}:${this.line}: ${this.message}`;
  }
}

/** True when `e` is a {@link SkillsyncError}. */
export function isSkillsyncError(e: unknown): e is SkillsyncError {
  return e instanceof SkillsyncError;
}

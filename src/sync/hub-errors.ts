/** The hub client's errors: why a hub call failed, as a SkillsyncError with an exit code. */
import { SkillsyncError } from "../core/errors.js";

/** Why a hub call failed. */
export type HubErrorReason =
  | "unreachable"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "too_large"
  | "bad_request"
  | "rate_limited"
  | "server"
  | "invalid_response";

/** A failed hub call (code `REMOTE`, or `CONFLICT` for {@link HubConflictError}). */
export class HubError extends SkillsyncError {
  /** HTTP status, or undefined when the hub was not reached. */
  readonly status: number | undefined;
  readonly reason: HubErrorReason;
  constructor(input: {
    reason: HubErrorReason;
    status: number | undefined;
    message: string;
    code?: "REMOTE" | "CONFLICT";
    details?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super(input.code ?? "REMOTE", input.message, {
      details: { reason: input.reason, status: input.status, ...input.details },
      ...(input.cause === undefined ? {} : { cause: input.cause }),
    });
    this.name = "HubError";
    this.status = input.status;
    this.reason = input.reason;
  }
}

/** A `409`: the write was based on an old revision (or the artifact exists / no longer exists). */
export class HubConflictError extends HubError {
  /** The hub's current revision, or null when the artifact does not exist (any more). */
  readonly currentRevision: number | null;
  constructor(input: { message: string; currentRevision: number | null }) {
    super({
      reason: "conflict",
      status: 409,
      code: "CONFLICT",
      message: input.message,
      details: { current_revision: input.currentRevision },
    });
    this.name = "HubConflictError";
    this.currentRevision = input.currentRevision;
  }
}

/** True when `e` is a hub failure because the hub could not be reached (queue and retry later). */
export function isHubUnreachable(e: unknown): boolean {
  return e instanceof HubError && e.reason === "unreachable";
}

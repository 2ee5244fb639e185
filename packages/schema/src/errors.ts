/**
 * Every error code the API answers with, in `errors[].extensions.code`. Shared by the API
 * (which raises them) and every client (which turns them into messages and exit codes).
 */
export const ErrorCode = {
  /** The input is malformed or breaks a rule; `extensions.field` names the field when one is at fault. */
  BAD_USER_INPUT: "BAD_USER_INPUT",
  /** The addressed Project, Stage or other object does not exist (or is not visible to the caller). */
  NOT_FOUND: "NOT_FOUND",
  /** A uniqueness rule or an `expectedVersion` check failed; the message names the taken value. */
  CONFLICT: "CONFLICT",
  /** The object is not in a state that allows the operation (an illegal state-machine transition). */
  STATE_CONFLICT: "STATE_CONFLICT",
  /** No token, or a token that is unknown or revoked. */
  UNAUTHENTICATED: "UNAUTHENTICATED",
  /** A valid token without the right to do this. */
  FORBIDDEN: "FORBIDDEN",
  /** Too many failed attempts (sign-in); `extensions.retryAfterSeconds` says how long to wait. */
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
  /** The subscription's `after` cursor is older than the retained event log: refetch, then subscribe again. */
  RESYNC_REQUIRED: "RESYNC_REQUIRED",
  /**
   * The database cannot be reached right now (a restart, a failover, a lost connection): nothing
   * was done, or a write's outcome is unknown. Retry after a moment; HTTP answers 503.
   */
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  /** Anything else; the message is masked and the details are in the server log. */
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const errorCodes: readonly ErrorCode[] = Object.values(ErrorCode);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (errorCodes as readonly string[]).includes(value);
}

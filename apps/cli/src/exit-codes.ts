/**
 * The CLI's exit codes, one per kind of outcome, so that scripts can tell them apart. They
 * are documented in the README (section "CLI") and printed by `pergola --help`; keep the three
 * in step.
 */
import type { ErrorCode } from "@pergola/schema";

export const ExitCode = {
  OK: 0,
  /** Anything not listed below, and INTERNAL_SERVER_ERROR. */
  ERROR: 1,
  /** A bad command line (unknown command or option, missing argument), BAD_USER_INPUT, an invalid manifest or Outpost URI. */
  BAD_INPUT: 2,
  NOT_FOUND: 3,
  /** No access key or session, one the server does not take (UNAUTHENTICATED: unknown, disabled, expired), too many failed sign-ins (TOO_MANY_REQUESTS). */
  UNAUTHENTICATED: 4,
  /** The caller may not do this (FORBIDDEN), e.g. any mutation with a read-only key. */
  FORBIDDEN: 5,
  /** A taken ID or a changed `expectedVersion` (CONFLICT). */
  CONFLICT: 6,
  /** Not allowed in the object's state, e.g. suspending a suspended Stage (STATE_CONFLICT). */
  STATE_CONFLICT: 7,
  /** The `--after` cursor is older than the kept event log (RESYNC_REQUIRED). */
  RESYNC_REQUIRED: 8,
  /** The endpoint cannot be reached (no server, wrong URL), or its database cannot (SERVICE_UNAVAILABLE). */
  UNREACHABLE: 9,
  /** `--wait`: the Release FAILED (or another Release took the Stage first). */
  RELEASE_FAILED: 10,
  /** `--wait`: the Release did not reach DEPLOYED or FAILED within `--timeout`. */
  TIMED_OUT: 11,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** How each API error code (extensions.code) ends the CLI. */
export const exitCodeOf: Record<ErrorCode, ExitCode> = {
  BAD_USER_INPUT: ExitCode.BAD_INPUT,
  NOT_FOUND: ExitCode.NOT_FOUND,
  CONFLICT: ExitCode.CONFLICT,
  STATE_CONFLICT: ExitCode.STATE_CONFLICT,
  UNAUTHENTICATED: ExitCode.UNAUTHENTICATED,
  FORBIDDEN: ExitCode.FORBIDDEN,
  TOO_MANY_REQUESTS: ExitCode.UNAUTHENTICATED,
  RESYNC_REQUIRED: ExitCode.RESYNC_REQUIRED,
  SERVICE_UNAVAILABLE: ExitCode.UNREACHABLE,
  INTERNAL_SERVER_ERROR: ExitCode.ERROR,
};

/** What each API error code is called in the one-line message. */
export const labelOf: Record<ErrorCode, string> = {
  BAD_USER_INPUT: "invalid input",
  NOT_FOUND: "not found",
  CONFLICT: "conflict",
  STATE_CONFLICT: "not possible now",
  UNAUTHENTICATED: "not authenticated",
  FORBIDDEN: "forbidden",
  TOO_MANY_REQUESTS: "too many attempts",
  RESYNC_REQUIRED: "cursor too old",
  SERVICE_UNAVAILABLE: "unavailable, try again",
  INTERNAL_SERVER_ERROR: "server error",
};

/** The table `pergola --help` ends with. */
export const EXIT_CODE_HELP = `Exit codes:
  0  success (push release --wait: the Release is DEPLOYED)
  1  any other error; the server failed (INTERNAL_SERVER_ERROR)
  2  bad command line, invalid input (BAD_USER_INPUT), invalid manifest or Outpost URI
  3  not found (NOT_FOUND)
  4  no access key or session, a wrong, disabled or deleted key, an ended session: log in again
     (UNAUTHENTICATED); too many failed sign-ins (TOO_MANY_REQUESTS)
  5  you may not do this, e.g. a mutation with a read-only key (FORBIDDEN)
  6  conflict: a taken ID, a changed expected version (CONFLICT)
  7  not possible in the current state (STATE_CONFLICT)
  8  --after cursor older than the kept event log (RESYNC_REQUIRED)
  9  the endpoint cannot be reached, or its database cannot (SERVICE_UNAVAILABLE): try again
 10  --wait: the Release FAILED
 11  --wait: timed out`;

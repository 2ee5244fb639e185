/**
 * What every machine in `domain/` returns: the next state and the events to append, or a typed
 * refusal. Machines are pure: no database, no clock unless given one, no I/O. The services load
 * rows under their locks, call a machine, write what it decided and emit its events.
 */
import { AppError, ErrorCode } from "../errors.js";

/** Why a machine will not take an input. `code` is the AppError code a command's caller sees. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  /** Client-visible facts, as AppError's (`field` for bad input). */
  details?: Record<string, unknown>;
}

export type Outcome<S, E> = { next: S; events: E[] } | { refused: Refusal };

export function refuse(
  message: string,
  code: ErrorCode = ErrorCode.STATE_CONFLICT,
  details?: Record<string, unknown>,
): { refused: Refusal } {
  return { refused: details ? { code, message, details } : { code, message } };
}

export function isRefused<S, E>(outcome: Outcome<S, E>): outcome is { refused: Refusal } {
  return "refused" in outcome;
}

/** For commands: the refusal as the error the API answers with. */
export function accepted<S, E>(outcome: Outcome<S, E>): { next: S; events: E[] } {
  if (isRefused(outcome)) throw toAppError(outcome.refused);
  return outcome;
}

export function toAppError(refusal: Refusal): AppError {
  return new AppError(refusal.code, refusal.message, refusal.details);
}

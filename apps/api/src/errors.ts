/**
 * The one error type of the domain. Services throw `AppError`; `formatError` (graphql/errors.ts)
 * is the only place that turns errors into GraphQL `extensions.code`.
 */
import { ErrorCode } from "@pergola/schema";

export { ErrorCode };

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra, client-visible facts: `field` for bad input, `suggestion` for a taken ID. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const badInput = (field: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field, ...details });

export const notFound = (what: string) => new AppError(ErrorCode.NOT_FOUND, `${what} not found`);

export const stateConflict = (message: string) => new AppError(ErrorCode.STATE_CONFLICT, message);

export const forbidden = (message: string) => new AppError(ErrorCode.FORBIDDEN, message);

export const unauthenticated = (message: string) => new AppError(ErrorCode.UNAUTHENTICATED, message);

/** PostgreSQL error codes the services translate (never shown raw). */
export const PgCode = {
  uniqueViolation: "23505",
  foreignKeyViolation: "23503",
  serializationFailure: "40001",
  deadlockDetected: "40P01",
} as const;

export function pgErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

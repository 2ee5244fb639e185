/**
 * The one place where errors become GraphQL errors, for HTTP and WebSocket alike:
 * `AppError` keeps its code and message; GraphQL's own parse/validation/coercion errors are
 * BAD_USER_INPUT; a database that cannot be reached is SERVICE_UNAVAILABLE (HTTP 503, see
 * `answerUnavailableWith503`); anything else is INTERNAL_SERVER_ERROR with a masked message (logged).
 */
import type { ApolloServerPlugin } from "@apollo/server";
import { isDatabaseUnavailable } from "@pergola/db/client";
import { isErrorCode } from "@pergola/schema";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { Logger } from "pino";
import { AppError, ErrorCode } from "../errors.js";

const MASKED = "Internal server error";
const UNREADABLE = "The operation could not be read: it is too large or too deeply nested";
const UNAVAILABLE = "The database cannot be reached right now; try again";

/** The AppError for a request that failed because the database cannot be reached. */
export const serviceUnavailable = () => new AppError(ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE);

/**
 * An HTTP answer whose errors include SERVICE_UNAVAILABLE has status 503, so proxies and
 * plain HTTP clients see a retryable failure rather than a 200 with errors.
 */
export const answerUnavailableWith503: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
        if (errors?.some((error) => error.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) response.http.status = 503;
      },
    };
  },
};

export interface FormatOptions {
  logger: Logger;
  /** Hide "Did you mean …?" hints, which leak the schema, in production. */
  hideSchemaDetails: boolean;
}

export function createFormatError({ logger, hideSchemaDetails }: FormatOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrap(error);
    if (original instanceof AppError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { ...original.details, code: original.code },
      };
    }
    const code = formatted.extensions?.code;
    if (isRuntimeFailureAsInput(original, code)) {
      // The client's input made the runtime fail (a stack overflow while parsing, say): still
      // the client's error, but the runtime's words stay here.
      logger.error({ err: original }, "an operation's input made the runtime fail");
      return { message: UNREADABLE, extensions: { code: ErrorCode.BAD_USER_INPUT } };
    }
    const isGraphQLOwn = original instanceof GraphQLError && !original.originalError;
    if (isGraphQLOwn || code === "GRAPHQL_PARSE_FAILED" || code === "GRAPHQL_VALIDATION_FAILED" || code === "BAD_USER_INPUT") {
      const message = hideSchemaDetails ? formatted.message.replace(/ ?Did you mean .*\?$/, "") : formatted.message;
      return { ...formatted, message, extensions: { ...formatted.extensions, code: ErrorCode.BAD_USER_INPUT } };
    }
    if (isErrorCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) return formatted;
    if (isDatabaseUnavailable(original)) {
      logger.warn({ err: original }, "the database is unavailable");
      return {
        message: UNAVAILABLE,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
      };
    }
    logger.error({ err: original }, "unexpected error in a GraphQL operation");
    return { message: MASKED, locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

/** For errors raised outside GraphQL execution (context building): an AppError as a GraphQLError. */
export function toGraphQLError(error: AppError, httpStatus?: number): GraphQLError {
  return new GraphQLError(error.message, {
    // Keeps the AppError reachable, so formatError keeps its code instead of taking this for
    // one of GraphQL's own (BAD_USER_INPUT) errors.
    originalError: error,
    extensions: { ...error.details, code: error.code, ...(httpStatus ? { http: { status: httpStatus } } : {}) },
  });
}

/** A parse or input error whose cause is no GraphQL error but the runtime's own (RangeError…). */
function isRuntimeFailureAsInput(original: unknown, code: unknown): boolean {
  if (original instanceof RangeError) return true;
  return (
    (code === "GRAPHQL_PARSE_FAILED" || code === "GRAPHQL_VALIDATION_FAILED") &&
    original instanceof Error &&
    !(original instanceof GraphQLError)
  );
}

/** The error behind GraphQL's wrappers (resolver errors, and stream errors that carry no path). */
function unwrap(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

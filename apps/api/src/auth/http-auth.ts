/** The bearer token of an HTTP request, for GraphQL and the REST routes (artifacts) alike. */
import type { IncomingMessage } from "node:http";
import { isDatabaseUnavailable } from "@pergola/db/client";
import type { Logger } from "pino";
import { AppError, ErrorCode, unauthenticated } from "../errors.js";
import { serviceUnavailable } from "../graphql/errors.js";
import { anonymousActor, type Actor } from "./actor.js";
import type { TokenService } from "./token.service.js";

/** An AppError with the HTTP status the request should be answered with. */
export class HttpError extends AppError {
  constructor(
    readonly status: number,
    error: AppError,
  ) {
    super(error.code, error.message, error.details);
  }
}

/**
 * The caller of a request. No Authorization header: ANONYMOUS, who may only sign in (the
 * operation gate refuses the rest with 401). A header that is not a known, enabled credential: 401.
 */
export async function authenticateRequest(tokens: TokenService, logger: Logger, req: IncomingMessage): Promise<Actor> {
  const header = req.headers.authorization;
  if (header === undefined) return anonymousActor(req.socket.remoteAddress);
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!token) throw new HttpError(401, unauthenticated("Send an access key or a session token: Authorization: Bearer <token>"));
  const actor = await tokens.getActor(token).catch((error: unknown) => {
    // The caller cannot be known now: "try again" (503). A database that cannot be reached says
    // so (SERVICE_UNAVAILABLE, as any operation would answer then); anything else is masked.
    if (isDatabaseUnavailable(error)) {
      logger.warn({ err: error }, "token lookup failed: the database is unavailable");
      throw new HttpError(503, serviceUnavailable());
    }
    logger.error({ err: error }, "token lookup failed");
    throw new HttpError(503, new AppError(ErrorCode.INTERNAL_SERVER_ERROR, "Internal server error"));
  });
  // One answer for a wrong secret, a malformed key, a disabled key or user and an ended session.
  if (!actor) throw new HttpError(401, unauthenticated("Unknown, disabled or expired access key or session"));
  return actor;
}

/** Like authenticateRequest, for routes that have nothing for anonymous callers. */
export async function authenticateCaller(tokens: TokenService, logger: Logger, req: IncomingMessage): Promise<Actor> {
  const actor = await authenticateRequest(tokens, logger, req);
  if (actor.role === "ANONYMOUS")
    throw new HttpError(401, unauthenticated("Send an access key or a session token: Authorization: Bearer <token>"));
  return actor;
}

/** The bearer token of an HTTP request, for GraphQL and the REST routes (artifacts) alike. */
import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { AppError, ErrorCode, unauthenticated } from "../errors.js";
import type { Actor, TokenService } from "./token.service.js";

/** An AppError with the HTTP status the request should be answered with. */
export class HttpError extends AppError {
  constructor(
    readonly status: number,
    error: AppError,
  ) {
    super(error.code, error.message, error.details);
  }
}

export async function authenticateRequest(tokens: TokenService, logger: Logger, req: IncomingMessage): Promise<Actor> {
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (!token) throw new HttpError(401, unauthenticated("Send an API token: Authorization: Bearer pgl_…"));
  const actor = await tokens.getActor(token).catch((error: unknown) => {
    // The database is unreachable: "try again" (503), masked, rather than a 500.
    logger.error({ err: error }, "token lookup failed");
    throw new HttpError(503, new AppError(ErrorCode.INTERNAL_SERVER_ERROR, "Internal server error"));
  });
  if (!actor) throw new HttpError(401, unauthenticated("Unknown or revoked API token"));
  return actor;
}

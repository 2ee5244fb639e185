/**
 * The browser's side of SSO (oidc.service.ts has the flow):
 * - `GET /auth/oidc/start?returnTo=<dashboard URL>&challenge=<S256 of a verifier>` → 302 to the provider;
 * - `GET /auth/oidc/callback` (the provider's redirect URI) → 302 to `returnTo` with `code` or `error`;
 * - `POST /auth/oidc/exchange` `{ code, verifier }` → `{ token, expiresAt, user }` (the dashboard's server).
 * What has no safe place to redirect to is answered as JSON in the GraphQL error shape, never a 500 page.
 */
import express from "express";
import type { Logger } from "pino";
import { AppError, ErrorCode } from "../../errors.js";
import type { OidcService } from "./oidc.service.js";

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.NOT_FOUND]: 404,
};

export function oidcRoutes(oidc: OidcService, logger: Logger): express.Router {
  const router = express.Router();
  // Codes and states travel in these URLs: no page may leak them in a Referer, no cache keep them.
  router.use((_req, res, next) => {
    res.setHeader("cache-control", "no-store");
    res.setHeader("referrer-policy", "no-referrer");
    next();
  });

  router.get("/start", async (req, res) => {
    try {
      res.redirect(302, (await oidc.start(text(req.query.returnTo), text(req.query.challenge))).href);
    } catch (error) {
      sendError(res, error, logger);
    }
  });

  router.get("/callback", async (req, res) => {
    try {
      const query = new URLSearchParams(req.originalUrl.split("?")[1] ?? "");
      res.redirect(302, (await oidc.finish(query, req.ip ?? req.socket.remoteAddress ?? "unknown")).href);
    } catch (error) {
      sendError(res, error, logger);
    }
  });

  router.post("/exchange", express.json({ limit: "4kb" }), async (req, res) => {
    try {
      const body = (req.body ?? {}) as { code?: unknown; verifier?: unknown };
      const session = await oidc.exchange(text(body.code), text(body.verifier));
      const { id, email, name, isAdmin } = session.user;
      res.json({ token: session.token, expiresAt: session.expiresAt.toISOString(), user: { id, email, name, isAdmin } });
    } catch (error) {
      sendError(res, error, logger);
    }
  });

  return router;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function sendError(res: express.Response, error: unknown, logger: Logger): void {
  if (error instanceof AppError) {
    res
      .status(STATUS[error.code] ?? 400)
      .json({ errors: [{ message: error.message, extensions: { ...error.details, code: error.code } }] });
    return;
  }
  logger.error({ err: error }, "SSO request failed");
  res.status(503).json({ errors: [{ message: "Internal server error", extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
}

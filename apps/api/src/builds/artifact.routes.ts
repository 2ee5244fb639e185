/**
 * `POST /artifacts?project=<slug>` (a tar.gz body; answers 201 `{ sha256, size }`) and
 * `GET /artifacts/<sha256>` (the stored bytes). Both need a token. Uploading needs the right to
 * write in the Project (policy "project.write"); reading is for the members of a Project it was
 * uploaded for, admins, and the agents that run it ("artifact.read") — anyone else gets the 404
 * of a missing artifact. Errors are JSON in the GraphQL shape,
 * `{ errors: [{ message, extensions: { code } }] }`, never a 500 page.
 */
import { pipeline } from "node:stream/promises";
import express from "express";
import type { Logger } from "pino";
import { authenticateCaller, HttpError } from "../auth/http-auth.js";
import { authorize } from "../auth/policy.js";
import type { TokenService } from "../auth/token.service.js";
import { AppError, badInput, ErrorCode } from "../errors.js";
import type { ProjectService } from "../projects/project.service.js";
import { ArtifactRefusedError, ArtifactTooLargeError, SHA256_PATTERN, type ArtifactService } from "./artifact.service.js";

export function artifactRoutes(store: ArtifactService, tokens: TokenService, projects: ProjectService, logger: Logger): express.Router {
  const router = express.Router();

  router.post("/", async (req, res) => {
    try {
      const actor = await authenticateCaller(tokens, logger, req);
      const slug = req.query.project;
      if (typeof slug !== "string" || slug === "") {
        throw badInput("project", "name the Project the artifact is for: POST /artifacts?project=<project>");
      }
      // Before a byte is read: a caller who may not write in the Project uploads nothing.
      const project = await projects.requireProject(actor, slug, "project.write");
      const declared = Number(req.headers["content-length"]);
      if (Number.isFinite(declared) && declared > store.maxBytes) throw new ArtifactTooLargeError(store.maxBytes);
      const stored = await store.put(req, project.id);
      res.status(201).json(stored);
    } catch (error) {
      // Stop reading an upload we refuse: the client gets its answer now.
      if (!req.complete) res.setHeader("connection", "close");
      sendArtifactError(res, error, logger);
    }
  });

  router.get("/:sha256", async (req, res) => {
    try {
      const actor = await authenticateCaller(tokens, logger, req);
      const sha256 = req.params.sha256;
      if (!SHA256_PATTERN.test(sha256)) throw badInput("sha256", "must be 64 lowercase hex digits");
      authorize(actor, "artifact.read", await store.access(actor, sha256));
      const { stream, size } = await store.open(sha256);
      res.status(200).type("application/gzip").setHeader("content-length", String(size));
      await pipeline(stream, res);
    } catch (error) {
      if (!res.headersSent) sendArtifactError(res, error, logger);
      else res.destroy();
    }
  });

  return router;
}

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
};

export function sendArtifactError(res: express.Response, error: unknown, logger: Logger): void {
  if (error instanceof AppError) {
    const status =
      error instanceof HttpError || error instanceof ArtifactRefusedError
        ? error.status
        : error instanceof ArtifactTooLargeError
          ? 413
          : (STATUS[error.code] ?? 400);
    res.status(status).json({ errors: [{ message: error.message, extensions: { ...error.details, code: error.code } }] });
    return;
  }
  logger.error({ err: error }, "artifact request failed");
  res.status(503).json({ errors: [{ message: "Internal server error", extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
}

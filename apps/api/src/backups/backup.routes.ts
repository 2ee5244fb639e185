/**
 * `POST /backups/<backup>/storages/<component>/<volume>?sha256=<hex>`: an agent's upload of one
 * storage's archive (a tar.gz, at most PERGOLA_MAX_ARTIFACT_BYTES), for a backup of a Stage on
 * its Outpost. The bytes go through the ArtifactService (checked as an archive, kept in the
 * artifact store for the Stage's Project); a hash other than the agent's `sha256` is refused,
 * so a copy damaged on the way never makes a backup READY. Answers 201 `{ sha256, size }`.
 */
import express from "express";
import type { Logger } from "pino";
import { authenticateCaller } from "../auth/http-auth.js";
import { authorize } from "../auth/policy.js";
import type { TokenService } from "../auth/token.service.js";
import { sendArtifactError } from "../builds/artifact.routes.js";
import { ArtifactTooLargeError, SHA256_PATTERN, type ArtifactService } from "../builds/artifact.service.js";
import { badInput } from "../errors.js";
import type { BackupService } from "./backup.service.js";

export function backupRoutes(
  backupService: BackupService,
  artifacts: ArtifactService,
  tokens: TokenService,
  logger: Logger,
): express.Router {
  const router = express.Router();

  router.post("/:backup/storages/:component/:volume", async (req, res) => {
    try {
      const actor = await authenticateCaller(tokens, logger, req);
      // Only agents take backups; before a byte is read.
      authorize(actor, "agent.act", undefined);
      const expected = req.query.sha256;
      if (typeof expected !== "string" || !SHA256_PATTERN.test(expected)) throw badInput("sha256", "must be 64 lowercase hex digits");
      const declared = Number(req.headers["content-length"]);
      if (Number.isFinite(declared) && declared > artifacts.maxBytes) throw new ArtifactTooLargeError(artifacts.maxBytes);
      const name = `${req.params.component}/${req.params.volume}`;
      const projectId = await backupService.getProjectOfAgentBackup(actor.outpost!, req.params.backup);
      const stored = await artifacts.put(req, projectId);
      if (stored.sha256 !== expected) throw badInput("sha256", `the upload's SHA-256 is ${stored.sha256}, not ${expected}`);
      await backupService.recordStorage(actor.outpost!, req.params.backup, name, stored.sha256, stored.size);
      res.status(201).json(stored);
    } catch (error) {
      if (!req.complete) res.setHeader("connection", "close");
      sendArtifactError(res, error, logger);
    }
  });

  return router;
}

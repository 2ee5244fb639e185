/**
 * `GET /metrics`: the Prometheus text format. Open by default, like most exporters on a private
 * network; with PERGOLA_METRICS_TOKEN, only for `Authorization: Bearer <token>` (Prometheus's
 * `authorization` / `bearer_token_file`), compared in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import express from "express";
import type { Logger } from "pino";
import type { Metrics } from "./metrics.js";

export function metricsRoutes(metrics: Metrics, logger: Logger, token?: string): express.Router {
  const router = express.Router();
  const expected = token ? digest(token) : undefined;
  router.get("/", async (req, res) => {
    if (expected) {
      const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!given || !timingSafeEqual(digest(given), expected)) {
        res.status(401).setHeader("www-authenticate", 'Bearer realm="metrics"').type("text/plain").send("metrics need a bearer token\n");
        return;
      }
    }
    try {
      const { body, contentType } = await metrics.scrape();
      res.type(contentType).send(body);
    } catch (error) {
      logger.warn({ err: error }, "metrics could not be read");
      res.status(503).type("text/plain").send("metrics unavailable: the database cannot be read\n");
    }
  });
  return router;
}

/** Equal-length inputs for timingSafeEqual, whatever the lengths given. */
function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

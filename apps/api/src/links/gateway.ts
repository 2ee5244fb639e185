/**
 * The gateway behind shareable links, HTTP and WebSocket alike (http-proxy-3):
 *   path form  /s/<project>/<stage>/<host>/…             (any client)
 *   host form  <host>.<stage>.<project>.localhost:<port>  (browsers and curl resolve *.localhost),
 *              and <host>.<stage>.<project>.<PERGOLA_LINKS_DOMAIN> when one is set
 * A suspended Stage, or a stopped Component (stopComponent), answers 503 with a page saying so; a Component otherwise not running, 502.
 * Links are public, like a deployed app's URL: no token (the app does its own auth).
 * The path is normalized once (runtime links/link-path.ts) and the ingress chosen and the request
 * forwarded on that same path. Parsing, the choice of ingress and the pages are @pergola/runtime's `links/`, shared with
 * the Outpost Agent's gateway, which serves the same links at its own `--public-url`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import {
  isLinkRequestRefusal,
  parseLinkRequest,
  writeLinkPage,
  writeLinkRefusal,
  writeLinkRequestRefusal,
  writeLinkUnreachable,
  writeLinkUpgradeRefusal,
  writeLinkUpgradeRequestRefusal,
  type LinkRequest,
} from "@pergola/runtime/links";
import { createProxyServer } from "http-proxy-3";
import type { Logger } from "pino";
import type { LinkService, LinkTarget } from "./link.service.js";

export function createGateway(links: LinkService, logger: Logger) {
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: 120_000 });
  proxy.on("error", (error) => logger.debug({ err: error }, "link proxy error"));

  async function targetOf(link: LinkRequest): Promise<LinkTarget> {
    return links.resolve(link.project, link.stage, link.host, link.path);
  }

  return {
    /** Express-style handler; answers link requests and passes the rest on. */
    async handle(req: IncomingMessage, res: ServerResponse, next: () => void): Promise<void> {
      const link = parseLinkRequest(req, links.hostDomains);
      if (!link) return next();
      if (isLinkRequestRefusal(link)) return writeLinkRequestRefusal(res, link.refusal);
      const target = await targetOf(link).catch((error: unknown) => {
        logger.error({ err: error }, "link lookup failed");
        return null;
      });
      if (!target) return writeLinkPage(res, 503, "Unavailable", "The link cannot be looked up right now. Try again in a moment.");
      if (target.kind !== "target") return writeLinkRefusal(res, target, link);
      req.url = link.url;
      proxy.web(req, res, { target: target.url }, () => writeLinkUnreachable(res, link));
    },
    /** WebSocket upgrades of link requests; false when the upgrade is not for a link. */
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      const link = parseLinkRequest(req, links.hostDomains);
      if (!link) return false;
      if (isLinkRequestRefusal(link)) {
        writeLinkUpgradeRequestRefusal(socket, link.refusal);
        return true;
      }
      void targetOf(link).then(
        (target) => {
          if (target.kind !== "target") return writeLinkUpgradeRefusal(socket, target);
          req.url = link.url;
          proxy.ws(req, socket, head, { target: target.url }, () => socket.destroy());
        },
        () => socket.destroy(),
      );
      return true;
    },
    close(): void {
      proxy.close();
    },
  };
}

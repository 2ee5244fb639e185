/**
 * The gateway behind shareable links, HTTP and WebSocket alike (http-proxy-3):
 *   path form  /s/<project>/<stage>/<host>/…             (any client)
 *   host form  <host>.<stage>.<project>.localhost:<port>  (browsers and curl resolve *.localhost)
 * A suspended Stage answers 503 with a page saying so; a Component that is not running, 502.
 * Links are public, like a deployed app's URL: no token (the app does its own auth).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import type { Logger } from "pino";
import type { LinkService, LinkTarget } from "./link.service.js";

interface LinkRequest {
  project: string;
  stage: string;
  host: string;
  /** The path the Component sees. */
  path: string;
}

const PATH_FORM = /^\/s\/([a-z0-9-]+)\/([a-z0-9-]+)\/([a-z0-9-]+)(\/[^?#]*)?(\?.*)?$/;
const HOST_FORM = /^([a-z0-9-]+)\.([a-z0-9-]+)\.([a-z0-9-]+)\.localhost(:\d+)?$/;

/** The link a request is for, or null when it is an API request. */
export function parseLinkRequest(req: IncomingMessage): (LinkRequest & { url: string }) | null {
  const url = req.url ?? "/";
  const hostMatch = HOST_FORM.exec((req.headers.host ?? "").toLowerCase());
  if (hostMatch) {
    const [, host, stage, project] = hostMatch;
    return { project: project!, stage: stage!, host: host!, path: url.split("?")[0]!, url };
  }
  const pathMatch = PATH_FORM.exec(url);
  if (!pathMatch) return null;
  const [, project, stage, host, rest, query] = pathMatch;
  const path = rest || "/";
  return { project: project!, stage: stage!, host: host!, path, url: path + (query ?? "") };
}

export function createGateway(links: LinkService, logger: Logger) {
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: 120_000 });
  proxy.on("error", (error) => logger.debug({ err: error }, "link proxy error"));

  async function targetOf(link: LinkRequest): Promise<LinkTarget> {
    return links.resolve(link.project, link.stage, link.host, link.path);
  }

  return {
    /** Express-style handler; answers link requests and passes the rest on. */
    async handle(req: IncomingMessage, res: ServerResponse, next: () => void): Promise<void> {
      const link = parseLinkRequest(req);
      if (!link) return next();
      const target = await targetOf(link).catch((error: unknown) => {
        logger.error({ err: error }, "link lookup failed");
        return null;
      });
      if (!target) return page(res, 503, "Unavailable", "The link cannot be looked up right now. Try again in a moment.");
      if (target.kind !== "target") return refuse(res, target, link);
      req.url = link.url;
      proxy.web(req, res, { target: target.url }, () => {
        if (!res.headersSent) page(res, 502, "Component unreachable", `The Component behind ${link.host} does not answer.`);
        else res.end();
      });
    },
    /** WebSocket upgrades of link requests; false when the upgrade is not for a link. */
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      const link = parseLinkRequest(req);
      if (!link) return false;
      void targetOf(link).then(
        (target) => {
          if (target.kind !== "target") return socket.end(`HTTP/1.1 ${target.kind === "suspended" ? "503 Service Unavailable" : "502 Bad Gateway"}\r\nConnection: close\r\n\r\n`);
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

function refuse(res: ServerResponse, target: Exclude<LinkTarget, { kind: "target" }>, link: LinkRequest): void {
  if (target.kind === "suspended") {
    return page(res, 503, "Stage suspended", `The Stage “${link.stage}” of “${link.project}” is suspended. It answers again once it is resumed.`);
  }
  if (target.kind === "down") {
    return page(res, 502, "Component not running", `The Component “${target.component}” of the Stage “${link.stage}” is ${target.state.toLowerCase()}, not running.`);
  }
  page(res, 404, "No such link", `Nothing in “${link.project}/${link.stage}” answers to “${link.host}”.`);
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const html = `<!doctype html><meta charset="utf-8"><title>${title} · Pergola</title>
<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#1f2328}h1{font-size:1.4rem}</style>
<h1>${title}</h1><p>${escapeHtml(text)}</p><p><small>${status} · served by Pergola</small></p>`;
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

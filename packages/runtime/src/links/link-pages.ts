/**
 * What a link answers when it does not reach the Component: the same pages from every gateway,
 * so a link behaves alike whether the API or an Outpost Agent serves it.
 */
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { LinkPathRefusal } from "./link-path.js";
import type { LinkRequest } from "./link-request.js";

/** Where a link leads, or why it leads nowhere right now. */
export type LinkTarget =
  | { kind: "target"; url: string }
  | { kind: "suspended"; stage: string }
  | { kind: "down"; component: string; state: string }
  /** The Stage runs on an Outpost whose agent serves its links: a redirect to that gateway. */
  | { kind: "elsewhere"; url: string; outpost: string }
  | { kind: "unknown" };

export type LinkRefusal = Exclude<LinkTarget, { kind: "target" }>;

type PageLink = Pick<LinkRequest, "project" | "stage" | "host">;

/** 503 while the Stage is suspended or the Component stopped (stopComponent), 502 while it is otherwise not running, 404 for no such link. */
export function writeLinkRefusal(res: ServerResponse, target: LinkRefusal, link: PageLink): void {
  if (target.kind === "suspended") {
    writeLinkPage(
      res,
      503,
      "Stage suspended",
      `The Stage “${link.stage}” of “${link.project}” is suspended. It answers again once it is resumed.`,
    );
    return;
  }
  if (target.kind === "elsewhere") {
    res.writeHead(307, { location: target.url, "cache-control": "no-store" }).end();
    return;
  }
  if (target.kind === "down" && target.state === "STOPPED") {
    // Stopped on purpose (stopComponent), as a suspended Stage is: unavailable until started, not broken.
    writeLinkPage(
      res,
      503,
      "Component stopped",
      `The Component “${target.component}” of the Stage “${link.stage}” is stopped. It answers again once it is started.`,
    );
    return;
  }
  if (target.kind === "down") {
    writeLinkPage(
      res,
      502,
      "Component not running",
      `The Component “${target.component}” of the Stage “${link.stage}” is ${target.state.toLowerCase()}, not running.`,
    );
    return;
  }
  writeLinkPage(res, 404, "No such link", `Nothing in “${link.project}/${link.stage}” answers to “${link.host}”.`);
}

/** 502 when the proxied request failed: the Component runs but does not answer. */
export function writeLinkUnreachable(res: ServerResponse, link: PageLink): void {
  if (!res.headersSent) writeLinkPage(res, 502, "Component unreachable", `The Component behind ${link.host} does not answer.`);
  else res.end();
}

/** A WebSocket upgrade gets no page, only the status line: 503 while suspended or stopped, else 502. */
export function writeLinkUpgradeRefusal(socket: Duplex, target: LinkRefusal): void {
  const unavailable = target.kind === "suspended" || (target.kind === "down" && target.state === "STOPPED");
  socket.end(`HTTP/1.1 ${unavailable ? "503 Service Unavailable" : "502 Bad Gateway"}\r\nConnection: close\r\n\r\n`);
}

/** 400 or 414 for a link request refused before any lookup; an upgrade gets only the status line. */
export function writeLinkRequestRefusal(res: ServerResponse, refusal: LinkPathRefusal): void {
  writeLinkPage(
    res,
    refusal.status,
    refusal.status === 414 ? "Link address too long" : "Bad link address",
    `This address cannot be served: ${refusal.reason}.`,
  );
}

export function writeLinkUpgradeRequestRefusal(socket: Duplex, refusal: LinkPathRefusal): void {
  const text = refusal.status === 414 ? "414 URI Too Long" : "400 Bad Request";
  socket.end(`HTTP/1.1 ${text}\r\nConnection: close\r\n\r\n`);
}

/** A small HTML page; never cached, since the answer changes as soon as the Stage does. */
export function writeLinkPage(res: ServerResponse, status: number, title: string, text: string): void {
  const html = `<!doctype html><meta charset="utf-8"><title>${title} · Pergola</title>
<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#1f2328}h1{font-size:1.4rem}</style>
<h1>${title}</h1><p>${escapeHtml(text)}</p><p><small>${status} · served by Pergola</small></p>`;
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

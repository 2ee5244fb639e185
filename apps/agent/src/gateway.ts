/**
 * The links gateway of an Outpost Agent. On a remote Outpost the Components run on the agent's
 * machine, out of the control plane's reach, so the agent serves their shareable links itself,
 * at its `--public-url`: the same two forms and the same pages as the API's gateway
 * (`@pergola/runtime` links/), HTTP and WebSocket alike (http-proxy-3):
 *   path form  <public-url>/s/<project>/<stage>/<host>/…
 *   host form  http://<host>.<stage>.<project>.localhost:<port>/
 * 503 while the Stage is suspended or the Component stopped, 502 while it is otherwise not running, 404 otherwise.
 * It reads the Stages through `LinkStageSource` and knows nothing of sockets to the API or GraphQL.
 * It tells `onForward` of each request (and WebSocket) it forwards to a Stage: the API, which
 * does not see this traffic, hears of it in the agent's reports (auto-suspend counts on it).
 */
import { Agent, createServer, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import {
  getIngress,
  isLinkRequestRefusal,
  parseLinkRequest,
  writeLinkPage,
  writeLinkRefusal,
  writeLinkRequestRefusal,
  writeLinkUnreachable,
  writeLinkUpgradeRefusal,
  writeLinkUpgradeRequestRefusal,
  type ComponentStatus,
  type LinkRequest,
  type LinkTarget,
  type Manifest,
} from "@pergola/runtime";
import { createProxyServer } from "http-proxy-3";
import { listenHttp } from "./listen.js";
import type { AgentLogger } from "./ports.js";

/** One Stage this agent runs, as much as a link needs of it. */
export interface LinkStage {
  /** True: every link of the Stage answers 503. */
  suspended: boolean;
  /** The manifest of the Stage's Release (its `ingresses[]`); null while it has none. */
  manifest: Pick<Manifest, "components"> | null;
  /** The Components of that Release as the runtime reports them: where each listens, and whether it runs. */
  components: Pick<ComponentStatus, "name" | "host" | "state">[];
}

export interface LinkStageSource {
  /** The Stage `<project>/<stage>` (the runtime's stageKey), or undefined when this agent does not run it. */
  getStage(key: string): LinkStage | undefined;
}

export interface GatewayOptions {
  /** The agent's `--public-url`. The gateway listens on its host and port (80, or 443 for https, when it has none). */
  publicUrl: string;
  /** Overrides where to listen, e.g. `{ host: "127.0.0.1", port: 0 }` in tests. Default: the public URL's. */
  listen?: { host?: string; port?: number };
  stages: LinkStageSource;
  logger: AgentLogger;
  /** Told of each request or WebSocket forwarded to a Component of the Stage `key` (`<project>/<stage>`). */
  onForward?: (key: string) => void;
}

export interface Gateway {
  /** The URL the gateway listens on (the public URL's, unless `listen` overrode it). */
  url: string;
  /** Stops listening and ends every open connection, proxied WebSockets included. */
  close(): Promise<void>;
}

/** Where a link leads, by the same rules as the API's LinkService. */
export function getLinkTarget(stage: LinkStage | undefined, link: LinkRequest): LinkTarget {
  if (!stage) return { kind: "unknown" };
  if (stage.suspended) return { kind: "suspended", stage: link.stage };
  const ingress = getIngress(stage.manifest, link.host, link.path);
  if (!ingress) return { kind: "unknown" };
  const component = stage.components.find((c) => c.name === ingress.component);
  if (!component?.host || component.state !== "RUNNING") {
    return { kind: "down", component: ingress.component, state: component?.state ?? "PENDING" };
  }
  return { kind: "target", url: `http://${component.host}:${ingress.port}` };
}

/** Starts the gateway; resolves once it listens, rejects when it cannot (the port is taken, say). */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { stages, logger, onForward = () => {} } = options;
  const publicUrl = new URL(options.publicUrl);
  const host = options.listen?.host ?? publicUrl.hostname.replace(/^\[|\]$/g, "");
  const port = options.listen?.port ?? (publicUrl.port ? Number(publicUrl.port) : publicUrl.protocol === "https:" ? 443 : 80);

  // Its own keep-alive pool to the Components, so close() can end those connections too.
  const agent = new Agent({ keepAlive: true });
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: 120_000, agent });
  proxy.on("error", (error) => logger.debug({ err: error }, "link proxy error"));
  const upgraded = new Set<Duplex>();

  const targetOf = (link: LinkRequest) => getLinkTarget(stages.getStage(`${link.project}/${link.stage}`), link);

  const server = createServer((req, res) => {
    const link = parseLinkRequest(req);
    if (!link) return writeLinkPage(res, 404, "No such link", NOT_A_LINK);
    if (isLinkRequestRefusal(link)) return writeLinkRequestRefusal(res, link.refusal);
    const target = targetOf(link);
    if (target.kind !== "target") return writeLinkRefusal(res, target, link);
    onForward(`${link.project}/${link.stage}`);
    req.url = link.url;
    proxy.web(req, res, { target: target.url }, () => writeLinkUnreachable(res, link));
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that goes away mid-handshake must not crash the agent.
    socket.on("error", () => socket.destroy());
    const link = parseLinkRequest(req);
    if (!link) return void socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
    if (isLinkRequestRefusal(link)) return writeLinkUpgradeRequestRefusal(socket, link.refusal);
    const target = targetOf(link);
    if (target.kind !== "target") return writeLinkUpgradeRefusal(socket, target);
    onForward(`${link.project}/${link.stage}`);
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    req.url = link.url;
    proxy.ws(req, socket, head, { target: target.url }, () => socket.destroy());
  });

  const url = await listenHttp(server, port, host);
  logger.info({ url, publicUrl: options.publicUrl }, "serving the Stages' links");

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
        proxy.close();
        agent.destroy();
      });
      return closing;
    },
  };
}

const NOT_A_LINK = "This address serves the links of the Stages this Outpost Agent runs: /s/<project>/<stage>/<host>/…";

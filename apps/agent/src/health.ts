/**
 * The agent's own `/healthz`, on a port of its own (`--health-port`, loopback unless
 * `--health-host` says otherwise), not on the links gateway: the gateway is public, and in its
 * host form every path of `<host>.<stage>.<project>.localhost` belongs to a Stage's app.
 *
 *   GET /healthz → 200 {"status":"ok","outpost":"edge-7","connected":true,"version":"0.1.0"}
 *                → 503 with status "connecting" (socket open, no heartbeat accepted yet),
 *                  "refused" (the server refuses this session's heartbeats, with `reason`) or
 *                  "disconnected" (no socket to the API).
 *   GET /metrics → the agent's Prometheus metrics (metrics.ts), when it has them.
 */
import { createServer } from "node:http";
import type { ConnectionState } from "./connection.js";
import { listenHttp } from "./listen.js";
import type { Registry } from "prom-client";
import type { AgentLogger } from "./ports.js";

export interface Health {
  status: "ok" | "connecting" | "refused" | "disconnected";
  /** The Outpost the server says this agent's token acts for; null before any heartbeat was answered. */
  outpost: string | null;
  connected: boolean;
  /** The agent's package version. */
  version: string;
  /** With status "refused": why. */
  reason?: string;
}

/** Healthy means: connected, and the server accepts this session's heartbeats. */
export function getHealth(state: ConnectionState, version: string): Health {
  const base = { outpost: state.outpost, connected: state.connected, version };
  if (!state.connected) return { status: "disconnected", ...base };
  if (state.refused) return { status: "refused", ...base, reason: state.refused };
  if (!state.accepted) return { status: "connecting", ...base };
  return { status: "ok", ...base };
}

export interface HealthServerOptions {
  /** Where to listen; port 0 picks a free one (tests). Host default 127.0.0.1. */
  listen: { host?: string; port: number };
  /** Read on every request. */
  getHealth(): Health;
  /** Served at /metrics. */
  metrics?: Registry;
  logger: AgentLogger;
}

export interface HealthServer {
  /** `http://host:port`; /healthz is below it. */
  url: string;
  close(): Promise<void>;
}

/** Resolves once it listens; rejects when it cannot (the port is taken, say). */
export async function createHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://agent").pathname;
    const metrics = options.metrics;
    if (path === "/metrics" && metrics && req.method === "GET") {
      metrics.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" }).end(text),
        () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable\n"),
      );
      return;
    }
    if (path !== "/healthz") {
      res.writeHead(404, { "content-type": "text/plain" }).end(`Not found: this port serves /healthz${metrics ? " and /metrics" : ""}\n`);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("GET or HEAD\n");
      return;
    }
    const health = options.getHealth();
    const body = JSON.stringify(health);
    res
      .writeHead(health.status === "ok" ? 200 : 503, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "cache-control": "no-store",
      })
      .end(req.method === "HEAD" ? undefined : body);
  });
  const host = options.listen.host ?? "127.0.0.1";
  const url = await listenHttp(server, options.listen.port, host);
  options.logger.info({ url: `${url}/healthz` }, "serving /healthz");
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

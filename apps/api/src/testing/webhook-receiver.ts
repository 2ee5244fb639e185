/**
 * A webhook receiver for tests: a real HTTP server on a real socket (port 0, or a port given to
 * listen on again after `close`). It records every request it gets, answers as the test says
 * (a status, or "hang": no answer at all), and lets tests wait for what it received, with a
 * timeout, never for time.
 */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { withTimeout } from "./harness.js";

export interface ReceivedRequest {
  /** The path and query it was sent to. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body's `id`: the delivery's. */
  id: string;
  /** The status answered; null while hanging, "closed" when the sender cut the connection first. */
  answered: number | null | "closed";
}

/** How to answer a request, given it and how many requests with its delivery id came before it. */
export type Answer = (request: ReceivedRequest, seenBefore: number) => number | "hang";

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hook` */
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Resolves once `check` returns something other than undefined, checked after each request (and each cut connection). */
  until<T>(check: (received: ReceivedRequest[]) => T | undefined, ms?: number, message?: string): Promise<T>;
  /** Stops listening and drops every connection: senders meet refused connections. */
  close(): Promise<void>;
  /** Listens again, on the same port. */
  reopen(): Promise<void>;
}

export async function startWebhookReceiver(answer: Answer = () => 200, port = 0): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const w of waiters) w();
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      let id = "";
      try {
        id = String((JSON.parse(body) as { id?: unknown }).id ?? "");
      } catch {}
      const request: ReceivedRequest = { path: req.url ?? "", headers: req.headers, body, id, answered: null };
      const before = received.filter((r) => r.id === id).length;
      received.push(request);
      const status = answer(request, before);
      if (status === "hang") {
        res.on("close", () => {
          request.answered = "closed";
          changed();
        });
      } else {
        request.answered = status;
        res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "no");
      }
      changed();
    });
  });
  const listen = async (at: number) => {
    server.listen(at, "127.0.0.1");
    await once(server, "listening");
    return (server.address() as AddressInfo).port;
  };
  const bound = await listen(port);
  return {
    url: `http://127.0.0.1:${bound}/hook`,
    port: bound,
    received,
    async until(check, ms = 15_000, message = "the receiver did not get what was expected") {
      const first = check(received);
      if (first !== undefined) return first;
      let wake: () => void = () => undefined;
      const found = new Promise<NonNullable<ReturnType<typeof check>>>((resolve) => {
        wake = () => {
          const value = check(received);
          if (value !== undefined) resolve(value as NonNullable<typeof value>);
        };
        waiters.add(wake);
      });
      try {
        return await withTimeout(found, ms, `${message} within ${ms} ms (received ${received.length} requests)`);
      } finally {
        waiters.delete(wake);
      }
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    async reopen() {
      await listen(bound);
    },
  };
}

/** Each delivery id received, once, in the order first seen. */
export function deliveryIds(received: readonly ReceivedRequest[]): string[] {
  return [...new Set(received.map((r) => r.id))];
}

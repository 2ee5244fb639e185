/**
 * Sends one fuzz request to a running API over GraphQL-over-HTTP or over one long-lived
 * graphql-ws socket, and reads the answer with a deadline. The socket is shared by every
 * request of a run: a request that makes the server close it is a failure of that request.
 */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { type Answer, ANSWER_WITHIN_MS, codesIn } from "./answers.js";
import type { FuzzRequest } from "./documents.js";

/** A valid subscription answers nothing until an event: after this quiet spell it counts as live. */
const SUBSCRIPTION_QUIET_MS = 150;

export interface Target {
  graphqlUrl: string;
  wsUrl: string;
  token: string;
}

export function requestBody(request: FuzzRequest): string {
  return JSON.stringify({ query: request.query, variables: request.variables ?? {} });
}

/** The last few HTTP exchanges: a failure names them, since a connection is shared with the requests before. */
const recent: string[] = [];

export async function sendHttp(target: Target, request: FuzzRequest): Promise<Answer> {
  const started = performance.now();
  const body = requestBody(request);
  const note = (outcome: string) => {
    recent.push(`${body.length} bytes → ${outcome}`);
    if (recent.length > 3) recent.shift();
  };
  try {
    const res = await fetch(target.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${target.token}` },
      body,
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    });
    const text = await res.text();
    note(`${res.status} in ${Math.round(performance.now() - started)} ms: ${body.slice(0, 120)} … ${text.slice(0, 160)}`);
    let payload: unknown = null;
    try {
      payload = JSON.parse(text);
    } catch {}
    return { transport: "http", status: res.status, text, codes: codesIn(payload), ms: performance.now() - started, timedOut: false };
  } catch (error) {
    // undici says "fetch failed" and keeps the why in `cause` (a reset, a refused connection, a parse error).
    const cause = (error as Error & { cause?: Error & { code?: string } }).cause;
    if (cause) {
      const before = recent.map((r) => `  ${r}`).join("\n");
      const after = Math.round(performance.now() - started);
      throw new Error(
        `${(error as Error).message} after ${after} ms: ${cause.code ?? ""} ${cause.message}`.replace(/\s+/g, " ") +
          `; the exchanges before:\n${before}`,
      );
    }
    if ((error as Error).name !== "TimeoutError") throw error;
    return { transport: "http", text: "", codes: [], ms: performance.now() - started, timedOut: true };
  }
}

export interface WsTransport {
  send(request: FuzzRequest): Promise<Answer>;
  close(): Promise<void>;
}

export function openWs(target: Target): WsTransport {
  let closeCode: number | undefined;
  const connect = (): Client =>
    createClient({
      url: target.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authToken: target.token },
      retryAttempts: 0,
      lazy: false,
      // A close is recorded below, as the failure of the request that caused it, not logged.
      onNonLazyError: () => {},
      on: {
        closed: (event) => {
          const code = (event as { code?: number }).code;
          // 1000 is the client's own dispose at the end of the run.
          if (code !== 1000) closeCode = code;
        },
      },
    });
  let client = connect();
  return {
    send(request) {
      // A socket the server closed (already a failure) is replaced, so later requests still run.
      if (closeCode !== undefined) {
        void client.dispose();
        client = connect();
      }
      closeCode = undefined;
      const started = performance.now();
      const payloads: unknown[] = [];
      return new Promise<Answer>((resolve) => {
        let settled = false;
        const finish = (timedOut = false) => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          clearTimeout(quiet);
          dispose();
          const text = JSON.stringify(payloads);
          const codes = payloads.flatMap(codesIn);
          resolve({ transport: "ws", closeCode, text, codes, ms: performance.now() - started, timedOut });
        };
        const deadline = setTimeout(() => finish(true), ANSWER_WITHIN_MS);
        const quiet = request.subscription ? setTimeout(() => finish(), SUBSCRIPTION_QUIET_MS) : undefined;
        const dispose = client.subscribe(
          { query: request.query, variables: request.variables ?? {} },
          {
            next: (value) => {
              payloads.push(value);
              if (request.subscription) finish();
            },
            error: (error) => {
              const code = (error as { code?: unknown })?.code;
              if (typeof code === "number" && code !== 1000) closeCode = code;
              payloads.push(Array.isArray(error) ? { errors: error } : { error: String((error as Error)?.message ?? error) });
              finish();
            },
            complete: () => finish(),
          },
        );
      });
    },
    async close() {
      await client.dispose();
    },
  };
}

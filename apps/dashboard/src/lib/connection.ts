/**
 * The browser's connection to the API: urql for queries and mutations (through the dashboard's
 * `/api/graphql`, which adds the cookie's token), and a graphql-ws client that connects
 * straight to the API's `/graphql` WebSocket with a one-time ticket from `/api/ticket`.
 *
 * graphql-ws re-sends each active subscription after a reconnect with the payload it was given.
 * The exchange below keeps that payload's `after` at the cursor of the last event the
 * subscription received, so a reconnect resumes exactly where it stopped: no change is missed
 * and none is seen twice.
 */
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from "urql";

export type SocketState = "connecting" | "connected" | "reconnecting";

let socketState: SocketState = "connecting";
const listeners = new Set<() => void>();

function setSocketState(next: SocketState) {
  if (socketState === next) return;
  socketState = next;
  for (const listener of listeners) listener();
}

export const socketStore = {
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  get: () => socketState,
  getServer: (): SocketState => "connecting",
};

function toSocketUrl(apiUrl: string): string {
  const url = new URL("/graphql", apiUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

async function fetchTicket(): Promise<{ ticket: string }> {
  const response = await fetch("/api/ticket", { method: "POST", credentials: "same-origin" });
  if (response.status === 401) {
    window.location.assign("/sign-in");
    throw new Error("not signed in");
  }
  if (!response.ok) throw new Error(`ticket: ${response.status}`);
  const { ticket } = (await response.json()) as { ticket: string };
  return { ticket };
}

export function createWs(apiUrl: string): WsClient {
  let everConnected = false;
  return createWsClient({
    url: toSocketUrl(apiUrl),
    // Tickets are one-time: every (re)connect asks for a fresh one.
    connectionParams: fetchTicket,
    // Keep the socket open even with no subscription, so "reconnecting…" means what it says.
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** retries, 4_000))),
    onNonLazyError: () => {},
    on: {
      connected: () => {
        everConnected = true;
        setSocketState("connected");
      },
      closed: () => setSocketState(everConnected ? "reconnecting" : "connecting"),
      error: () => setSocketState(everConnected ? "reconnecting" : "connecting"),
    },
  });
}

function lastCursor(data: unknown): string | undefined {
  if (!data || typeof data !== "object") return undefined;
  const first = Object.values(data)[0] as { cursor?: unknown } | undefined;
  return typeof first?.cursor === "string" ? first.cursor : undefined;
}

export function createUrql(ws: WsClient): Client {
  return new Client({
    url: "/api/graphql",
    // Apollo's CSRF prevention refuses GET queries, and urql 5 sends queries as GET by default.
    preferGetMethod: false,
    fetchOptions: { credentials: "same-origin" },
    requestPolicy: "cache-and-network",
    exchanges: [
      cacheExchange,
      mapExchange({
        onError(error) {
          if (error.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED")) window.location.assign("/sign-in");
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const payload = {
            query: request.query ?? "",
            variables: { ...(request.variables ?? {}) } as Record<string, unknown>,
            operationName: request.operationName,
          };
          const resumable = payload.query.includes("$after");
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(payload, {
                next(value) {
                  const cursor = resumable ? lastCursor(value.data) : undefined;
                  if (cursor) payload.variables.after = cursor;
                  sink.next(value as never);
                },
                error: (err) => sink.error(err),
                complete: () => sink.complete(),
              });
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}

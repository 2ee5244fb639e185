/**
 * The GraphiQL page's script, bundled by build.mjs into dist/graphiql (served at /graphiql/assets).
 * Queries and mutations go to /graphql over HTTP with the headers of the Headers tab;
 * subscriptions over graphql-ws on the same path, with the same token as `authToken` in
 * connection_init. The headers (the token) are never written to localStorage.
 */
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import { getOperationAST, parse } from "graphql";
import { createClient } from "graphql-ws";
import { createElement } from "react";
import { createRoot } from "react-dom/client";

const config = JSON.parse(document.getElementById("graphiql-config").textContent);
const httpUrl = new URL(config.endpoint, location.href).href;
const wsUrl = httpUrl.replace(/^http/, "ws");

/** One graphql-ws client per token: a new token in the Headers tab opens a new socket. */
let socket = { token: undefined, client: undefined };
function getClient(token) {
  if (socket.token !== token || !socket.client) {
    socket.client?.dispose();
    socket = { token, client: createClient({ url: wsUrl, lazy: true, connectionParams: { authToken: token } }) };
  }
  return socket.client;
}

/** Drops every `headers` field (the history keeps each query's headers) before anything reaches localStorage. */
function withoutHeaders(value) {
  if (Array.isArray(value)) return value.map(withoutHeaders);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, key === "headers" ? null : withoutHeaders(v)]));
}

/** localStorage for GraphiQL's tabs and history, without the headers (the token) in them. */
const storage = {
  getItem: (key) => localStorage.getItem(key),
  removeItem: (key) => localStorage.removeItem(key),
  clear: () => localStorage.clear(),
  get length() {
    return localStorage.length;
  },
  setItem(key, value) {
    let kept;
    try {
      kept = JSON.stringify(withoutHeaders(JSON.parse(value)));
    } catch {
      kept = /bearer|authorization/i.test(value) ? "" : value;
    }
    localStorage.setItem(key, kept);
  },
};

function isSubscription(params) {
  try {
    return getOperationAST(parse(params.query), params.operationName)?.operation === "subscription";
  } catch {
    return false;
  }
}

async function* subscribe(params, token) {
  yield* getClient(token).iterate({
    query: params.query,
    variables: params.variables ?? undefined,
    operationName: params.operationName ?? undefined,
  });
}

function fetcher(params, options) {
  const headers = options?.headers ?? {};
  const authorization = headers.Authorization ?? headers.authorization;
  if (isSubscription(params))
    return subscribe(params, typeof authorization === "string" ? authorization.replace(/^Bearer\s+/i, "") : undefined);
  return fetch(httpUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: JSON.stringify(params),
  }).then((response) => response.json());
}

createRoot(document.getElementById("graphiql")).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery: config.defaultQuery,
    defaultHeaders: config.defaultHeaders,
    shouldPersistHeaders: false,
    storage,
    defaultEditorToolsVisibility: "headers",
  }),
);

/**
 * The WebSocket path gets every rule the HTTP path has (limits, masked errors, Origin check,
 * init timeout, message size: ARCHITECTURE.md, "The WebSocket path"), and the few
 * plain HTTP routes answer as documented.
 */
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createTestProject, startTestApi, subscribe, withTimeout, type TestApi } from "../testing/harness.js";

const STAGE_CHANGED = `subscription($p: String!, $after: String) { stageChanged(project: $p, after: $after) { kind stage { slug } } }`;
/** 12 levels of selection; the limit is 10. */
const DEEP = `{ projects { stages { project { stages { project { stages { project { stages { project { stages { project { slug } } } } } } } } } } } }`;
const ALIASES = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { name }`).join(" ")} }`;
const INTROSPECTION = `{ __schema { types { name } } }`;
const MISSPELLED = `{ projetcs { slug } }`;

let api: TestApi;
let production: TestApi;
beforeAll(async () => {
  [api, production] = await Promise.all([startTestApi(), startTestApi({ production: true })]);
});
afterAll(() => Promise.all([api?.close(), production?.close()]));

/** The first error of `query` over HTTP and over the socket. */
async function bothPaths(server: TestApi, query: string) {
  const http = await server.gql(query);
  const socket = await subscribe(server.ws(), query, {}).error();
  return { status: http.status, http: http.errors?.[0], socket };
}

/** A raw socket on `server`: the upgrade's outcome, then the close code the server chose. */
function rawSocket(server: TestApi, headers: Record<string, string> = {}) {
  const ws = new WebSocket(server.server.wsUrl, "graphql-transport-ws", { headers });
  const upgrade = withTimeout(
    new Promise<number>((resolve, reject) => {
      ws.once("open", () => resolve(101));
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.once("error", reject);
    }),
    5_000,
    "no answer to the upgrade",
  );
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  return { ws, upgrade, closed };
}

describe("the same validation rules on both paths", () => {
  it.each([
    ["deeper than the limit", DEEP, /depth limit of 10 exceeded/i],
    ["with more aliases than the limit", ALIASES, /aliases limit of 15 exceeded/i],
  ])("refuses a query %s with BAD_USER_INPUT", async (_what, query, message) => {
    const { status, http, socket } = await bothPaths(api, query);
    expect(status).toBe(400);
    expect(http?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(socket.extensions?.code).toBe("BAD_USER_INPUT");
    expect(http?.message).toMatch(message);
    expect(socket.message).toBe(http?.message);
  });

  it("answers introspection and schema hints outside production", async () => {
    expect((await api.ok(INTROSPECTION)).__schema.types.length).toBeGreaterThan(10);
    const { http, socket } = await bothPaths(api, MISSPELLED);
    expect(http?.message).toMatch(/Did you mean "projects"/);
    expect(socket.message).toBe(http?.message);
  });

  it("refuses introspection in production", async () => {
    const { status, http, socket } = await bothPaths(production, INTROSPECTION);
    expect(status).toBe(400);
    expect(http?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(socket.extensions?.code).toBe("BAD_USER_INPUT");
    // Apollo's own rule words it differently from graphql-js's on the socket; both refuse.
    expect(http?.message).toMatch(/introspection/i);
    expect(socket.message).toMatch(/introspection/i);
  });

  it("gives no 'Did you mean' in production", async () => {
    const { http, socket } = await bothPaths(production, MISSPELLED);
    expect(http?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(socket.extensions?.code).toBe("BAD_USER_INPUT");
    expect(http?.message).toBe('Cannot query field "projetcs" on type "Query".');
    expect(socket.message).toBe(http?.message);
  });
});

describe("the WebSocket upgrade and connection", () => {
  it("refuses a foreign Origin with 403 and accepts no Origin and the API's own", async () => {
    expect(await rawSocket(api, { origin: "http://evil.example" }).upgrade).toBe(403);
    for (const headers of [{}, { origin: api.server.url }] as Record<string, string>[]) {
      const { ws, upgrade } = rawSocket(api, headers);
      expect(await upgrade, JSON.stringify(headers)).toBe(101);
      ws.close();
    }
  });

  it("accepts the origins it is told to", async () => {
    const dashboard = await startTestApi({ allowedOrigins: ["http://localhost:3000"] });
    try {
      const { ws, upgrade } = rawSocket(dashboard, { origin: "http://localhost:3000" });
      expect(await upgrade).toBe(101);
      ws.close();
      expect(await rawSocket(dashboard, { origin: "http://localhost:3001" }).upgrade).toBe(403);
    } finally {
      await dashboard.close();
    }
  });

  it("closes a socket that never sends connection_init with 4408", async () => {
    const quick = await startTestApi({ connectionInitWaitTimeout: 200 });
    try {
      const { upgrade, closed } = rawSocket(quick);
      expect(await upgrade).toBe(101);
      expect(await withTimeout(closed, 3_000, "socket left open")).toBe(4408);
    } finally {
      await quick.close();
    }
  });

  it("closes a socket that sends a message above the maximum size with 1009", async () => {
    const { ws, upgrade, closed } = rawSocket(api);
    expect(await upgrade).toBe(101);
    // Below the limit a message is read (graphql-ws answers a ping with a pong).
    ws.send(JSON.stringify({ type: "ping", payload: { pad: "x".repeat(60 * 1024) } }));
    const [pong] = await withTimeout(once(ws, "message"), 5_000, "no pong");
    expect(JSON.parse(String(pong)).type).toBe("pong");
    ws.send(JSON.stringify({ type: "ping", payload: { pad: "x".repeat(100 * 1024) } }));
    expect(await withTimeout(closed, 5_000, "socket left open")).toBe(1009);
  });

  it("caps concurrent subscriptions per socket", async () => {
    const capped = await startTestApi({ maxSubscriptionsPerSocket: 3 });
    try {
      const project = await createTestProject(capped);
      const { project: p } = await capped.ok(`query($p: String!) { project(slug: $p) { cursor } }`, { p: project });
      const client = capped.ws();
      const subs = [1, 2, 3].map(() => subscribe(client, STAGE_CHANGED, { p: project, after: p.cursor }));
      await capped.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "a", type: DEV }) { slug } }`, { p: project });
      for (const sub of subs) expect((await sub.next(15_000)).stageChanged.stage.slug).toBe("a");

      const fourth = await subscribe(client, STAGE_CHANGED, { p: project, after: p.cursor }).error();
      expect(fourth).toMatchObject({ message: "At most 3 operations per socket", extensions: { code: "BAD_USER_INPUT" } });

      // A slot is free again once one of them ends (a refusal fails here with its message, not a timeout).
      subs[0]!.close();
      const fifth = subscribe(client, STAGE_CHANGED, { p: project, after: p.cursor });
      const refusal = fifth.error(15_000).then((error: { message?: string }) => {
        throw new Error(`the fifth subscription was refused: ${error.message}`);
      });
      refusal.catch(() => {}); // lost the race: the event came first
      expect((await Promise.race([fifth.next(15_000), refusal])).stageChanged.stage.slug).toBe("a");
      for (const sub of [fifth, ...subs]) sub.close();
    } finally {
      await capped.close();
    }
  });
});

describe("plain HTTP routes", () => {
  it("answers the health probes without a token", async () => {
    const health = await fetch(`${api.server.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok", version: "0.1.0" }]);
    const ready = await fetch(`${api.server.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
  });

  it("serves GraphiQL for /graphql with nothing loaded from elsewhere", async () => {
    const res = await fetch(`${api.server.url}/graphiql`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("/graphql");
    const tags = html.match(/<(script|link)\b[^>]*>/gi) ?? [];
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags) expect(tag).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
  });
});

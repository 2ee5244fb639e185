import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { existsSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "@pergola/db/client";
import { apiTokens } from "@pergola/db/schema";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createClient } from "graphql-ws";
import {
  createTestProject,
  startTestApi,
  subscribe,
  testDatabaseOptions,
  freshDatabaseOptions,
  uniqueSlug,
  withTimeout,
  type TestApi,
} from "../testing/harness.js";
import { bootstrapAdminToken } from "./bootstrap.js";
import { ensureAdminToken, generateToken, getActorByToken, hasAdminToken } from "./token.service.js";

const createToken = `mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token actor { name role } } }`;
const stageChanged = `subscription($p: String!, $after: String) { stageChanged(project: $p, after: $after) { kind stage { slug } } }`;

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

/** POST /graphql with exactly these headers. */
async function post(headers: Record<string, string>, query = "{ me { name role } }") {
  const res = await fetch(api.server.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] } };
}

/** A raw graphql-transport-ws socket; `closed` resolves with the close code the server chose. */
function rawSocket() {
  const ws = new WebSocket(api.server.wsUrl, "graphql-transport-ws");
  ws.on("error", () => {});
  const opened = new Promise<void>((resolve) => ws.once("open", () => resolve()));
  const closed = withTimeout(
    new Promise<number>((resolve) => ws.once("close", (code) => resolve(code))),
    5_000,
    "socket not closed",
  );
  return { send: (message: object) => opened.then(() => ws.send(JSON.stringify(message))), closed };
}

describe("API tokens over HTTP", () => {
  it("answers 401 UNAUTHENTICATED without a token, with an unknown token and with a malformed header", async () => {
    const unknown = `Bearer pgl_${randomBytes(24).toString("base64url")}`;
    for (const headers of [{}, { authorization: unknown }, { authorization: "Basic x" }] as Record<string, string>[]) {
      const { status, body } = await post(headers);
      expect(status, JSON.stringify(headers)).toBe(401);
      expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect(body.data ?? null).toBeNull();
    }
  });

  it("knows the admin token", async () => {
    const { status, body } = await post({ authorization: `Bearer ${api.adminToken}` });
    expect(status).toBe(200);
    expect(body.data.me).toEqual({ name: "admin", role: "ADMIN" });
  });
});

describe("API tokens over WebSocket", () => {
  it("closes with 4401 when connection_init has no authToken", async () => {
    const socket = rawSocket();
    await socket.send({ type: "connection_init", payload: {} });
    expect(await socket.closed).toBe(4401);
  });

  it("closes with 4403 for an unknown token", async () => {
    const socket = rawSocket();
    await socket.send({ type: "connection_init", payload: { authToken: generateToken() } });
    expect(await socket.closed).toBe(4403);
  });

  it("opens a socket once with a ticket, never twice, and refuses tickets to agents", async () => {
    const { createSocketTicket } = await api.ok(`mutation { createSocketTicket { ticket expiresAt } }`);
    expect(createSocketTicket.ticket).toMatch(/^pgt_/);
    expect(new Date(createSocketTicket.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(31_000);
    const client = createClient({ url: api.server.wsUrl, webSocketImpl: WebSocket, connectionParams: { ticket: createSocketTicket.ticket }, retryAttempts: 0 });
    const me = await new Promise<any>((resolve, reject) => {
      let data: unknown;
      client.subscribe({ query: "{ me { name role } }" }, { next: (r) => (data = r.data), error: reject, complete: () => resolve(data) });
    });
    expect(me).toEqual({ me: { name: "admin", role: "ADMIN" } });
    await client.dispose();
    const again = rawSocket();
    await again.send({ type: "connection_init", payload: { ticket: createSocketTicket.ticket } });
    expect(await again.closed).toBe(4403);
    const forged = rawSocket();
    await forged.send({ type: "connection_init", payload: { ticket: "pgt_forged" } });
    expect(await forged.closed).toBe(4403);
  });

  it("closes with 4401 when a subscribe comes before connection_init", async () => {
    const socket = rawSocket();
    await socket.send({ id: "1", type: "subscribe", payload: { query: "{ me { name } }" } });
    expect(await socket.closed).toBe(4401);
  });

  it("runs a subscription with a valid token", async () => {
    const project = await createTestProject(api);
    const { project: p } = await api.ok(`query($p: String!) { project(slug: $p) { cursor } }`, { p: project });
    // Subscribing after the listed cursor: the change arrives however late the subscription starts.
    const sub = subscribe(api.ws(), stageChanged, { p: project, after: p.cursor });
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "web", type: DEV }) { slug } }`, { p: project });
    expect(await sub.next()).toEqual({ stageChanged: { kind: "STAGE_CREATED", stage: { slug: "web" } } });
    sub.close();
  });
});

describe("createApiToken", () => {
  it("makes a MEMBER token that sees only its Projects and joins the ones it creates", async () => {
    const mine = await createTestProject(api);
    const other = await createTestProject(api);
    const { createApiToken } = await api.ok(createToken, { i: { name: "ci", role: "MEMBER", projects: [mine] } });
    expect(createApiToken.actor).toEqual({ name: "ci", role: "MEMBER" });
    const member: string = createApiToken.token;
    expect(member).toMatch(/^pgl_[A-Za-z0-9_-]{32}$/);

    expect((await api.ok(`{ projects { slug } }`, {}, member)).projects).toEqual([{ slug: mine }]);
    await api.ok(`query($p: String!) { stages(project: $p) { slug } }`, { p: mine }, member);
    const denied = await api.gql(`query($p: String!) { stages(project: $p) { slug } }`, { p: other }, member);
    expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(denied.data).toBeNull();

    const created = await createTestProject(api, member);
    const { projects } = await api.ok(`{ projects { slug } }`, {}, member);
    expect(projects.map((p: { slug: string }) => p.slug).sort()).toEqual([mine, created].sort());
    await api.ok(`query($p: String!) { stages(project: $p) { slug } }`, { p: created }, member);
  });

  it("refuses a MEMBER token with FORBIDDEN", async () => {
    const { createApiToken } = await api.ok(createToken, { i: { name: uniqueSlug("m"), role: "MEMBER" } });
    const res = await api.gql(createToken, { i: { name: "escalate", role: "ADMIN" } }, createApiToken.token);
    expect(res.status).toBe(200);
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("stores only the SHA-256 hash of a token", async () => {
    const name = uniqueSlug("hashed");
    const { createApiToken } = await api.ok(createToken, { i: { name, role: "MEMBER" } });
    const token: string = createApiToken.token;
    const rows = await api.server.services.database.db.select().from(apiTokens);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(token);
    const [row] = rows.filter((r) => r.name === name);
    expect(row!.hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(row!.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("bootstrapAdminToken", () => {
  let database: Database;
  let dataDir: string;
  beforeEach(async () => {
    database = await openDatabase(await testDatabaseOptions());
    dataDir = await mkdtemp(join(tmpdir(), "pergola-bootstrap-"));
  });
  afterEach(async () => {
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("makes sure a preset token is an admin token, once", async () => {
    const preset = generateToken();
    for (let i = 0; i < 2; i++) {
      expect(await bootstrapAdminToken(database.db, dataDir, preset)).toMatchObject({ token: preset, source: "preset" });
    }
    expect((await getActorByToken(database.db, preset))?.role).toBe("ADMIN");
    const hash = createHash("sha256").update(preset).digest("hex");
    expect(await database.db.select().from(apiTokens).where(eq(apiTokens.hash, hash))).toHaveLength(1);
    expect(existsSync(join(dataDir, "admin-token"))).toBe(false);
  });

  it("creates the first admin token in a fresh database, writes it 0600, and keeps it", async () => {
    const fresh = await freshDatabaseOptions();
    const own = await openDatabase(fresh.options);
    try {
      await checkFirstStart(own);
    } finally {
      await own.close();
      await fresh.drop();
    }
  });

  async function checkFirstStart(database: Database) {
    expect(await hasAdminToken(database.db)).toBe(false);
    const first = await bootstrapAdminToken(database.db, dataDir);
    expect(first.source).toBe("created");
    expect(first.file).toBe(join(dataDir, "admin-token"));
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(first.file, "utf8").trim()).toBe(first.token);
    expect((await getActorByToken(database.db, first.token!))?.role).toBe("ADMIN");

    const second = await bootstrapAdminToken(database.db, dataDir);
    expect(second).toEqual({ token: first.token, source: "existing", file: first.file });
    expect(await database.db.select().from(apiTokens).where(eq(apiTokens.role, "ADMIN"))).toHaveLength(1);
  }

  it("creates no token when an admin token exists", async () => {
    // On PostgreSQL the database is shared and already has admin tokens; on PGlite it is fresh.
    await ensureAdminToken(database.db, generateToken());
    const result = await bootstrapAdminToken(database.db, dataDir);
    expect(result.source).toBe("existing");
    expect(result.token).toBeUndefined();
    expect(existsSync(result.file)).toBe(false);
  });
});

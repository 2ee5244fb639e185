/**
 * Two API processes on one PostgreSQL: a key disabled or deleted through one closes its open
 * sockets on the other within a second (NOTIFY), and the other answers 401 at once. A revocation
 * whose NOTIFY was lost (the LISTEN connection was down) is found when LISTEN comes back.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPostgres } from "../testing/postgres-only.js";
import pg from "pg";
import WebSocket from "ws";
import { generateToken } from "./token.service.js";
import { spawnApi, type ApiProcess } from "../testing/process.js";
import { uniqueSlug, withTimeout } from "../testing/harness.js";

const admin = generateToken();
const A_NAME = `pergola-revocation-${process.pid}`;
let a: ApiProcess;
let b: ApiProcess;

beforeAll(async () => {
  const env = { DATABASE_URL: process.env.TEST_DATABASE_URL!, PERGOLA_ADMIN_TOKEN: admin };
  // A's connections carry a name of their own: its LISTEN connection can be cut alone.
  const named = new URL(process.env.TEST_DATABASE_URL!);
  named.searchParams.set("application_name", A_NAME);
  [a, b] = await Promise.all([spawnApi({ ...env, DATABASE_URL: named.toString() }), spawnApi(env)]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

async function gql(api: ApiProcess, token: string | null, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(api.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: unknown[] } };
}

/** A socket authenticated with `token` on `api`, acknowledged; `closed` resolves with its close code. */
async function openSocket(api: ApiProcess, token: string) {
  const ws = new WebSocket(api.wsUrl, "graphql-transport-ws");
  ws.on("error", () => {});
  await withTimeout(new Promise((resolve) => ws.once("open", resolve)), 5_000, "socket not open");
  ws.send(JSON.stringify({ type: "connection_init", payload: { authToken: token } }));
  await withTimeout(new Promise((resolve) => ws.once("message", resolve)), 5_000, "no connection_ack");
  return { closed: new Promise<{ code: number; at: number }>((resolve) => ws.once("close", (code) => resolve({ code, at: Date.now() }))) };
}

describeWithPostgres("revocation across replicas", () => {
  it("closes a disabled key's socket on the other replica within 1 s, and a deleted one's", async () => {
    const email = `${uniqueSlug("u")}@example.test`;
    const password = "a long enough password";
    await gql(a, admin, `mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`, { i: { email, name: "ops", password } });
    const session = (
      await gql(b, null, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: email, p: password })
    ).body.data.signIn.token;
    const create = `mutation($n: String!) { createAccessKey(input: { name: $n }) { token accessKey { id } } }`;
    const first = (await gql(a, session, create, { n: "first" })).body.data.createAccessKey;
    const second = (await gql(a, session, create, { n: "second" })).body.data.createAccessKey;

    // Used on B first, so B remembers the key's actor: the revocation must reach B's cache too.
    expect((await gql(b, first.token, `{ me { email } }`)).body.data.me.email).toBe(email);
    const onB = await openSocket(b, first.token);
    const started = Date.now();
    await gql(a, session, `mutation($id: ID!) { disableAccessKey(id: $id) { enabled } }`, { id: first.accessKey.id });
    const closed = await withTimeout(onB.closed, 5_000, "the socket on B stayed open");
    expect(closed.code).toBe(4403);
    expect(closed.at - started).toBeLessThan(1_000);
    expect((await gql(b, first.token, `{ me { email } }`)).status).toBe(401);

    const again = await openSocket(b, second.token);
    await gql(a, session, `mutation($id: ID!) { deleteAccessKey(id: $id) }`, { id: second.accessKey.id });
    expect((await withTimeout(again.closed, 5_000, "the socket on B stayed open")).code).toBe(4403);
    expect((await gql(b, second.token, `{ me { email } }`)).status).toBe(401);

    // Signing out on A ends the session's socket on B as well.
    const sessionSocket = await openSocket(b, session);
    await gql(a, session, `mutation { signOut }`);
    expect((await withTimeout(sessionSocket.closed, 5_000, "the session's socket on B stayed open")).code).toBe(4403);
  });
});

describeWithPostgres("revocations lost with the LISTEN connection", () => {
  it("closes the socket of a key revoked while no NOTIFY could arrive, once LISTEN is back; an admin's socket stays", async () => {
    const email = `${uniqueSlug("u")}@example.test`;
    const password = "a long enough password";
    await gql(a, admin, `mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`, { i: { email, name: "ops", password } });
    const session = (
      await gql(a, null, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: email, p: password })
    ).body.data.signIn.token;
    const key = (await gql(a, session, `mutation { createAccessKey(input: { name: "lost" }) { token accessKey { id } } }`)).body.data
      .createAccessKey;
    const member = await openSocket(a, key.token);
    const admins = await openSocket(a, admin);
    let adminClosed = false;
    void admins.closed.then(() => (adminClosed = true));

    // The revocation as a NOTIFY that never arrived: written, announced to no one.
    const db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
    try {
      await db.query("update api_tokens set revoked_at = now() where id = $1", [key.accessKey.id]);
      // A's LISTEN connection is cut, as a failover would: it comes back by itself.
      const { rowCount } = await db.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and query ilike 'listen %'",
        [A_NAME],
      );
      expect(rowCount).toBeGreaterThan(0);
    } finally {
      await db.end();
    }
    expect((await withTimeout(member.closed, 10_000, "the revoked key's socket stayed open")).code).toBe(4403);
    // The admin's socket was not asked to go: a round trip later it is still open.
    expect((await gql(a, admin, `{ me { email } }`)).status).toBe(200);
    expect(adminClosed).toBe(false);
  });
});

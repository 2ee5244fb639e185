/**
 * Two API processes on one PostgreSQL: a key disabled or deleted through one closes its open
 * sockets on the other within a second (NOTIFY), and the other answers 401 at once.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPostgres } from "../testing/postgres-only.js";
import WebSocket from "ws";
import { generateToken } from "./token.service.js";
import { spawnApi, type ApiProcess } from "../testing/process.js";
import { uniqueSlug, withTimeout } from "../testing/harness.js";

const admin = generateToken();
let a: ApiProcess;
let b: ApiProcess;

beforeAll(async () => {
  const env = { DATABASE_URL: process.env.TEST_DATABASE_URL!, PERGOLA_ADMIN_TOKEN: admin };
  [a, b] = await Promise.all([spawnApi(env), spawnApi(env)]);
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

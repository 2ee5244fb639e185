import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "@pergola/db/client";
import { apiTokens, users } from "@pergola/db/schema";
import { eq } from "drizzle-orm";
import { createClient } from "graphql-ws";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  createTestProject,
  createTestUser,
  freshDatabaseOptions,
  startTestApi,
  subscribe,
  testDatabaseOptions,
  uniqueSlug,
  withTimeout,
  type TestApi,
} from "../testing/harness.js";
import { verifyPassword } from "../users/password.js";
import { bootstrapAdmin, ensureAdminToken, hasAdminToken } from "./bootstrap.js";
import { generateToken, getActorByToken } from "./token.service.js";

const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token expiresAt user { email name role } } }`;
const CREATE_KEY = `mutation($n: String!, $r: Boolean) { createAccessKey(input: { name: $n, readOnly: $r }) { token accessKey { id name readOnly enabled lastUsedAt } } }`;
const STAGE_CHANGED = `subscription($p: String!, $after: String) { stageChanged(project: $p, after: $after) { kind actor stage { slug } } }`;

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

/** POST /graphql with exactly these headers. */
async function post(headers: Record<string, string>, query = "{ me { name role } }", variables: Record<string, unknown> = {}) {
  const res = await fetch(api.server.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] },
  };
}

/** A raw graphql-transport-ws socket; `closed` resolves with the close code the server chose. */
function rawSocket(url = api.server.wsUrl) {
  const ws = new WebSocket(url, "graphql-transport-ws");
  ws.on("error", () => {});
  const opened = new Promise<void>((resolve) => ws.once("open", () => resolve()));
  const closed = withTimeout(new Promise<number>((resolve) => ws.once("close", (code) => resolve(code))), 5_000, "socket not closed");
  return { send: (message: object) => opened.then(() => ws.send(JSON.stringify(message))), closed, ws };
}

const codeOf = (res: { errors?: { extensions?: Record<string, any> }[] }) => res.errors?.[0]?.extensions?.code;

describe("credentials over HTTP", () => {
  it("answers 401 UNAUTHENTICATED, the same message, to an unknown token, a wrong secret, a malformed key and a malformed header", async () => {
    const { token } = await createTestUser(api);
    const { createAccessKey } = await api.ok(CREATE_KEY, { n: "k" }, token);
    const [id] = (createAccessKey.token as string).split(":");
    const wrongSecret = `${id}:${randomBytes(24).toString("base64url")}`;
    const messages = new Set<string>();
    for (const authorization of [
      `Bearer pgl_${randomBytes(24).toString("base64url")}`,
      `Bearer ${wrongSecret}`,
      "Bearer not:a:key",
      `Bearer ${id}`,
      "Basic x",
    ]) {
      const { status, body } = await post({ authorization });
      expect(status, authorization).toBe(401);
      expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect(body.data ?? null).toBeNull();
      if (authorization.startsWith("Bearer")) messages.add(body.errors![0]!.message);
    }
    expect(messages.size).toBe(1);
  });

  it("lets anonymous callers sign in and nothing else", async () => {
    const { status, body } = await post({}, "{ projects { slug } }");
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const user = await createTestUser(api);
    const signedIn = await post({}, SIGN_IN, { e: user.email.toUpperCase(), p: user.password });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.data.signIn.user).toMatchObject({ email: user.email, role: "MEMBER" });
    expect(signedIn.body.data.signIn.token).toMatch(/^pgs_/);
    const hours = (new Date(signedIn.body.data.signIn.expiresAt).getTime() - Date.now()) / 3600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
  });

  it("knows the admin token as a key of the admin user", async () => {
    const { status, body } = await post({ authorization: `Bearer ${api.adminToken}` }, "{ me { name email role isAdmin readOnly } }");
    expect(status).toBe(200);
    expect(body.data.me).toEqual({ name: "admin", email: "admin@localhost", role: "ADMIN", isAdmin: true, readOnly: false });
  });

  it("answers `me` from the credential as the user's row does (a field the credential lacks reads the row)", async () => {
    const user = await createTestUser(api);
    const fields = "id email name isAdmin disabled role readOnly";
    const fromActor = (await api.ok(`{ me { __typename ${fields} } }`, {}, user.token)).me;
    const fromRow = (await api.ok(`{ me { __typename ${fields} createdAt } }`, {}, user.token)).me;
    expect(fromRow.createdAt).toEqual(expect.any(String));
    expect(new Date(fromRow.createdAt).getTime()).toBeGreaterThan(0);
    const { createdAt: _, ...rest } = fromRow;
    expect(fromActor).toEqual(rest);
    expect(fromActor).toMatchObject({ __typename: "User", id: user.id, email: user.email, role: "MEMBER", disabled: false });
  });
});

describe("sign-in", () => {
  it("gives one answer for an unknown email, a wrong password and a disabled user, and a session that signOut ends", async () => {
    const user = await createTestUser(api);
    const disabled = await createTestUser(api);
    await api.ok(`mutation($id: ID!) { disableUser(id: $id) { disabled } }`, { id: disabled.id });
    const answers = [];
    for (const [e, p] of [
      [`${uniqueSlug("nobody")}@example.test`, user.password],
      [user.email, `${user.password}x`],
      [disabled.email, disabled.password],
    ]) {
      const res = await api.gql(SIGN_IN, { e, p }, null);
      expect(res.data).toBeNull();
      answers.push(JSON.stringify(res.errors));
    }
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toContain("UNAUTHENTICATED");
    expect(answers[0]).toContain("Wrong email or password");

    const { signIn } = await api.ok(SIGN_IN, { e: user.email, p: user.password }, null as never);
    expect((await api.ok(`{ me { email } }`, {}, signIn.token)).me.email).toBe(user.email);
    expect((await api.ok(`mutation { signOut }`, {}, signIn.token)).signOut).toBe(true);
    const after = await api.gql(`{ me { email } }`, {}, signIn.token);
    expect(after.status).toBe(401);
  });

  /** signIn from an address of the test's choosing (the API trusts X-Forwarded-For from loopback). */
  const signInFrom = async (address: string, e: string, p: string) => post({ "x-forwarded-for": address }, SIGN_IN, { e, p });
  const someAddress = () => `198.${randomBytes(3).join(".")}`;

  it("refuses an email with TOO_MANY_REQUESTS and the wait after 10 failures within 10 minutes, from any address, even the right password", async () => {
    const user = await createTestUser(api);
    for (let i = 0; i < 10; i++) {
      expect(codeOf((await signInFrom(someAddress(), user.email, "wrong password!")).body)).toBe("UNAUTHENTICATED");
    }
    const limited = (await signInFrom(someAddress(), user.email, user.password)).body;
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    const wait = limited.errors![0]!.extensions!.retryAfterSeconds;
    expect(wait).toBeGreaterThan(500);
    expect(wait).toBeLessThanOrEqual(600);
    expect(limited.errors![0]!.message).toContain(`${wait} s`);
  });

  it("refuses an address after 10 failures within 10 minutes, whatever the email; other addresses go on", async () => {
    const address = someAddress();
    for (let i = 0; i < 10; i++) {
      expect(codeOf((await signInFrom(address, `${uniqueSlug("guess")}@example.test`, "wrong password!")).body)).toBe("UNAUTHENTICATED");
    }
    const user = await createTestUser(api);
    expect(codeOf((await signInFrom(address, user.email, user.password)).body)).toBe("TOO_MANY_REQUESTS");
    expect((await signInFrom(someAddress(), user.email, user.password)).body.data.signIn.user.email).toBe(user.email);
  });

  it("checks passwords: a minimum length with a clear error, argon2id at rest, never in an answer", async () => {
    const email = `${uniqueSlug("pw")}@example.test`;
    const short = await api.gql(`mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`, {
      i: { email, name: "n", password: "short" },
    });
    expect(short.errors?.[0]).toMatchObject({
      message: "password: must be at least 12 characters long",
      extensions: { code: "BAD_USER_INPUT", field: "password" },
    });
    const user = await createTestUser(api);
    const [row] = await api.server.database.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row!.passwordHash).not.toContain(user.password);
    expect(await verifyPassword(row!.passwordHash, user.password)).toBe(true);
  });
});

describe("users", () => {
  it("are made and listed by admins only; a user changes their own name and password, not others' or their admin flag", async () => {
    const member = await createTestUser(api, { name: "Ada" });
    const other = await createTestUser(api);
    expect(codeOf(await api.gql(`{ users { email } }`, {}, member.token))).toBe("FORBIDDEN");
    const taken = await api.gql(`mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`, {
      i: { email: member.email, name: "again", password: "long enough password" },
    });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "email" });
    const update = `mutation($i: UpdateUserInput!) { updateUser(input: $i) { name isAdmin } }`;
    expect((await api.ok(update, { i: { id: member.id, name: "Ada L." } }, member.token)).updateUser).toEqual({
      name: "Ada L.",
      isAdmin: false,
    });
    expect(codeOf(await api.gql(update, { i: { id: member.id, isAdmin: true } }, member.token))).toBe("FORBIDDEN");
    expect(codeOf(await api.gql(update, { i: { id: other.id, name: "x" } }, member.token))).toBe("FORBIDDEN");
    await api.ok(update, { i: { id: member.id, password: "a brand new password" } }, member.token);
    expect(codeOf(await api.gql(SIGN_IN, { e: member.email, p: member.password }, null))).toBe("UNAUTHENTICATED");
    await api.ok(SIGN_IN, { e: member.email, p: "a brand new password" }, null as never);
    const { users: listed } = await api.ok(`{ users { email name lastSeenAt } }`);
    expect(listed.find((u: { email: string }) => u.email === member.email)).toMatchObject({ name: "Ada L." });
  });

  it("disableUser stops every key and session of the user at once, and their open sockets", async () => {
    const user = await createTestUser(api);
    const { createAccessKey } = await api.ok(CREATE_KEY, { n: "ci" }, user.token);
    const project = await createTestProject(api, user.token);
    const socket = rawSocket();
    await socket.send({ type: "connection_init", payload: { authToken: createAccessKey.token } });
    await withTimeout(new Promise((resolve) => socket.ws.once("message", resolve)), 5_000, "no connection_ack");
    await api.ok(`mutation($id: ID!) { disableUser(id: $id) { disabled } }`, { id: user.id });
    expect(await socket.closed).toBe(4403);
    for (const token of [user.token, createAccessKey.token]) expect((await api.gql(`{ projects { slug } }`, {}, token)).status).toBe(401);
    await api.ok(`mutation($id: ID!) { enableUser(id: $id) { disabled } }`, { id: user.id });
    // Keys come back with the user; sessions ended for good.
    expect((await api.ok(`query($p: String!) { project(slug: $p) { slug } }`, { p: project }, createAccessKey.token)).project.slug).toBe(
      project,
    );
    expect((await api.gql(`{ me { email } }`, {}, user.token)).status).toBe(401);
  });
});

describe("access keys", () => {
  it("are <id>:<secret>, shown once, stored as a hash, at most 2 enabled per user, and listed with their use", async () => {
    const user = await createTestUser(api);
    const first = (await api.ok(CREATE_KEY, { n: "laptop" }, user.token)).createAccessKey;
    expect(first.token).toMatch(/^[0-9a-f-]{36}:[A-Za-z0-9_-]{32}$/);
    expect(first.token.split(":")[0]).toBe(first.accessKey.id);
    expect(first.accessKey).toMatchObject({ name: "laptop", readOnly: false, enabled: true, lastUsedAt: null });
    const [row] = await api.server.database.db.select().from(apiTokens).where(eq(apiTokens.id, first.accessKey.id));
    expect(row!.hash).toBe(createHash("sha256").update(first.token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(first.token.split(":")[1]);

    await api.ok(`{ me { email } }`, {}, first.token);
    await api.ok(CREATE_KEY, { n: "ci" }, user.token);
    const third = await api.gql(CREATE_KEY, { n: "third" }, user.token);
    expect(third.errors?.[0]).toMatchObject({ extensions: { code: "CONFLICT", limit: 2 } });
    expect(third.errors?.[0]?.message).toContain("At most 2 access keys");

    const { accessKeys } = await api.ok(`{ accessKeys { id name enabled lastUsedAt } }`, {}, user.token);
    expect(accessKeys.map((k: { name: string }) => k.name)).toEqual(["laptop", "ci"]);
    expect(accessKeys[0].lastUsedAt).not.toBeNull();
    // Another user's keys are not there for a member; an admin may list them.
    const other = await createTestUser(api);
    expect(codeOf(await api.gql(`query($u: String) { accessKeys(user: $u) { id } }`, { u: user.email }, other.token))).toBe("NOT_FOUND");
    expect((await api.ok(`query($u: String) { accessKeys(user: $u) { id } }`, { u: user.email })).accessKeys).toHaveLength(2);
    expect(codeOf(await api.gql(`mutation($id: ID!) { deleteAccessKey(id: $id) }`, { id: first.accessKey.id }, other.token))).toBe(
      "NOT_FOUND",
    );
  });

  it("a disabled or deleted key gets 401 on its next request, and its open socket closes within 1 s", async () => {
    const user = await createTestUser(api);
    const key = (await api.ok(CREATE_KEY, { n: "to-disable" }, user.token)).createAccessKey;
    await api.ok(`{ me { email } }`, {}, key.token);
    const socket = rawSocket();
    await socket.send({ type: "connection_init", payload: { authToken: key.token } });
    await withTimeout(new Promise((resolve) => socket.ws.once("message", resolve)), 5_000, "no connection_ack");
    const started = Date.now();
    expect(
      (await api.ok(`mutation($id: ID!) { disableAccessKey(id: $id) { enabled } }`, { id: key.accessKey.id }, user.token)).disableAccessKey
        .enabled,
    ).toBe(false);
    expect(await socket.closed).toBe(4403);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await api.gql(`{ me { email } }`, {}, key.token)).status).toBe(401);
    // Enabled again, it works; deleted, it is gone for good.
    await api.ok(`mutation($id: ID!) { enableAccessKey(id: $id) { enabled } }`, { id: key.accessKey.id }, user.token);
    await api.ok(`{ me { email } }`, {}, key.token);
    expect((await api.ok(`mutation($id: ID!) { deleteAccessKey(id: $id) }`, { id: key.accessKey.id }, user.token)).deleteAccessKey).toBe(
      true,
    );
    expect((await api.gql(`{ me { email } }`, {}, key.token)).status).toBe(401);
  });

  it("read-only keys see every query and subscription of their user, and no mutation", async () => {
    const owner = await createTestUser(api);
    const project = await createTestProject(api, owner.token);
    await api.ok(
      `mutation($p: String!) { createStage(input: { project: $p, name: "web", type: DEV }) { slug } }`,
      { p: project },
      owner.token,
    );
    const { createAccessKey } = await api.ok(CREATE_KEY, { n: "wall", r: true }, owner.token);
    const readOnly: string = createAccessKey.token;
    expect((await api.ok(`{ me { readOnly } }`, {}, readOnly)).me.readOnly).toBe(true);
    expect((await api.ok(`query($p: String!) { stages(project: $p) { slug } }`, { p: project }, readOnly)).stages).toEqual([
      { slug: "web" },
    ]);
    for (const mutation of [
      `mutation { createProject(input: { name: "nope" }) { slug } }`,
      `mutation { createAccessKey(input: { name: "more" }) { token } }`,
      `mutation { createSocketTicket { ticket } }`,
      `mutation($id: ID!) { disableAccessKey(id: $id) { enabled } }`,
    ]) {
      const res = await api.gql(mutation, { id: createAccessKey.accessKey.id }, readOnly);
      expect(res.status, mutation).toBe(403);
      expect(res.errors?.[0]).toMatchObject({ message: "This access key is read-only", extensions: { code: "FORBIDDEN" } });
    }
    const { project: listed } = await api.ok(`query($p: String!) { project(slug: $p) { cursor } }`, { p: project }, readOnly);
    const sub = subscribe(api.ws(readOnly), STAGE_CHANGED, { p: project, after: listed.cursor });
    await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "web") { state } }`, { p: project }, owner.token);
    expect((await sub.next()).stageChanged).toMatchObject({ kind: "STAGE_STATE_CHANGED", actor: owner.email, stage: { slug: "web" } });
    sub.close();
  });
});

describe("Project members", () => {
  it("the creator owns it; owners manage members; members work in it; the last owner cannot leave", async () => {
    const owner = await createTestUser(api);
    const project = await createTestProject(api, owner.token);
    const member = await createTestUser(api);
    const members = `query($p: String!) { project(slug: $p) { members { user { email } role } } }`;
    expect((await api.ok(members, { p: project }, owner.token)).project.members).toEqual([{ user: { email: owner.email }, role: "OWNER" }]);
    const add = `mutation($p: String!, $e: String!, $r: MemberRole) { addMember(project: $p, email: $e, role: $r) { user { email } role addedAt } }`;
    expect((await api.ok(add, { p: project, e: member.email }, owner.token)).addMember).toMatchObject({
      user: { email: member.email },
      role: "MEMBER",
    });
    expect(codeOf(await api.gql(add, { p: project, e: member.email }, owner.token))).toBe("CONFLICT");
    expect((await api.gql(add, { p: project, e: "nobody@example.test" }, owner.token)).errors?.[0]?.extensions).toMatchObject({
      code: "NOT_FOUND",
      field: "email",
    });

    // A member works in the Project, but does not manage its members nor delete it.
    await api.ok(
      `mutation($p: String!) { createStage(input: { project: $p, name: "qa", type: QA }) { slug } }`,
      { p: project },
      member.token,
    );
    const third = await createTestUser(api);
    expect(codeOf(await api.gql(add, { p: project, e: third.email }, member.token))).toBe("FORBIDDEN");
    expect(codeOf(await api.gql(`mutation($p: String!) { deleteProject(slug: $p) }`, { p: project }, member.token))).toBe("FORBIDDEN");

    const remove = `mutation($p: String!, $e: String!) { removeMember(project: $p, email: $e) }`;
    const update = `mutation($p: String!, $e: String!, $r: MemberRole!) { updateMember(project: $p, email: $e, role: $r) { role } }`;
    expect((await api.gql(remove, { p: project, e: owner.email }, owner.token)).errors?.[0]).toMatchObject({
      extensions: { code: "CONFLICT" },
    });
    expect(codeOf(await api.gql(update, { p: project, e: owner.email, r: "MEMBER" }, owner.token))).toBe("CONFLICT");
    await api.ok(update, { p: project, e: member.email, r: "OWNER" }, owner.token);
    expect((await api.ok(remove, { p: project, e: owner.email }, owner.token)).removeMember).toBe(true);
    // The former owner is now outside: the same answer as for a Project that does not exist.
    const outside = await api.gql(`query($p: String!) { stages(project: $p) { slug } }`, { p: project }, owner.token);
    const missing = await api.gql(`query($p: String!) { stages(project: $p) { slug } }`, { p: `${project}-none` }, owner.token);
    expect(outside.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(outside.errors?.[0]?.message).toBe(`Project "${project}" not found`);
    expect(missing.errors?.[0]?.message).toBe(`Project "${project}-none" not found`);
    expect((await api.ok(`query($p: String!) { project(slug: $p) { slug } }`, { p: project }, owner.token)).project).toBeNull();
    expect((await api.ok(`{ projects { slug } }`, {}, owner.token)).projects).toEqual([]);
  });

  it("a removed member's open subscriptions end (the socket closes), and subscribing again is NOT_FOUND", async () => {
    const project = await createTestProject(api);
    const member = await createTestUser(api, { projects: [project] });
    const socket = rawSocket();
    await socket.send({ type: "connection_init", payload: { authToken: member.token } });
    await withTimeout(new Promise((resolve) => socket.ws.once("message", resolve)), 5_000, "no connection_ack");
    await socket.send({ id: "1", type: "subscribe", payload: { query: STAGE_CHANGED, variables: { p: project } } });
    await api.ok(`mutation($p: String!, $e: String!) { removeMember(project: $p, email: $e) }`, { p: project, e: member.email });
    expect(await socket.closed).toBe(4403);
    expect((await subscribe(api.ws(member.token), STAGE_CHANGED, { p: project }).error()).extensions?.code).toBe("NOT_FOUND");
  });

  it("a non-member's subscription gets NOT_FOUND over the socket, worded as for a missing Project", async () => {
    const project = await createTestProject(api);
    const outsider = await createTestUser(api);
    const theirs = await subscribe(api.ws(outsider.token), STAGE_CHANGED, { p: project }).error();
    const missing = await subscribe(api.ws(outsider.token), STAGE_CHANGED, { p: `${project}-none` }).error();
    expect(theirs.extensions?.code).toBe("NOT_FOUND");
    expect(theirs.message).toBe(missing.message.replace(`${project}-none`, project));
  });
});

describe("audit", () => {
  it("names the actor of every event and records sign-ins, keys, members and users for admins", async () => {
    const owner = await createTestUser(api);
    const project = await createTestProject(api, owner.token);
    const { createAccessKey } = await api.ok(CREATE_KEY, { n: "deploy-bot" }, owner.token);
    await api.ok(
      `mutation($p: String!) { createStage(input: { project: $p, name: "web", type: DEV }) { slug } }`,
      { p: project },
      createAccessKey.token,
    );
    await api.gql(SIGN_IN, { e: owner.email, p: "not the password" }, null);
    const events = subscribe(api.ws(), `subscription($p: String!) { events(project: $p, after: "0") { kind actor } }`, { p: project });
    expect((await events.next()).events).toEqual({ kind: "PROJECT_CREATED", actor: owner.email });
    expect((await events.next()).events).toEqual({ kind: "STAGE_CREATED", actor: `${owner.email} (deploy-bot)` });
    events.close();

    const { auditLog } = await api.ok(`query($u: String) { auditLog(first: 20, user: $u) { cursor action actor detail } }`, {
      u: owner.email,
    });
    expect(auditLog.map((e: { action: string }) => e.action)).toEqual(["SIGN_IN_FAILED", "ACCESS_KEY_CREATED", "SIGN_IN"]);
    expect(auditLog[1]).toMatchObject({ actor: owner.email, detail: { name: "deploy-bot" } });
    const older = await api.ok(`query($u: String, $a: String) { auditLog(first: 20, user: $u, after: $a) { action } }`, {
      u: owner.email,
      a: auditLog[0].cursor,
    });
    expect(older.auditLog.map((e: { action: string }) => e.action)).toEqual(["ACCESS_KEY_CREATED", "SIGN_IN"]);
    expect(codeOf(await api.gql(`{ auditLog { action } }`, {}, owner.token))).toBe("FORBIDDEN");
  });
});

describe("bootstrap", () => {
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

  it("makes sure a preset token is a key of the admin user, once", async () => {
    const preset = generateToken();
    for (let i = 0; i < 2; i++) {
      expect((await bootstrapAdmin(database.db, dataDir, { presetToken: preset })).token).toMatchObject({
        token: preset,
        source: "preset",
      });
    }
    expect(await getActorByToken(database.db, preset)).toMatchObject({
      role: "ADMIN",
      email: "admin@localhost",
      keyName: "PERGOLA_ADMIN_TOKEN",
    });
    const hash = createHash("sha256").update(preset).digest("hex");
    expect(await database.db.select().from(apiTokens).where(eq(apiTokens.hash, hash))).toHaveLength(1);
    expect(existsSync(join(dataDir, "admin-token"))).toBe(false);
  });

  it("lets replicas that start together with one preset token all start", async () => {
    const preset = generateToken();
    const starts = await Promise.all(Array.from({ length: 8 }, () => bootstrapAdmin(database.db, dataDir, { presetToken: preset })));
    expect(starts.every((s) => s.token.source === "preset")).toBe(true);
    const hash = createHash("sha256").update(preset).digest("hex");
    expect(await database.db.select().from(apiTokens).where(eq(apiTokens.hash, hash))).toHaveLength(1);
  });

  it("creates the admin user with a one-time password and the first admin token in a fresh database, 0600, once", async () => {
    const fresh = await freshDatabaseOptions();
    const own = await openDatabase(fresh.options);
    try {
      expect(await hasAdminToken(own.db)).toBe(false);
      const first = await bootstrapAdmin(own.db, dataDir, { email: "Root@Example.test" });
      expect(first.email).toBe("root@example.test");
      expect(first.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect(first.token.source).toBe("created");
      for (const file of [first.passwordFile, first.token.file]) expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(first.passwordFile, "utf8").trim()).toBe(first.password);
      expect(await getActorByToken(own.db, first.token.token!)).toMatchObject({
        role: "ADMIN",
        email: "root@example.test",
        keyName: "admin token",
      });
      const [admin] = await own.db.select().from(users).where(eq(users.email, "root@example.test"));
      expect(await verifyPassword(admin!.passwordHash, first.password!)).toBe(true);
      const second = await bootstrapAdmin(own.db, dataDir, { email: "root@example.test" });
      expect(second.password).toBeUndefined();
      expect(second.token).toEqual({ token: first.token.token, source: "existing", file: first.token.file });
    } finally {
      await own.close();
      await fresh.drop();
    }
  });

  it("creates no token when an admin key exists", async () => {
    // On PostgreSQL the database is shared and already has admin keys; on PGlite it is fresh.
    await ensureAdminToken(database.db, generateToken());
    const result = await bootstrapAdmin(database.db, dataDir);
    expect(result.token.source).toBe("existing");
    expect(result.token.token).toBeUndefined();
    expect(existsSync(result.token.file)).toBe(false);
  });
});

describe("WebSocket credentials", () => {
  it("closes with 4401 without credentials and 4403 for an unknown token", async () => {
    const none = rawSocket();
    await none.send({ type: "connection_init", payload: {} });
    expect(await none.closed).toBe(4401);
    const unknown = rawSocket();
    await unknown.send({ type: "connection_init", payload: { authToken: generateToken() } });
    expect(await unknown.closed).toBe(4403);
  });

  it("opens a socket once with a ticket, never twice, and refuses tickets to agents", async () => {
    const { createSocketTicket } = await api.ok(`mutation { createSocketTicket { ticket expiresAt } }`);
    expect(createSocketTicket.ticket).toMatch(/^pgt_/);
    const client = createClient({
      url: api.server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { ticket: createSocketTicket.ticket },
      retryAttempts: 0,
    });
    const me = await new Promise<any>((resolve, reject) => {
      let data: unknown;
      client.subscribe({ query: "{ me { name role } }" }, { next: (r) => (data = r.data), error: reject, complete: () => resolve(data) });
    });
    expect(me).toEqual({ me: { name: "admin", role: "ADMIN" } });
    await client.dispose();
    const again = rawSocket();
    await again.send({ type: "connection_init", payload: { ticket: createSocketTicket.ticket } });
    expect(await again.closed).toBe(4403);
  });
});

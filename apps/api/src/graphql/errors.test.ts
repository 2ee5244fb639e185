/**
 * Every error code through the real API, a bad input for every mutation, and never a 500 for
 * anything a client sends.
 */
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  createTestProject,
  createTestUser,
  startTestApi,
  subscribe,
  withTimeout,
  type GraphQLResponse,
  type TestApi,
} from "../testing/harness.js";

const CREATE_PROJECT = `mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }`;
const CREATE_STAGE = `mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`;
const UPDATE_STAGE = `mutation($i: UpdateStageInput!) { updateStage(input: $i) { slug } }`;
const DELETE_STAGE = `mutation($p: String!, $s: String!) { deleteStage(project: $p, slug: $s) }`;
const SUSPEND_STAGE = `mutation($p: String!, $s: String!) { suspendStage(project: $p, slug: $s) { state } }`;
const RESUME_STAGE = `mutation($p: String!, $s: String!) { resumeStage(project: $p, slug: $s) { state } }`;
const CREATE_KEY = `mutation($i: CreateAccessKeyInput!) { createAccessKey(input: $i) { token } }`;
const CREATE_USER = `mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`;
const STAGES = `query($p: String!) { stages(project: $p) { slug } }`;
/** What an unmasked internal error would show: a stack frame, the driver, SQL. */
const LEAKS = /stack|\.[jt]s:\d+|pglite|postgres|select /i;
const STAGE_CHANGED = `subscription($p: String!, $after: String) { stageChanged(project: $p, after: $after) { cursor } }`;

let api: TestApi;
let project: string;
/** Every HTTP status this file saw from the shared server. */
const statuses: number[] = [];

async function gql(query: string, variables: Record<string, unknown> = {}, token?: string | null): Promise<GraphQLResponse> {
  const res = await api.gql(query, variables, token);
  statuses.push(res.status);
  return res;
}

async function post(body: string, contentType = "application/json") {
  const res = await fetch(api.server.graphqlUrl, {
    method: "POST",
    headers: { "content-type": contentType, authorization: `Bearer ${api.adminToken}` },
    body,
  });
  statuses.push(res.status);
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

beforeAll(async () => {
  api = await startTestApi();
  project = await createTestProject(api);
  await api.ok(CREATE_STAGE, { i: { project, name: "web", type: "DEV" } });
});
afterAll(() => api?.close());

describe("BAD_USER_INPUT", () => {
  const long = "x".repeat(300);
  // [what, query, variables, the field the service names (undefined: GraphQL itself refuses it)]
  const cases: [string, string, () => Record<string, unknown>, string | undefined][] = [
    ["createProject: empty name", CREATE_PROJECT, () => ({ i: { name: "  " } }), "name"],
    ["createProject: 300-character name", CREATE_PROJECT, () => ({ i: { name: long } }), "name"],
    ["createProject: slug Bad_Slug", CREATE_PROJECT, () => ({ i: { name: "ok", slug: "Bad_Slug" } }), "slug"],
    ["createProject: 64-character slug", CREATE_PROJECT, () => ({ i: { name: "ok", slug: "a".repeat(64) } }), "slug"],
    ["createProject: a name with no slug in it", CREATE_PROJECT, () => ({ i: { name: "🚀" } }), "slug"],
    ["createStage: empty name", CREATE_STAGE, () => ({ i: { project, name: "", type: "DEV" } }), "name"],
    ["createStage: 300-character name", CREATE_STAGE, () => ({ i: { project, name: long, type: "DEV" } }), "name"],
    ["createStage: a name with no slug in it", CREATE_STAGE, () => ({ i: { project, name: "🚀", type: "DEV" } }), "slug"],
    ["createStage: slug Bad_Slug", CREATE_STAGE, () => ({ i: { project, name: "x", type: "DEV", slug: "Bad_Slug" } }), "slug"],
    [
      "createStage: suspendGraceSeconds -1",
      CREATE_STAGE,
      () => ({ i: { project, name: "g", type: "DEV", suspendGraceSeconds: -1 } }),
      "suspendGraceSeconds",
    ],
    [
      "createStage: suspendGraceSeconds 999999",
      CREATE_STAGE,
      () => ({ i: { project, name: "g", type: "DEV", suspendGraceSeconds: 999_999 } }),
      "suspendGraceSeconds",
    ],
    ["createStage: type XX", CREATE_STAGE, () => ({ i: { project, name: "t", type: "XX" } }), undefined],
    ["createStage: no name", CREATE_STAGE, () => ({ i: { project, type: "DEV" } }), undefined],
    ["updateStage: blank name", UPDATE_STAGE, () => ({ i: { project, slug: "web", name: " " } }), "name"],
    [
      "updateStage: suspendGraceSeconds -1",
      UPDATE_STAGE,
      () => ({ i: { project, slug: "web", suspendGraceSeconds: -1 } }),
      "suspendGraceSeconds",
    ],
    [
      "updateStage: suspendGraceSeconds 999999",
      UPDATE_STAGE,
      () => ({ i: { project, slug: "web", suspendGraceSeconds: 999_999 } }),
      "suspendGraceSeconds",
    ],
    ["updateStage: type XX", UPDATE_STAGE, () => ({ i: { project, slug: "web", type: "XX" } }), undefined],
    ["deleteStage: slug of the wrong type", DELETE_STAGE, () => ({ p: project, s: 42 }), undefined],
    ["deleteStage: no slug", DELETE_STAGE, () => ({ p: project }), undefined],
    ["suspendStage: syntax error", `mutation { suspendStage(project: "x", slug: "y") { state }`, () => ({}), undefined],
    // `stage` is optional since `slug` was renamed to it: the service asks for one of them.
    ["resumeStage: missing argument", `mutation($p: String!) { resumeStage(project: $p) { state } }`, () => ({ p: project }), "stage"],
    ["createAccessKey: empty name", CREATE_KEY, () => ({ i: { name: "" } }), "name"],
    ["createAccessKey: readOnly not a Boolean", CREATE_KEY, () => ({ i: { name: "t", readOnly: "yes" } }), undefined],
    ["createUser: not an email", CREATE_USER, () => ({ i: { email: "nobody", name: "n", password: "long enough password" } }), "email"],
    ["createUser: short password", CREATE_USER, () => ({ i: { email: "short@example.test", name: "n", password: "short" } }), "password"],
  ];

  const REFUSED_AT_THE_EDGE = new Set([
    "createProject: 300-character name",
    "createProject: 64-character slug",
    "createStage: 300-character name",
  ]);

  it.each(cases)("%s", async (_what, query, variables, field) => {
    const res = await gql(query, variables());
    expect(res.status).toBeLessThan(500);
    expect(res.errors?.[0]?.extensions?.code, JSON.stringify(res.errors)).toBe("BAD_USER_INPUT");
    if (field) {
      // Lengths past their class are refused at the edge, before any resolver (input-rules.ts): 400.
      expect(res.status).toBe(REFUSED_AT_THE_EDGE.has(_what) ? 400 : 200);
      expect(res.errors?.[0]?.extensions?.field).toBe(field);
      expect(res.errors?.[0]?.message.startsWith(`${field}: `)).toBe(true);
    } else {
      expect(res.status).toBe(400);
    }
  });

  it("reached the database with none of them", async () => {
    expect((await api.ok(STAGES, { p: project })).stages).toEqual([{ slug: "web" }]);
    expect(
      (await api.ok(`query($p: String!) { stage(project: $p, slug: "web") { name suspendGraceSeconds } }`, { p: project })).stage,
    ).toEqual({
      name: "web",
      suspendGraceSeconds: 60,
    });
  });

  it("refuses a cursor that is not one on a subscription", async () => {
    const error = await subscribe(api.ws(), STAGE_CHANGED, { p: project, after: "abc" }).error();
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    expect(error.message.startsWith("after: ")).toBe(true);
  });

  it("answers a body that is not JSON, or one above 1 MiB, with a 4xx JSON error", async () => {
    const broken = await post("{ not json");
    expect(broken.status).toBe(400);
    const plain = await post("query { me { name } }", "text/plain");
    expect(plain.status).toBe(400);
    const huge = await post(JSON.stringify({ query: "{ me { name } }", variables: { pad: "x".repeat(1024 * 1024 + 1) } }));
    expect(huge.status).toBe(413);
    for (const res of [broken, plain, huge]) {
      expect(res.type).toMatch(/^application\/json/);
      expect(res.text).not.toMatch(/<html|<pre/i);
      expect(res.text).not.toMatch(LEAKS);
      expect(JSON.parse(res.text).errors[0].extensions.code).toBe("BAD_USER_INPUT");
    }
  });
});

describe("the other codes", () => {
  it("NOT_FOUND for an unknown Project or Stage", async () => {
    expect((await gql(STAGES, { p: "no-such-project" })).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect((await gql(SUSPEND_STAGE, { p: project, s: "no-such-stage" })).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("CONFLICT with a suggestion for a taken Project slug", async () => {
    const taken = await gql(CREATE_PROJECT, { i: { name: "again", slug: project } });
    expect(taken.errors?.[0]?.extensions).toEqual({ code: "CONFLICT", field: "slug", taken: project, suggestion: `${project}-2` });
  });

  it("CONFLICT with a suggestion for a taken Stage ID", async () => {
    const stage = await gql(CREATE_STAGE, { i: { project, name: "Web", type: "QA" } });
    expect(stage.errors?.[0]?.extensions).toEqual({ code: "CONFLICT", field: "slug", taken: "web", suggestion: "web-2" });
  });

  it("STATE_CONFLICT for an illegal transition", async () => {
    const res = await gql(RESUME_STAGE, { p: project, s: "web" });
    expect(res.errors?.[0]?.extensions?.code).toBe("STATE_CONFLICT");
  });

  it("UNAUTHENTICATED without a token, NOT_FOUND outside the user's Projects", async () => {
    const anonymous = await gql(STAGES, { p: project }, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const outsider = await gql(STAGES, { p: project }, (await createTestUser(api)).token);
    expect(outsider.errors?.[0]).toMatchObject({ message: `Project "${project}" not found`, extensions: { code: "NOT_FOUND" } });
  });

  it("RESYNC_REQUIRED for a cursor older than the retained log", async () => {
    const small = await startTestApi({ eventRetention: 10 });
    try {
      const p = await createTestProject(small);
      await small.ok(CREATE_STAGE, { i: { project: p, name: "s", type: "DEV" } });
      for (let n = 1; n < 40; n++) await small.ok(UPDATE_STAGE, { i: { project: p, slug: "s", name: `s ${n}` } });
      const error = await subscribe(small.ws(), STAGE_CHANGED, { p, after: "1" }).error();
      expect(error.extensions?.code).toBe("RESYNC_REQUIRED");
    } finally {
      await small.close();
    }
  });

  it("masks an internal error: INTERNAL_SERVER_ERROR, 'Internal server error', no stack", async () => {
    const broken = await startTestApi();
    try {
      const p = await createTestProject(broken);
      const { project: listed } = await broken.ok(`query($p: String!) { project(slug: $p) { cursor } }`, { p });
      // A socket authenticated while the database was up, held open by a live subscription.
      const client = broken.ws();
      const held = subscribe(client, STAGE_CHANGED, { p, after: listed.cursor });
      await broken.ok(CREATE_STAGE, { i: { project: p, name: "s", type: "DEV" } });
      await held.next();
      // A token this server has not seen yet: its lookup needs the database.
      const { token: unseen } = await createTestUser(broken, { isAdmin: true });
      await broken.server.database.close();

      const post = (token: string) =>
        fetch(broken.server.graphqlUrl, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: "{ projects { slug } }" }),
        });
      const res = await post(unseen);
      const text = await res.text();
      expect(JSON.parse(text).errors).toEqual([{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }]);
      expect(text).not.toMatch(LEAKS);
      // The token lookup fails before any resolver: "unavailable, try again", not a 500.
      expect(res.status).toBe(503);

      // A token seen a moment ago passes (its actor is remembered briefly); the resolver fails, masked.
      const inResolver = await post(broken.adminToken);
      const body = await inResolver.text();
      expect(JSON.parse(body).errors).toEqual([
        {
          message: "Internal server error",
          locations: [{ line: 1, column: 3 }],
          path: ["projects"],
          extensions: { code: "INTERNAL_SERVER_ERROR" },
        },
      ]);
      expect(body).not.toMatch(LEAKS);
      expect(inResolver.status).toBeLessThan(500);

      // In a resolver (the socket's context was built before): masked alike.
      const error = await subscribe(client, `{ projects { slug } }`, {}).error();
      expect(error).toEqual({
        message: "Internal server error",
        locations: [{ line: 1, column: 3 }],
        path: ["projects"],
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      });
      held.close();

      // While authenticating a new socket: closed with 4500 and a masked reason.
      const socket = new WebSocket(broken.server.wsUrl, "graphql-transport-ws");
      socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authToken: `pgl_${"x".repeat(30)}` } })));
      const [code, reason] = (await withTimeout(once(socket, "close"), 5_000, "socket not closed")) as [number, Buffer];
      expect({ code, reason: String(reason) }).toEqual({ code: 4500, reason: "Internal server error" });
    } finally {
      // The server closes the database it opened once more; that second close may refuse.
      await broken.close().catch((e: Error) => expect(e.message).toMatch(/closed|ended/i));
    }
  });
});

it("answered no request of the shared server with a 500", () => {
  expect(statuses.length).toBeGreaterThan(30);
  expect(statuses.filter((s) => s >= 500)).toEqual([]);
});

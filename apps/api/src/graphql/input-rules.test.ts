/**
 * Input rules at the edge (input-rules.ts, security.ts's PARSE_OPTIONS and depth rule): each
 * hostile input is BAD_USER_INPUT naming the field, over HTTP and over one graphql-ws socket that
 * stays open through every refusal and still runs a good operation after each. Nothing of the
 * runtime, the driver or the database reaches the client.
 */
import { once } from "node:events";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createTestProject, startTestApi, uniqueSlug, withTimeout, type TestApi } from "../testing/harness.js";
import { checkInputs, STRING_LIMITS } from "./input-rules.js";

const CREATE_PROJECT = `mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }`;
const CREATE_STAGE = `mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`;
const ADD_CONFIG = `mutation($i: AddConfigDataInput!) { addConfigData(input: $i) { version } }`;
const CREATE_BUILD = `mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }`;
const SUBSCRIPTION = `subscription($p: String!) { stageChanged(project: $p) { kind } }`;
const GOOD = `{ me { name } }`;
/** What must never reach a client. */
const INTERNAL = /call stack|postgres|invalid byte sequence|unsupported Unicode|\bat .*\.[jt]s:\d+|node_modules|INTERNAL/i;

/** JSON text too deep for JSON.stringify, placed where a value would go. */
class RawJson {
  constructor(readonly text: string) {}
}
const deepJson = (depth: number) => new RawJson(`${"[".repeat(depth)}0${"]".repeat(depth)}`);
function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v) => {
    if (!(v instanceof RawJson)) return v;
    raws.push(v.text);
    return "\u0000raw";
  });
  return raws.reduce((json, raw) => json.replace(JSON.stringify("\u0000raw"), raw), text);
}

const nested = (depth: number, leaf: unknown = 0): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};
const fragmentChain = (length: number) =>
  `query { ...F0 } ${Array.from({ length }, (_, i) => `fragment F${i} on Query { ${i + 1 < length ? `...F${i + 1}` : "me { name }"} }`).join(" ")}`;

let api: TestApi;
let project: string;
beforeAll(async () => {
  api = await startTestApi({ production: true });
  project = await createTestProject(api);
  await api.ok(CREATE_STAGE, { i: { project, name: "web", type: "DEV" } });
});
afterAll(() => api?.close());

/** A POST whose body is written by hand (toJson), as an attacker's would be. */
async function post(query: string, variables: unknown) {
  const res = await fetch(api.server.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${api.adminToken}` },
    body: `{"query":${JSON.stringify(query)},"variables":${toJson(variables)}}`,
  });
  return { status: res.status, ...((await res.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] }) };
}

type Message = { id?: string; type: string; payload?: any };

/** A graphql-transport-ws socket spoken by hand: each operation's first answer, and how it closed. */
async function openSocket() {
  const ws = new WebSocket(api.server.wsUrl, "graphql-transport-ws");
  const waiting = new Map<string, (message: Message) => void>();
  let closeCode: number | undefined;
  ws.on("close", (code) => (closeCode = code));
  ws.on("message", (data) => {
    const message = JSON.parse(String(data)) as Message;
    if (message.id) waiting.get(message.id)?.(message);
  });
  await withTimeout(once(ws, "open"), 5_000, "socket not open");
  const acked = once(ws, "message");
  ws.send(JSON.stringify({ type: "connection_init", payload: { authToken: api.adminToken } }));
  expect(JSON.parse(String((await withTimeout(acked, 5_000, "no ack"))[0])).type).toBe("connection_ack");
  let next = 0;
  return {
    run(query: string, variables: unknown): Promise<Message> {
      const id = String(++next);
      const answer = new Promise<Message>((resolve) => waiting.set(id, resolve));
      ws.send(`{"id":"${id}","type":"subscribe","payload":{"query":${JSON.stringify(query)},"variables":${toJson(variables)}}}`);
      return withTimeout(answer, 5_000, `no answer to operation ${id}`);
    },
    get closeCode() {
      return closeCode;
    },
    close: () => ws.close(),
  };
}

const build = (manifest: unknown) => ({ i: { project, artifact: "a".repeat(64), manifest } });

// [what, query, variables, the field named (undefined: none), the message]
type Case = [string, string, () => Record<string, unknown>, string | undefined, RegExp];
const cases: Case[] = [
  ["NUL in a slug", CREATE_PROJECT, () => ({ i: { name: "ok", slug: "a\u0000b" } }), "slug", /NUL/],
  ["lone surrogate in a slug", CREATE_PROJECT, () => ({ i: { name: "ok", slug: "a\ud800" } }), "slug", /surrogate/],
  ["NUL in a name", CREATE_PROJECT, () => ({ i: { name: "a\u0000" } }), "name", /NUL/],
  ["lone low surrogate in a name", CREATE_PROJECT, () => ({ i: { name: "\udc00a" } }), "name", /surrogate/],
  ["NUL in a name written in the document", `mutation { createProject(input: { name: "a\\u0000" }) { slug } }`, () => ({}), "name", /NUL/],
  ["NUL in a top-level argument", `mutation($s: String) { deleteStage(project: "x", stage: $s) }`, () => ({ s: "\u0000" }), "stage", /NUL/],
  [
    "NUL in a config value",
    ADD_CONFIG,
    () => ({ i: { project, stage: "web", env: [{ name: "A", value: "\u0000" }] } }),
    "env[0].value",
    /NUL/,
  ],
  [
    "lone surrogate in a config file, second entry",
    ADD_CONFIG,
    () => ({
      i: {
        project,
        stage: "web",
        files: [
          { name: "a", content: "x" },
          { name: "b", content: "\ud83d" },
        ],
      },
    }),
    "files[1].content",
    /surrogate/,
  ],
  ["NUL nested in JSON", CREATE_BUILD, () => build({ a: { b: ["ok", "x\u0000"] } }), "manifest.a.b[1]", /NUL/],
  ["lone surrogate in a JSON key", CREATE_BUILD, () => build({ "\ud800": 1 }), "manifest", /surrogate/],
  [
    "NUL in a JSON literal",
    `mutation { createBuild(input: { project: "p", artifact: "a", manifest: { a: "\\u0000" } }) { id } }`,
    () => ({}),
    "manifest.a",
    /NUL/,
  ],
  ["a 64-character slug", CREATE_PROJECT, () => ({ i: { name: "ok", slug: "a".repeat(64) } }), "slug", /at most 63/],
  ["a 201-character name", CREATE_PROJECT, () => ({ i: { name: "n".repeat(201) } }), "name", /at most 200/],
  [
    "a 2,049-character URI",
    CREATE_STAGE,
    () => ({ i: { project, name: "u", type: "DEV", outpostUri: `outpost://${"o".repeat(2039)}` } }),
    "outpostUri",
    /at most 2048/,
  ],
  ["JSON 33 deep", CREATE_BUILD, () => build(nested(33)), "manifest", /at most 32 levels/],
  ["JSON of 10,001 values", CREATE_BUILD, () => build(Array.from({ length: 10_000 }, () => 1)), "manifest", /at most 10000 values/],
  ["10,000 nested brackets in a JSON variable", CREATE_BUILD, () => build(deepJson(10_000)), "manifest", /at most 32 levels/],
  [
    "10,000 nested brackets in the document",
    `{ nodes(ids: ${"[".repeat(10_000)}${"]".repeat(10_000)}) { id } }`,
    () => ({}),
    undefined,
    /nested more than 64 deep/,
  ],
  ["a chain of 3,000 fragments", fragmentChain(3000), () => ({}), undefined, /2000 tokens/],
  // graphql-armor's max-depth counts each spread and fragment as levels: a chain of 5 is past 10.
  ["a chain of 20 fragments", fragmentChain(20), () => ({}), undefined, /validation error|depth limit/i],
];

describe("input rules at the edge", () => {
  it.each(cases)("over HTTP: %s", async (_what, query, variables, field, message) => {
    const res = await post(query, variables());
    const error = res.errors?.[0];
    expect(error?.extensions?.code, JSON.stringify(res.errors)).toBe("BAD_USER_INPUT");
    expect(res.status).toBe(400);
    expect(error?.extensions?.field).toBe(field);
    expect(error?.message).toMatch(message);
    expect(JSON.stringify(res)).not.toMatch(INTERNAL);
  });

  it("over one socket: each case is that operation's error, the socket stays open and a good operation follows", async () => {
    const socket = await openSocket();
    try {
      // The 3,000-fragment chain (~100 KB) is past the socket's 64 KiB message limit, a protocol
      // violation that closes the socket with 1009 (ws-errors.test.ts).
      for (const [what, query, variables, field, message] of cases.filter(([, query]) => query.length < 64 * 1024)) {
        const answer = await socket.run(query, variables());
        expect(answer.type, what).toBe("error");
        const [error] = answer.payload as { message: string; extensions?: Record<string, unknown> }[];
        expect(error?.extensions, what).toMatchObject({ code: "BAD_USER_INPUT", ...(field ? { field } : {}) });
        expect(error?.message, what).toMatch(message);
        expect(JSON.stringify(answer), what).not.toMatch(INTERNAL);
        const good = await socket.run(GOOD, {});
        expect(good.payload?.data?.me?.name, what).toBeTruthy();
      }
      expect(socket.closeCode).toBeUndefined();
    } finally {
      socket.close();
    }
  });

  it("accepts what is within the limits: a 63-character slug, JSON 32 deep, 3 chained fragments, a surrogate pair", async () => {
    const unique = uniqueSlug("s");
    const slug = `${unique}${"a".repeat(63 - unique.length)}`;
    expect((await api.ok(CREATE_PROJECT, { i: { name: "Rocket 🚀", slug } })).createProject.slug).toBe(slug);
    expect((await api.ok(fragmentChain(3))).me.name).toBeTruthy();
    const res = await api.gql(CREATE_BUILD, build(nested(31, { name: "x" })));
    // The manifest passes the edge; the service then refuses it for what it is (no such artifact).
    expect(res.errors?.[0]?.message).not.toMatch(/levels deep/);
  });

  it("refuses a subscription over HTTP, which only the socket serves", async () => {
    const res = await post(SUBSCRIPTION, { p: project });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" }, message: expect.stringMatching(/WebSocket/) });
  });

  it("takes config values up to 1 MiB and other strings up to 64 KiB (checked without a transport's size limit)", () => {
    const { schema } = api.server;
    const document = parse(ADD_CONFIG);
    const config = (value: string, name = "A") => ({ i: { project, stage: "web", env: [{ name, value }] } });
    expect(checkInputs(schema, document, undefined, config("v".repeat(STRING_LIMITS.configValue)))).toBeUndefined();
    expect(checkInputs(schema, document, undefined, config("v".repeat(STRING_LIMITS.configValue + 1)))?.details).toEqual({
      field: "env[0].value",
    });
    expect(checkInputs(schema, document, undefined, config("v", "N".repeat(STRING_LIMITS.other + 1)))?.details).toEqual({
      field: "env[0].name",
    });
  });
});

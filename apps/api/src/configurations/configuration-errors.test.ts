/**
 * What addConfigData / removeConfigData / configuration refuse: bad input (BAD_USER_INPUT naming
 * the field), unknown Projects, Stages, Configurations and names, and callers outside the Project.
 * Each time nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, createTestUser, startTestApi, type TestApi } from "../testing/harness.js";

const ADD = `mutation($i: AddConfigDataInput!) { addConfigData(input: $i) { version data { name } } }`;
const REMOVE = `mutation($i: RemoveConfigDataInput!) { removeConfigData(input: $i) { version } }`;
const GET = `query($p: String!, $s: String! = "web", $n: String) { configuration(project: $p, stage: $s, name: $n) { version } }`;
const KIB64 = 64 * 1024;

let api: TestApi;
let project: string;
beforeAll(async () => {
  api = await startTestApi();
  project = await createTestProject(api);
  await api.ok(`mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, { i: { project, name: "web", type: "DEV" } });
  await api.ok(ADD, { i: { project, stage: "web", env: [{ name: "KEPT", value: "1" }] } });
});
afterAll(() => api?.close());

const ok = { name: "OK", value: "v" };
const badAdds: [string, Record<string, unknown>][] = [
  ["config", { config: "Not_A_Label", env: [ok] }],
  ["config", { config: "", env: [ok] }],
  ["env", {}],
  ["env", { env: [], files: [] }],
  ["env", { env: Array.from({ length: 501 }, (_, n) => ({ name: `E${n}`, value: "" })) }],
  ["env[0].name", { env: [{ name: "1ABC", value: "v" }] }],
  ["env[1].name", { env: [ok, { name: "A-B", value: "v" }] }],
  ["env[0].name", { env: [{ name: "", value: "v" }] }],
  ["env[0].name", { env: [{ name: `A${"B".repeat(256)}`, value: "v" }] }],
  ["env[1].name", { env: [ok, { ...ok, value: "w" }] }],
  ["env[0].value", { env: [{ name: "BIG", value: "x".repeat(KIB64 + 1) }] }],
  ["env[0].value", { env: [{ name: "NUL", value: "a\u0000b" }] }],
  ["env[0].value", { env: [{ name: "HALF", value: "a\ud800b" }] }],
  ["files[0].name", { files: [{ name: "../etc/passwd", content: "x" }] }],
  ["files[0].name", { files: [{ name: "a/../../b", content: "x" }] }],
  ["files[0].name", { files: [{ name: "/srv/..", content: "x" }] }],
  ["files[0].name", { files: [{ name: "", content: "x" }] }],
  ["files[0].name", { files: [{ name: "conf/", content: "x" }] }],
  ["files[0].name", { files: [{ name: "a\nb", content: "x" }] }],
  ["files[0].name", { files: [{ name: `/${"d".repeat(1024)}`, content: "x" }] }],
  [
    "files[1].name",
    {
      files: [
        { name: "a", content: "x" },
        { name: "a", content: "y" },
      ],
    },
  ],
  // 32 769 characters, 65 538 bytes: the limit is in bytes.
  ["files[0].content", { files: [{ name: "big.txt", content: "é".repeat(KIB64 / 2 + 1) }] }],
  ["files[0].content", { files: [{ name: "bin", content: "\u0000" }] }],
  ["expectedVersion", { env: [ok], expectedVersion: -1 }],
];

describe("addConfigData refuses bad input", () => {
  it.each(badAdds)("%s: %j", async (field, input) => {
    const res = await api.gql(ADD, { i: { project, stage: "web", ...input } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(res.errors?.[0]?.message.startsWith(`${field}: `)).toBe(true);
    expect((await api.ok(GET, { p: project })).configuration.version).toBe(1);
  });

  it("takes the largest allowed values and paths", async () => {
    const config = "limits";
    const { addConfigData } = await api.ok(ADD, {
      i: {
        project,
        stage: "web",
        config,
        env: [{ name: `A${"B".repeat(255)}`, value: "x".repeat(KIB64) }],
        files: [
          { name: `/${"d".repeat(1023)}`, content: "é".repeat(KIB64 / 2) },
          { name: "./a/..b/c.txt", content: "" },
        ],
      },
    });
    expect(addConfigData.data).toHaveLength(3);
  });

  it("holds at most 500 entries per Configuration", async () => {
    const config = "full";
    const many = (from: number, count: number) => Array.from({ length: count }, (_, n) => ({ name: `E${from + n}`, value: "" }));
    expect((await api.ok(ADD, { i: { project, stage: "web", config, env: many(0, 500) } })).addConfigData.data).toHaveLength(500);
    const over = await api.gql(ADD, { i: { project, stage: "web", config, files: [{ name: "one-more", content: "" }] } });
    expect(over.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "files", limit: 500 });
    expect(
      (await api.ok(ADD, { i: { project, stage: "web", config, env: [{ name: "E0", value: "replaced" }] } })).addConfigData.version,
    ).toBe(2);
    expect((await api.ok(GET, { p: project, n: config })).configuration.version).toBe(2);
  });
});

describe("removeConfigData refuses bad input", () => {
  it.each([
    ["names", { names: [] }],
    ["config", { config: "Bad Name", names: ["KEPT"] }],
    ["expectedVersion", { names: ["KEPT"], expectedVersion: -2 }],
  ])("%s: %j", async (field, input) => {
    const res = await api.gql(REMOVE, { i: { project, stage: "web", ...input } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect((await api.ok(GET, { p: project })).configuration.version).toBe(1);
  });
});

describe("addressing and authorization", () => {
  const codeOf = async (query: string, variables: Record<string, unknown>, token?: string) =>
    (await api.gql(query, variables, token)).errors?.[0]?.extensions?.code;

  it("answers NOT_FOUND for an unknown Project, Stage, Configuration or name", async () => {
    const add = (p: string, s: string) => ({ i: { project: p, stage: s, env: [ok] } });
    expect(await codeOf(ADD, add("no-such-project", "web"))).toBe("NOT_FOUND");
    expect(await codeOf(ADD, add(project, "no-such-stage"))).toBe("NOT_FOUND");
    expect(await codeOf(REMOVE, { i: { project, stage: "no-such-stage", names: ["KEPT"] } })).toBe("NOT_FOUND");
    expect(await codeOf(REMOVE, { i: { project, stage: "web", config: "no-such-config", names: ["KEPT"] } })).toBe("NOT_FOUND");
    expect(await codeOf(REMOVE, { i: { project, stage: "web", names: ["NO_SUCH_NAME"] } })).toBe("NOT_FOUND");
    expect(await codeOf(GET, { p: "no-such-project" })).toBe("NOT_FOUND");
    expect(await codeOf(GET, { p: project, s: "no-such-stage" })).toBe("NOT_FOUND");
    expect((await api.ok(GET, { p: project, n: "no-such-config" })).configuration).toBeNull();
    expect((await api.ok(GET, { p: project })).configuration.version).toBe(1);
  });

  it("answers NOT_FOUND to a user outside the Project, as for a Project that does not exist", async () => {
    const { token: member } = await createTestUser(api);
    expect(await codeOf(ADD, { i: { project, stage: "web", env: [ok] } }, member)).toBe("NOT_FOUND");
    expect(await codeOf(REMOVE, { i: { project, stage: "web", names: ["KEPT"] } }, member)).toBe("NOT_FOUND");
    expect(await codeOf(GET, { p: project }, member)).toBe("NOT_FOUND");
    expect(await codeOf(`query($p: String!) { stages(project: $p) { configs { name } } }`, { p: project }, member)).toBe("NOT_FOUND");
    expect((await api.ok(GET, { p: project })).configuration.version).toBe(1);
  });
});

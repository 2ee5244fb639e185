/**
 * Configurations through the API: versions, removal, write-only secrets, expectedVersion,
 * and concurrent changes. Bad input, NOT_FOUND and FORBIDDEN: configuration-errors.test.ts.
 */
import { randomBytes } from "node:crypto";
import { configurations, configurationVersions } from "@pergola/db/schema";
import { and, asc, eq } from "drizzle-orm";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ADMIN, createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";

const CONFIG = `name version updatedAt data { name kind value secret }`;
const ADD = `mutation($i: AddConfigDataInput!) { addConfigData(input: $i) { ${CONFIG} } }`;
const REMOVE = `mutation($i: RemoveConfigDataInput!) { removeConfigData(input: $i) { ${CONFIG} } }`;
const GET = `query($p: String!, $s: String!, $n: String) { configuration(project: $p, stage: $s, name: $n) { ${CONFIG} } }`;
const EVENTS = `subscription($p: String!) { events(project: $p, after: "0") { cursor kind stage { slug } payload } }`;
const STAGE_CHANGED = `subscription($p: String!) { stageChanged(project: $p, after: "0") { kind } }`;

let api: TestApi;
const logged: string[] = [];
beforeAll(async () => {
  // Everything the server logs, at every level, so the secrets test can search it.
  api = await startTestApi({ logger: pino({ level: "trace" }, { write: (line: string) => void logged.push(line) }) });
});
afterAll(() => api?.close());

/** A Project with one Stage, `web`. */
async function createStage(): Promise<string> {
  const project = await createTestProject(api);
  await api.ok(`mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, { i: { project, name: "web", type: "DEV" } });
  return project;
}

const env = (name: string, value: string, secret?: boolean) => ({ kind: "ENV", name, value, secret: secret ?? false });

describe("addConfigData", () => {
  it("creates the Configuration on first use, then replaces and adds, one immutable version each", async () => {
    const project = await createStage();
    const first = (
      await api.ok(ADD, {
        i: {
          project,
          stage: "web",
          env: [
            { name: "B", value: "2" },
            { name: "A", value: "1" },
          ],
        },
      })
    ).addConfigData;
    expect(first).toMatchObject({ name: "default", version: 1, data: [env("A", "1"), env("B", "2")] });

    const second = (await api.ok(ADD, { i: { project, stage: "web", env: [{ name: "A", value: "one" }] } })).addConfigData;
    expect(second).toMatchObject({ version: 2, data: [env("A", "one"), env("B", "2")] });

    const files = [{ name: "conf/app.yaml", content: "port: 8080\n" }];
    const third = (await api.ok(ADD, { i: { project, stage: "web", files } })).addConfigData;
    expect(third.version).toBe(3);
    expect(third.data).toEqual([
      env("A", "one"),
      env("B", "2"),
      { kind: "FILE", name: "conf/app.yaml", value: "port: 8080\n", secret: false },
    ]);
    expect((await api.ok(GET, { p: project, s: "web" })).configuration).toEqual(third);

    const versions = await versionsOf(project);
    expect(versions.map((v) => [v.version, (v.data as { entries: unknown[] }).entries.length, v.createdBy])).toEqual([
      [1, 2, "admin"],
      [2, 2, "admin"],
      [3, 3, "admin"],
    ]);
    expect((versions[0]!.data as { entries: { value: string }[] }).entries.map((e) => e.value)).toEqual(["1", "2"]);
  });

  it("keeps named Configurations apart and lists the newest of each on the Stage", async () => {
    const project = await createStage();
    await api.ok(ADD, { i: { project, stage: "web", config: "worker", env: [{ name: "QUEUE", value: "jobs" }] } });
    await api.ok(ADD, { i: { project, stage: "web", env: [{ name: "X", value: "1" }] } });
    await api.ok(ADD, { i: { project, stage: "web", env: [{ name: "X", value: "2" }] } });
    const { stages } = await api.ok(`query($p: String!) { stages(project: $p) { configs { name version data { name value } } } }`, {
      p: project,
    });
    expect(stages[0].configs).toEqual([
      { name: "default", version: 2, data: [{ name: "X", value: "2" }] },
      { name: "worker", version: 1, data: [{ name: "QUEUE", value: "jobs" }] },
    ]);
    expect((await api.ok(GET, { p: project, s: "web", n: "worker" })).configuration.version).toBe(1);
    expect((await api.ok(GET, { p: project, s: "web", n: "nope" })).configuration).toBeNull();
  });
});

/** The stored versions of the Stage `web`'s default Configuration, secret values included. */
async function versionsOf(project: string) {
  const { services } = api.server;
  const row = await services.projects.requireProject(SYSTEM_ADMIN, project);
  const stage = await services.stages.findStage(row, "web");
  return api.server.database.db
    .select({ version: configurationVersions.version, data: configurationVersions.data, createdBy: configurationVersions.createdBy })
    .from(configurationVersions)
    .innerJoin(configurations, eq(configurations.id, configurationVersions.configurationId))
    .where(and(eq(configurations.stageId, stage!.id), eq(configurations.name, "default")))
    .orderBy(asc(configurationVersions.version));
}

describe("removeConfigData", () => {
  it("removes the env entry and the file of each name, and answers NOT_FOUND for unknown ones", async () => {
    const project = await createStage();
    await api.ok(ADD, {
      i: {
        project,
        stage: "web",
        env: [
          { name: "X", value: "1" },
          { name: "Y", value: "2" },
        ],
        files: [{ name: "X", content: "x" }],
      },
    });
    const { removeConfigData } = await api.ok(REMOVE, { i: { project, stage: "web", names: ["X"] } });
    expect(removeConfigData).toMatchObject({ version: 2, data: [env("Y", "2")] });

    const unknown = await api.gql(REMOVE, { i: { project, stage: "web", names: ["Y", "X", "Z"] } });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", field: "names", names: ["X", "Z"] });
    const noConfig = await api.gql(REMOVE, { i: { project, stage: "web", config: "other", names: ["Y"] } });
    expect(noConfig.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(noConfig.errors?.[0]?.message).toContain('Configuration "other"');
    expect((await api.ok(GET, { p: project, s: "web" })).configuration.version).toBe(2);
  });
});

describe("secrets", () => {
  it("are never returned: not by mutations, queries, Stage.configs, events nor logs", async () => {
    const project = await createStage();
    const secret = `s3cret-${randomBytes(8).toString("hex")}`;
    const fileSecret = `-----BEGIN KEY----- ${randomBytes(8).toString("hex")}`;
    const responses: unknown[] = [];
    const add = async (i: Record<string, unknown>) => {
      const res = await api.gql(ADD, { i: { project, stage: "web", ...i } });
      responses.push(res);
      return res.data!.addConfigData;
    };
    const created = await add({
      env: [
        { name: "DB_PASSWORD", value: secret, secret: true },
        { name: "PLAIN", value: "p" },
      ],
      files: [{ name: "/etc/key.pem", content: fileSecret, secret: true }],
    });
    expect(created.data).toEqual([
      { kind: "ENV", name: "DB_PASSWORD", value: null, secret: true },
      env("PLAIN", "p"),
      { kind: "FILE", name: "/etc/key.pem", value: null, secret: true },
    ]);
    // Re-added without the flag (a rotation), the value stays secret.
    const rotated = await add({ env: [{ name: "DB_PASSWORD", value: `${secret}-2` }] });
    expect(rotated.data[0]).toEqual({ kind: "ENV", name: "DB_PASSWORD", value: null, secret: true });
    const plain = await add({ env: [{ name: "DB_PASSWORD", value: "public now", secret: false }] });
    expect(plain.data[0]).toEqual(env("DB_PASSWORD", "public now"));
    responses.push(await api.gql(GET, { p: project, s: "web" }));
    responses.push(await api.gql(`query($p: String!) { project(slug: $p) { stages { configs { ${CONFIG} } } } }`, { p: project }));

    const sub = subscribe(api.ws(), EVENTS, { p: project });
    const events = [];
    for (let n = 0; n < 5; n++) events.push((await sub.next()).events);
    sub.close();
    expect(events.map((e) => e.kind)).toEqual([
      "PROJECT_CREATED",
      "STAGE_CREATED",
      "CONFIGURATION_CHANGED",
      "CONFIGURATION_CHANGED",
      "CONFIGURATION_CHANGED",
    ]);
    expect(events[2]).toMatchObject({ stage: { slug: "web" } });
    expect(events[2].payload.configuration).toEqual({
      name: "default",
      version: 1,
      entries: [
        { kind: "ENV", name: "DB_PASSWORD", secret: true },
        { kind: "ENV", name: "PLAIN", secret: false },
        { kind: "FILE", name: "/etc/key.pem", secret: true },
      ],
    });

    // Stored all the same (the next Release needs them), the secret ones encrypted (secret-box.ts).
    const stored = (await versionsOf(project)).map(
      (v) => (v.data as { entries: { name: string; value: string; encrypted?: boolean }[] }).entries[0],
    );
    expect(stored.map((e) => e?.encrypted ?? false)).toEqual([true, true, false]);
    expect(stored.map((e) => e?.value)).toEqual([expect.stringMatching(/^v1:/), expect.stringMatching(/^v1:/), "public now"]);
    expect(JSON.stringify(stored)).not.toContain(secret);

    const seen = JSON.stringify([responses, events]) + logged.join("");
    expect(seen).toContain("public now");
    expect(seen).not.toContain(secret);
    expect(seen).not.toContain(fileSecret);
  });

  it("do not show in stageChanged: a Configuration change is not a change of the Stage", async () => {
    const project = await createStage();
    await api.ok(ADD, { i: { project, stage: "web", env: [{ name: "A", value: "1" }] } });
    await api.ok(`mutation($i: UpdateStageInput!) { updateStage(input: $i) { slug } }`, { i: { project, slug: "web", name: "Web" } });
    const sub = subscribe(api.ws(), STAGE_CHANGED, { p: project });
    expect([(await sub.next()).stageChanged.kind, (await sub.next()).stageChanged.kind]).toEqual(["STAGE_CREATED", "STAGE_UPDATED"]);
    sub.close();
  });
});

describe("expectedVersion", () => {
  it("writes when it matches and answers CONFLICT with expected and actual when it does not", async () => {
    const project = await createStage();
    const at = (expectedVersion: number, value: string) =>
      api.gql(ADD, { i: { project, stage: "web", expectedVersion, env: [{ name: "A", value }] } });
    expect((await at(3, "x")).errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", expected: 3, actual: 0 });
    expect((await at(0, "1")).data?.addConfigData.version).toBe(1);
    expect((await at(1, "2")).data?.addConfigData.version).toBe(2);
    const stale = await at(1, "3");
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", expected: 1, actual: 2 });
    expect(stale.errors?.[0]?.message).toMatch(/changed meanwhile/);
    expect((await at(0, "3")).errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", expected: 0, actual: 2 });
    const staleRemove = await api.gql(REMOVE, { i: { project, stage: "web", expectedVersion: 1, names: ["A"] } });
    expect(staleRemove.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", expected: 1, actual: 2 });
    expect((await api.ok(GET, { p: project, s: "web" })).configuration).toMatchObject({ version: 2, data: [env("A", "2")] });
    expect((await api.ok(REMOVE, { i: { project, stage: "web", expectedVersion: 2, names: ["A"] } })).removeConfigData).toMatchObject({
      version: 3,
      data: [],
    });
  });
});

describe("concurrency", () => {
  it("serializes 20 concurrent changes of one Configuration: version 21, every entry kept, events in version order", async () => {
    const project = await createStage();
    await api.ok(ADD, { i: { project, stage: "web", env: [{ name: "SEED", value: "0" }] } });
    await Promise.all(
      Array.from({ length: 20 }, (_, n) => api.ok(ADD, { i: { project, stage: "web", env: [{ name: `K${n}`, value: `${n}` }] } })),
    );
    const { configuration } = await api.ok(GET, { p: project, s: "web" });
    expect(configuration.version).toBe(21);
    expect(configuration.data.map((d: { name: string }) => d.name).sort()).toEqual(
      ["SEED", ...Array.from({ length: 20 }, (_, n) => `K${n}`)].sort(),
    );
    const sub = subscribe(api.ws(), EVENTS, { p: project });
    const versions = [];
    for (let n = 0; n < 23; n++) versions.push((await sub.next()).events.payload.configuration?.version);
    sub.close();
    expect(versions.slice(2)).toEqual(Array.from({ length: 21 }, (_, n) => n + 1));
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";

const RELEASE = `number state message configVersion createdBy build { name } config { name version data { name value } }`;
const DEPLOY = `mutation($i: DeployReleaseInput!) { deployRelease(input: $i) { ${RELEASE} } }`;
const STAGE = `query($p: String!, $s: String!) { stage(project: $p, slug: $s) { configDrift currentRelease { number build { name } } } }`;

let api: TestApi;
let artifact: string;
beforeAll(async () => {
  api = await startTestApi();
  artifact = await uploadArtifact(api);
});
afterAll(() => api?.close());

async function projectWithStages(...stages: string[]) {
  const project = await createTestProject(api);
  for (const name of stages) {
    await api.ok(`mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, { i: { project, name, type: "DEV" } });
  }
  return project;
}

const addConfig = (project: string, stage: string, value: string) =>
  api.ok(`mutation($i: AddConfigDataInput!) { addConfigData(input: $i) { version } }`, {
    i: { project, stage, env: [{ name: "GREETING", value }] },
  });

describe("Releases", () => {
  it("deploys a Build as a PENDING Release and supersedes the active one", async () => {
    const project = await projectWithStages("dev");
    const [b1, b2] = await createBuilds(api, project, artifact, 2);
    const first = (await api.ok(DEPLOY, { i: { project, stage: "dev", build: b1 } })).deployRelease;
    expect(first).toMatchObject({
      number: 1,
      state: "PENDING",
      message: "waiting for the agent",
      createdBy: "admin",
      build: { name: b1 },
      config: null,
    });
    const second = (await api.ok(DEPLOY, { i: { project, stage: "dev", build: b2 } })).deployRelease;
    expect(second).toMatchObject({ number: 2, state: "PENDING", build: { name: b2 } });
    const { releases } = await api.ok(`query($p: String!) { releases(project: $p, stage: "dev") { number state } }`, { p: project });
    expect(releases).toEqual([
      { number: 2, state: "PENDING" },
      { number: 1, state: "SUPERSEDED" },
    ]);
    expect((await api.ok(STAGE, { p: project, s: "dev" })).stage.currentRelease).toEqual({ number: 2, build: { name: b2 } });
  });

  it("releases a Configuration change with the current Build, and tells the drift meanwhile", async () => {
    const project = await projectWithStages("dev");
    const [b1] = await createBuilds(api, project, artifact, 1);
    await addConfig(project, "dev", "hello");
    const r1 = (await api.ok(DEPLOY, { i: { project, stage: "dev", build: b1 } })).deployRelease;
    expect(r1.config).toEqual({ name: "default", version: 1, data: [{ name: "GREETING", value: "hello" }] });
    expect((await api.ok(STAGE, { p: project, s: "dev" })).stage.configDrift).toBe(false);

    await addConfig(project, "dev", "bonjour");
    expect((await api.ok(STAGE, { p: project, s: "dev" })).stage.configDrift).toBe(true);
    const r2 = (await api.ok(DEPLOY, { i: { project, stage: "dev", config: "default" } })).deployRelease;
    expect(r2).toMatchObject({ number: 2, configVersion: 2, build: { name: b1 }, config: { data: [{ value: "bonjour" }] } });
    expect((await api.ok(STAGE, { p: project, s: "dev" })).stage.configDrift).toBe(false);
    // The first Release still runs with what it was made with: Releases are immutable.
    const { releases } = await api.ok(`query($p: String!) { releases(project: $p, stage: "dev") { config { version data { value } } } }`, {
      p: project,
    });
    expect(releases[1].config).toEqual({ version: 1, data: [{ value: "hello" }] });
  });

  it("promotes the Build from one Stage to another, which keeps its own Configuration", async () => {
    const project = await projectWithStages("dev", "qa");
    const [b1, b2] = await createBuilds(api, project, artifact, 2);
    await addConfig(project, "qa", "qa-value");
    await api.ok(DEPLOY, { i: { project, stage: "qa", build: b1, config: "default" } });
    await api.ok(DEPLOY, { i: { project, stage: "dev", build: b2 } });
    const { promoteRelease } = await api.ok(`mutation($p: String!) { promoteRelease(project: $p, from: "dev", to: "qa") { ${RELEASE} } }`, {
      p: project,
    });
    expect(promoteRelease).toMatchObject({ number: 2, build: { name: b2 }, config: { data: [{ value: "qa-value" }] } });
  });

  it("rolls back to the Build of the Release before, or says there is none", async () => {
    const project = await projectWithStages("dev");
    const [b1, b2] = await createBuilds(api, project, artifact, 2);
    const rollback = `mutation($p: String!) { rollbackStage(project: $p, slug: "dev") { number build { name } } }`;
    expect((await api.gql(rollback, { p: project })).errors?.[0]?.extensions?.code).toBe("STATE_CONFLICT");
    await api.ok(DEPLOY, { i: { project, stage: "dev", build: b1 } });
    expect((await api.gql(rollback, { p: project })).errors?.[0]?.message).toMatch(/no earlier Release/);
    await api.ok(DEPLOY, { i: { project, stage: "dev", build: b2 } });
    expect((await api.ok(rollback, { p: project })).rollbackStage).toEqual({ number: 3, build: { name: b1 } });
  });

  it("deploys to a suspended Stage: it becomes the Stage's Release and waits for resume", async () => {
    const project = await projectWithStages("dev");
    const [b1] = await createBuilds(api, project, artifact, 1);
    await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p: project });
    const { deployRelease } = await api.ok(DEPLOY, { i: { project, stage: "dev", build: b1 } });
    expect(deployRelease).toMatchObject({ state: "PENDING", message: expect.stringMatching(/starts on resume/) });
  });

  it.each([
    ["neither a Build nor a Configuration", {}, "BAD_USER_INPUT"],
    ["only a Configuration on a Stage with no Release yet", { config: "default" }, "BAD_USER_INPUT"],
    ["an unknown Build", { build: "nope" }, "NOT_FOUND"],
    ["an unknown Configuration", { build: "b1", config: "other" }, "NOT_FOUND"],
    ["an unknown Stage", { stage: "nope", build: "b1" }, "NOT_FOUND"],
  ])("refuses %s", async (_what, extra, code) => {
    const project = await projectWithStages("dev");
    await createBuilds(api, project, artifact, 1);
    const res = await api.gql(DEPLOY, { i: { project, stage: "dev", ...extra } });
    expect(res.errors?.[0]?.extensions?.code).toBe(code);
  });

  it("streams the Stage's Release events from a cursor (releaseChanged)", async () => {
    const project = await projectWithStages("dev", "qa");
    const [b1, b2] = await createBuilds(api, project, artifact, 2);
    const { project: p } = await api.ok(`query($p: String!) { project(slug: $p) { cursor } }`, { p: project });
    await api.ok(DEPLOY, { i: { project, stage: "qa", build: b1 } });
    await api.ok(DEPLOY, { i: { project, stage: "dev", build: b1 } });
    await api.ok(DEPLOY, { i: { project, stage: "dev", build: b2 } });
    const sub = subscribe(
      api.ws(),
      `subscription($p: String!, $a: String) { releaseChanged(project: $p, stage: "dev", after: $a) { kind stage { slug } release { number state } } }`,
      { p: project, a: p.cursor },
    );
    const got = [await sub.next(), await sub.next(), await sub.next()].map((e) => e.releaseChanged);
    expect(got).toEqual([
      { kind: "RELEASE_CREATED", stage: { slug: "dev" }, release: { number: 1, state: "PENDING" } },
      { kind: "RELEASE_STATE_CHANGED", stage: { slug: "dev" }, release: { number: 1, state: "SUPERSEDED" } },
      { kind: "RELEASE_CREATED", stage: { slug: "dev" }, release: { number: 2, state: "PENDING" } },
    ]);
    sub.close();
  });
});

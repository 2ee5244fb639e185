import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, type TestApi } from "../testing/harness.js";
import { createGrantedOutpost, deployAndReport, untilOutpostStatus } from "../testing/outpost-agent.js";

const STAGE = `slug name type state health suspendGraceSeconds project { slug }`;
const create = `mutation($i: CreateStageInput!) { createStage(input: $i) { ${STAGE} } }`;

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

describe("Stages", () => {
  it("creates a Stage with an ID derived from its name", async () => {
    const project = await createTestProject(api);
    const { createStage } = await api.ok(create, { i: { project, name: "My New Stage", type: "DEV" } });
    expect(createStage).toEqual({
      slug: "my-new-stage",
      name: "My New Stage",
      type: "DEV",
      state: "RUNNING",
      health: "UNKNOWN",
      suspendGraceSeconds: 60,
      project: { slug: project },
    });
    const { stages } = await api.ok(`query($p: String!) { stages(project: $p) { slug } }`, { p: project });
    expect(stages).toEqual([{ slug: "my-new-stage" }]);
  });

  it("takes an explicit Stage ID and answers CONFLICT with a free suggestion when it is taken", async () => {
    const project = await createTestProject(api);
    await api.ok(create, { i: { project, name: "Anything", type: "QA", slug: "qa" } });
    const taken = await api.gql(create, { i: { project, name: "QA", type: "QA" } });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "slug", taken: "qa", suggestion: "qa-2" });
    expect(taken.errors?.[0]?.message).toContain('"qa"');
    await api.ok(create, { i: { project, name: "QA", type: "QA", slug: "qa-2" } });
    const again = await api.gql(create, { i: { project, name: "QA", type: "QA" } });
    expect(again.errors?.[0]?.extensions?.suggestion).toBe("qa-3");
  });

  it("keeps the Stage ID when the Stage is renamed, and changes its type", async () => {
    const project = await createTestProject(api);
    await api.ok(create, { i: { project, name: "Staging", type: "QA" } });
    const { updateStage } = await api.ok(
      `mutation($i: UpdateStageInput!) { updateStage(input: $i) { slug name type suspendGraceSeconds } }`,
      { i: { project, slug: "staging", name: "Pre-production", type: "PROD", suspendGraceSeconds: 5 } },
    );
    expect(updateStage).toEqual({ slug: "staging", name: "Pre-production", type: "PROD", suspendGraceSeconds: 5 });
    const { stage } = await api.ok(`query($p: String!) { stage(project: $p, slug: "staging") { name } }`, { p: project });
    expect(stage.name).toBe("Pre-production");
  });

  it("suspends and resumes, refusing illegal transitions with STATE_CONFLICT", async () => {
    const project = await createTestProject(api);
    await api.ok(create, { i: { project, name: "prod", type: "PROD" } });
    const call = (verb: string) => api.gql(`mutation($p: String!) { ${verb}(project: $p, slug: "prod") { state } }`, { p: project });
    expect((await call("resumeStage")).errors?.[0]?.extensions?.code).toBe("STATE_CONFLICT");
    expect((await call("suspendStage")).data).toEqual({ suspendStage: { state: "SUSPENDED" } });
    const twice = await call("suspendStage");
    expect(twice.errors?.[0]).toMatchObject({ extensions: { code: "STATE_CONFLICT" } });
    expect(twice.errors?.[0]?.message).toMatch(/is SUSPENDED/);
    expect((await call("resumeStage")).data).toEqual({ resumeStage: { state: "RUNNING" } });
  });

  it("deletes (archives) a Stage, keeping its ID until it is purged", async () => {
    const project = await createTestProject(api);
    await api.ok(create, { i: { project, name: "tmp", type: "DEV" } });
    const del = `mutation($p: String!) { deleteStage(project: $p, slug: "tmp") }`;
    expect(await api.ok(del, { p: project })).toEqual({ deleteStage: true });
    expect((await api.gql(del, { p: project })).errors?.[0]?.extensions?.code).toBe("STATE_CONFLICT");
    expect((await api.gql(create, { i: { project, name: "tmp", type: "DEV" } })).errors?.[0]?.extensions?.code).toBe("CONFLICT");
    await api.ok(`mutation($p: String!) { purgeStage(project: $p, stage: "tmp") }`, { p: project });
    await api.ok(create, { i: { project, name: "tmp", type: "DEV" } });
  });
});

describe("the list of Stages", () => {
  it("says of each Stage what the Stage itself says: health, current and live Release, drift", async () => {
    const project = await createTestProject(api);
    const outpost = await createGrantedOutpost(api, project);
    const artifact = await uploadArtifact(api);
    await api.ok(create, { i: { project, name: "plain", type: "DEV" } });
    await api.ok(create, { i: { project, name: "edge", type: "QA", outpostUri: `outpost://${outpost.slug}` } });
    // #1 DEPLOYED on the Outpost, then #2 on its way: #2 is current, #1 serves (and decides the health).
    await deployAndReport(api, { project, stage: "edge", artifact, token: outpost.token });
    // Its agent went away: once the API has taken the socket's close, the Outpost is OFFLINE (read
    // before that, the list could see it ONLINE and the Stage read after it OFFLINE).
    await untilOutpostStatus(api, outpost.slug, "OFFLINE");
    const [build] = await createBuilds(api, project, artifact, 1);
    await api.ok(`mutation($i: DeployReleaseInput!) { deployRelease(input: $i) { number } }`, { i: { project, stage: "edge", build } });

    const FIELDS = `slug health configDrift currentRelease { number state } liveRelease { number state }`;
    const { stages } = await api.ok(`query($p: String!) { stages(project: $p) { ${FIELDS} } }`, { p: project });
    const { project: byProject } = await api.ok(`query($p: String!) { project(slug: $p) { stages { ${FIELDS} } } }`, { p: project });
    const one = async (slug: string) =>
      (await api.ok(`query($p: String!, $s: String!) { stage(project: $p, stage: $s) { ${FIELDS} } }`, { p: project, s: slug })).stage;
    expect(stages).toEqual([await one("plain"), await one("edge")]);
    expect(byProject.stages).toEqual(stages);
    expect(stages).toEqual([
      { slug: "plain", health: "UNKNOWN", configDrift: false, currentRelease: null, liveRelease: null },
      {
        slug: "edge",
        // Its agent reported #1's service HEALTHY and went away: the Outpost is OFFLINE, so UNKNOWN.
        health: "UNKNOWN",
        configDrift: false,
        currentRelease: { number: 2, state: "PENDING" },
        liveRelease: { number: 1, state: "DEPLOYED" },
      },
    ]);
  });
});

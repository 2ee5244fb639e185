/**
 * Stage policies against a real API and database: admins change them, everyone signed in reads
 * them, and deploys and suspends that break them are refused, naming the policy. Policies are
 * global, so the file runs on a database of its own and every test puts them back as installed.
 */
import { projects, stages } from "@pergola/db/schema";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import {
  createTestProject,
  createTestUser,
  freshDatabaseOptions,
  startTestApi,
  subscribe,
  type GraphQLResponse,
  type TestApi,
} from "../testing/harness.js";
import { agentClient, createGrantedOutpost, deployAndReport } from "../testing/outpost-agent.js";

const POLICY = `type deployers requirePromotionFrom confirmDeploy confirmSuspend defaultSuspendGraceSeconds autoSuspendAfterHours nice updatedBy`;
const UPDATE = `mutation($i: UpdateStagePolicyInput!) { updateStagePolicy(input: $i) { ${POLICY} } }`;
const DEPLOY = `mutation($i: DeployReleaseInput!) { deployRelease(input: $i) { number build { name } } }`;
const PROMOTE = `mutation($p: String!, $f: String!, $t: String!, $c: Boolean) { promoteRelease(project: $p, from: $f, to: $t, confirm: $c) { number build { name } } }`;
const SUSPEND = `mutation($p: String!, $s: String!, $c: Boolean) { suspendStage(project: $p, stage: $s, confirm: $c) { state } }`;
const CREATE_STAGE = `mutation($i: CreateStageInput!) { createStage(input: $i) { slug suspendGraceSeconds } }`;

/** As the migration installs them. */
const INSTALLED = [
  { type: "DEV", nice: 10 },
  { type: "QA", nice: 5 },
  { type: "PROD", nice: 0 },
].map((p) => ({
  ...p,
  deployers: "OWNERS_AND_MEMBERS",
  requirePromotionFrom: null,
  confirmDeploy: false,
  confirmSuspend: false,
  defaultSuspendGraceSeconds: 60,
  autoSuspendAfterHours: 0,
}));

let api: TestApi;
let drop: () => Promise<void>;
let artifact: string;

beforeAll(async () => {
  const fresh = await freshDatabaseOptions();
  drop = fresh.drop;
  api = await startTestApi({ database: fresh.options });
  artifact = await uploadArtifact(api);
});
afterAll(async () => {
  await api?.close();
  await drop?.();
});
afterEach(async () => {
  for (const { type, ...rest } of INSTALLED) {
    await api.ok(UPDATE, { i: { type, ...rest, requirePromotionFrom: undefined, clearRequirePromotionFrom: true } });
  }
});

function refusal(res: GraphQLResponse) {
  expect(res.errors, JSON.stringify(res.data)).toBeDefined();
  const [error] = res.errors!;
  return { code: error!.extensions?.code, message: error!.message, field: error!.extensions?.field };
}

async function stage(project: string, name: string, type: string, outpostUri?: string) {
  await api.ok(CREATE_STAGE, { i: { project, name, type, outpostUri } });
  return name;
}

describe("Stage policies", () => {
  it("are installed with permissive defaults, readable by every user, and shown on each Stage", async () => {
    const project = await createTestProject(api);
    const member = await createTestUser(api, { projects: [project] });
    const { stagePolicies } = await api.ok(`{ stagePolicies { ${POLICY} } }`, {}, member.token);
    expect(stagePolicies).toEqual(INSTALLED.map((p) => ({ ...p, updatedBy: null })));
    await stage(project, "prod", "PROD");
    const { stage: prod } = await api.ok(
      `query($p: String!) { stage(project: $p, stage: "prod") { policy { type nice deployers } } }`,
      { p: project },
      member.token,
    );
    expect(prod.policy).toEqual({ type: "PROD", nice: 0, deployers: "OWNERS_AND_MEMBERS" });
  });

  it("refuses a PROD deploy by policy, then allows it by promotion from a QA Stage where the Build was DEPLOYED", async () => {
    const project = await createTestProject(api);
    const owner = await createTestUser(api, { projects: [project], role: "OWNER" });
    const member = await createTestUser(api, { projects: [project] });
    const outpost = await createGrantedOutpost(api, project);
    await stage(project, "qa", "QA", `outpost://${outpost.slug}`);
    await stage(project, "prod", "PROD");
    const updated = (await api.ok(UPDATE, { i: { type: "PROD", deployers: "OWNERS", requirePromotionFrom: "QA" } })).updateStagePolicy;
    expect(updated).toMatchObject({ type: "PROD", deployers: "OWNERS", requirePromotionFrom: "QA" });
    expect(updated.updatedBy).toContain("admin");

    const [direct] = await createBuilds(api, project, artifact, 1);
    expect(refusal(await api.gql(DEPLOY, { i: { project, stage: "prod", build: direct } }, member.token))).toMatchObject({
      code: "FORBIDDEN",
      message: "policy of PROD Stages: only owners deploy",
    });
    const notPromoted = refusal(await api.gql(DEPLOY, { i: { project, stage: "prod", build: direct } }, owner.token));
    expect(notPromoted.code).toBe("STATE_CONFLICT");
    expect(notPromoted.message).toMatch(
      /^policy of PROD Stages: a Release comes by promotion from a QA Stage; Build ".+" was never DEPLOYED/,
    );

    // On QA (members may deploy there), and DEPLOYED by its agent's report.
    await deployAndReport(api, { project, stage: "qa", artifact, token: outpost.token });
    const { stage: qa } = await api.ok(`query($p: String!) { stage(project: $p, stage: "qa") { liveRelease { state build { name } } } }`, {
      p: project,
    });
    expect(qa.liveRelease.state).toBe("DEPLOYED");
    const tested = qa.liveRelease.build.name as string;

    expect(refusal(await api.gql(PROMOTE, { p: project, f: "qa", t: "prod" }, member.token)).code).toBe("FORBIDDEN");
    const promoted = (await api.ok(PROMOTE, { p: project, f: "qa", t: "prod" }, owner.token)).promoteRelease;
    expect(promoted).toEqual({ number: 1, build: { name: tested } });
    // A Build that was DEPLOYED on QA may also be deployed by name.
    expect((await api.ok(DEPLOY, { i: { project, stage: "prod", build: tested } }, owner.token)).deployRelease.number).toBe(2);

    // A Build only on its way on QA (PENDING, never DEPLOYED) is not promoted.
    await api.ok(DEPLOY, { i: { project, stage: "qa", build: direct } }, member.token);
    const pending = refusal(await api.gql(PROMOTE, { p: project, f: "qa", t: "prod" }, owner.token));
    expect(pending).toMatchObject({ code: "STATE_CONFLICT" });
    expect(pending.message).toContain(`Build "${direct}" was never DEPLOYED on a QA Stage of Project "${project}"`);
  });

  it("asks for confirmation where the policy says so: refused without `confirm`, done with it", async () => {
    const project = await createTestProject(api);
    const member = await createTestUser(api, { projects: [project] });
    await stage(project, "prod", "PROD");
    await stage(project, "dev", "DEV");
    await api.ok(UPDATE, { i: { type: "PROD", confirmDeploy: true, confirmSuspend: true } });
    const [b1, b2] = await createBuilds(api, project, artifact, 2);

    expect(refusal(await api.gql(DEPLOY, { i: { project, stage: "prod", build: b1 } }, member.token))).toMatchObject({
      code: "STATE_CONFLICT",
      message: "policy of PROD Stages: a deploy asks for confirmation; send confirm: true",
    });
    await api.ok(DEPLOY, { i: { project, stage: "prod", build: b1, confirm: true } }, member.token);
    await api.ok(DEPLOY, { i: { project, stage: "prod", build: b2, confirm: true } }, member.token);
    const ROLLBACK = `mutation($p: String!, $c: Boolean) { rollbackStage(project: $p, stage: "prod", confirm: $c) { build { name } } }`;
    expect(refusal(await api.gql(ROLLBACK, { p: project }, member.token)).code).toBe("STATE_CONFLICT");
    expect((await api.ok(ROLLBACK, { p: project, c: true }, member.token)).rollbackStage.build.name).toBe(b1);

    expect(refusal(await api.gql(SUSPEND, { p: project, s: "prod" }, member.token))).toMatchObject({
      code: "STATE_CONFLICT",
      message: "policy of PROD Stages: suspending asks for confirmation; send confirm: true",
    });
    expect((await api.ok(SUSPEND, { p: project, s: "prod", c: true }, member.token)).suspendStage.state).toBe("SUSPENDING");
    // Other types are as they were: no confirmation asked.
    await api.ok(DEPLOY, { i: { project, stage: "dev", build: b1 } }, member.token);
    expect((await api.ok(SUSPEND, { p: project, s: "dev" }, member.token)).suspendStage.state).toBe("SUSPENDING");
  });

  it("gives a new Stage its type's default grace when createStage names none", async () => {
    const project = await createTestProject(api);
    await api.ok(UPDATE, { i: { type: "DEV", defaultSuspendGraceSeconds: 5 } });
    expect((await api.ok(CREATE_STAGE, { i: { project, name: "a", type: "DEV" } })).createStage.suspendGraceSeconds).toBe(5);
    expect((await api.ok(CREATE_STAGE, { i: { project, name: "b", type: "DEV", suspendGraceSeconds: 30 } })).createStage).toEqual({
      slug: "b",
      suspendGraceSeconds: 30,
    });
    expect((await api.ok(CREATE_STAGE, { i: { project, name: "c", type: "QA" } })).createStage.suspendGraceSeconds).toBe(60);
  });

  it("tells the agent each Stage's nice level, its type's", async () => {
    const project = await createTestProject(api);
    const outpost = await createGrantedOutpost(api, project);
    await stage(project, "dev", "DEV", `outpost://${outpost.slug}`);
    await stage(project, "prod", "PROD", `outpost://${outpost.slug}`);
    await api.ok(UPDATE, { i: { type: "DEV", nice: 15 } });
    const client = agentClient(api, outpost.token);
    try {
      const desired = subscribe(client, `subscription { desiredState { stages { key nice } } }`, {});
      const { stages } = (await desired.next()).desiredState;
      expect(stages).toEqual(
        expect.arrayContaining([
          { key: `${project}/dev`, nice: 15 },
          { key: `${project}/prod`, nice: 0 },
        ]),
      );
      desired.close();
    } finally {
      await client.dispose();
    }
  });

  it("auto-suspends a local Stage quiet for its type's hours; traffic through the gateway keeps one running", async () => {
    const project = await createTestProject(api);
    for (const [name, type] of [
      ["quiet", "DEV"],
      ["busy", "DEV"],
      ["prod", "PROD"],
    ]) {
      await stage(project, name!, type!);
    }
    await api.ok(UPDATE, { i: { type: "DEV", autoSuspendAfterHours: 2 } });
    const { db } = api.server.database;
    const rows = await db
      .select({ id: stages.id, slug: stages.slug })
      .from(stages)
      .innerJoin(projects, eq(projects.id, stages.projectId))
      .where(eq(projects.slug, project));
    const idOf = (slug: string) => rows.find((r) => r.slug === slug)!.id;
    const hour = 3_600_000;
    const { autoSuspend } = api.server.services;
    await autoSuspend.touch(idOf("busy"), Date.now() + 1.5 * hour);
    // An hour on: nothing is quiet for 2 hours yet.
    expect(await autoSuspend.sweep(new Date(Date.now() + hour))).not.toContain(idOf("quiet"));
    const suspended = await autoSuspend.sweep(new Date(Date.now() + 2 * hour + 60_000));
    expect(suspended).toContain(idOf("quiet"));
    expect(suspended).not.toContain(idOf("busy"));
    expect(suspended).not.toContain(idOf("prod"));
    const { stages: listed } = await api.ok(`query($p: String!) { stages(project: $p) { slug state } }`, { p: project });
    expect(Object.fromEntries(listed.map((s: { slug: string; state: string }) => [s.slug, s.state]))).toEqual({
      quiet: "SUSPENDED",
      busy: "RUNNING",
      prod: "RUNNING",
    });
  });

  it("is changed by admins only, and bad values are BAD_USER_INPUT naming the field", async () => {
    const project = await createTestProject(api);
    const owner = await createTestUser(api, { projects: [project], role: "OWNER" });
    expect(refusal(await api.gql(UPDATE, { i: { type: "PROD", deployers: "OWNERS" } }, owner.token))).toMatchObject({
      code: "FORBIDDEN",
      message: "Only admins change Stage policies",
    });
    const bad: [Record<string, unknown>, string][] = [
      [{ type: "DEV", nice: 20 }, "nice"],
      [{ type: "DEV", nice: -21 }, "nice"],
      [{ type: "DEV", autoSuspendAfterHours: -1 }, "autoSuspendAfterHours"],
      [{ type: "DEV", defaultSuspendGraceSeconds: 86_401 }, "defaultSuspendGraceSeconds"],
      [{ type: "QA", requirePromotionFrom: "QA" }, "requirePromotionFrom"],
      [{ type: "PROD", requirePromotionFrom: "QA", clearRequirePromotionFrom: true }, "requirePromotionFrom"],
    ];
    for (const [i, field] of bad) {
      expect(refusal(await api.gql(UPDATE, { i })), JSON.stringify(i)).toMatchObject({ code: "BAD_USER_INPUT", field });
    }
    // A policy for an unknown type: the enum refuses it before any resolver.
    const unknown = refusal(await api.gql(UPDATE, { i: { type: "STAGING", nice: 1 } }));
    expect(unknown.code).toBe("BAD_USER_INPUT");
    expect(unknown.message).toContain("STAGING");
    const { stagePolicies } = await api.ok(`{ stagePolicies { ${POLICY} } }`);
    expect(stagePolicies).toEqual(INSTALLED.map((p) => ({ ...p, updatedBy: expect.any(String) })));
  });
});

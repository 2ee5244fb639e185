/**
 * Delete is archive: a deleted Stage or Project leaves the lists, keeps its ID, takes no change,
 * and comes back as it was with restoreStage / restoreProject; purgeStage removes an archived
 * Stage for good (a PROD one only with its Stage ID as confirmation). Each writes its event.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";
import { agentClient, createGrantedOutpost, deployAndReport, run } from "../testing/outpost-agent.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

const STAGES = `query($p: String!, $a: Boolean) { stages(project: $p, archived: $a) { slug state archivedAt } }`;
const code = (response: { errors?: { extensions?: Record<string, unknown>; message: string }[] }) => response.errors?.[0]?.extensions?.code;

async function createStage(project: string, name: string, type = "DEV"): Promise<void> {
  await api.ok(`mutation($p: String!, $n: String!, $t: StageType!) { createStage(input: { project: $p, name: $n, type: $t }) { slug } }`, {
    p: project,
    n: name,
    t: type,
  });
}

describe("deleteStage / restoreStage / purgeStage", () => {
  it("archives, refuses changes, restores as it was, and purges for good with events", async () => {
    const project = await createTestProject(api);
    await createStage(project, "dev");
    await createStage(project, "live", "PROD");
    const events = subscribe(api.ws(), `subscription($p: String!) { events(project: $p, after: "0") { kind stage { slug archivedAt } } }`, {
      p: project,
    });
    const kinds: string[] = [];
    const seen = async (kind: string) => {
      while (!kinds.includes(kind)) kinds.push((await events.next(10_000)).events.kind);
    };

    expect(await api.ok(`mutation($p: String!) { deleteStage(project: $p, stage: "dev") }`, { p: project })).toEqual({ deleteStage: true });
    await seen("STAGE_DELETED");
    expect((await api.ok(STAGES, { p: project })).stages.map((s: { slug: string }) => s.slug)).toEqual(["live"]);
    const [archived] = (await api.ok(STAGES, { p: project, a: true })).stages;
    // A Stage without a Release is suspended at once.
    expect(archived).toMatchObject({ slug: "dev", state: "SUSPENDED", archivedAt: expect.any(String) });

    // Its Stage ID stays taken; it takes no change; deleting it again says so.
    const taken = await api.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV }) { slug } }`, {
      p: project,
    });
    expect(code(taken)).toBe("CONFLICT");
    expect(taken.errors?.[0]?.message).toMatch(/already exists or is archived/);
    const resume = await api.gql(`mutation($p: String!) { resumeStage(project: $p, stage: "dev") { state } }`, { p: project });
    expect(code(resume)).toBe("STATE_CONFLICT");
    expect(resume.errors?.[0]?.message).toMatch(/archived/);
    expect(code(await api.gql(`mutation($p: String!) { deleteStage(project: $p, stage: "dev") }`, { p: project }))).toBe("STATE_CONFLICT");
    // Purging a Stage that is not archived is refused.
    expect(code(await api.gql(`mutation($p: String!) { purgeStage(project: $p, stage: "live") }`, { p: project }))).toBe("STATE_CONFLICT");

    // Restored as it was: it was RUNNING, so it runs again.
    const { restoreStage } = await api.ok(`mutation($p: String!) { restoreStage(project: $p, stage: "dev") { slug state archivedAt } }`, {
      p: project,
    });
    expect(restoreStage).toEqual({ slug: "dev", state: "RUNNING", archivedAt: null });
    await seen("STAGE_RESTORED");
    expect(code(await api.gql(`mutation($p: String!) { restoreStage(project: $p, stage: "dev") { slug } }`, { p: project }))).toBe(
      "STATE_CONFLICT",
    );

    // A suspended Stage stays suspended when restored.
    await api.ok(`mutation($p: String!) { suspendStage(project: $p, stage: "live") { state } }`, { p: project });
    await api.ok(`mutation($p: String!) { deleteStage(project: $p, stage: "live") }`, { p: project });
    // PROD: purged only with its Stage ID as confirmation.
    const unconfirmed = await api.gql(`mutation($p: String!) { purgeStage(project: $p, stage: "live", confirm: "yes") }`, { p: project });
    expect(unconfirmed.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "confirm" });
    expect((await api.ok(STAGES, { p: project, a: true })).stages).toHaveLength(1);
    expect(await api.ok(`mutation($p: String!) { purgeStage(project: $p, stage: "live", confirm: "live") }`, { p: project })).toEqual({
      purgeStage: true,
    });
    await seen("STAGE_PURGED");
    expect((await api.ok(`query($p: String!) { stage(project: $p, stage: "live") { slug } }`, { p: project })).stage).toBeNull();
    // Its Stage ID is free again.
    await createStage(project, "live", "PROD");
    events.close();
  });

  it("refuses members without ownership the purge", async () => {
    const project = await createTestProject(api);
    await createStage(project, "tmp");
    await api.ok(`mutation($p: String!) { deleteStage(project: $p, stage: "tmp") }`, { p: project });
    const { createUser } = await api.ok(
      `mutation { createUser(input: { email: "m-${project}@example.test", name: "m", password: "pw-0123456789abcdef" }) { id } }`,
    );
    expect(createUser.id).toBeTruthy();
    await api.ok(`mutation($p: String!, $e: String!) { addMember(project: $p, email: $e, role: MEMBER) { role } }`, {
      p: project,
      e: `m-${project}@example.test`,
    });
    const { signIn } = await api.ok(
      `mutation($e: String!) { signIn(email: $e, password: "pw-0123456789abcdef") { token } }`,
      { e: `m-${project}@example.test` },
      null as never,
    );
    const refused = await api.gql(`mutation($p: String!) { purgeStage(project: $p, stage: "tmp") }`, { p: project }, signIn.token);
    expect(code(refused)).toBe("FORBIDDEN");
    // A member may restore it.
    const restored = await api.gql(
      `mutation($p: String!) { restoreStage(project: $p, stage: "tmp") { state } }`,
      { p: project },
      signIn.token,
    );
    expect(restored.data?.restoreStage).toEqual({ state: "RUNNING" });
  });
});

describe("purgeStage on an Outpost: the tombstone", () => {
  it("is in the desired state of the Outpost's agent when it next connects, keeps the Stage ID taken, and goes on acknowledgePurge", async () => {
    const project = await createTestProject(api);
    const outpost = await createGrantedOutpost(api, project);
    await api.ok(
      `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: DEV, outpostUri: $u }) { slug } }`,
      {
        p: project,
        u: `outpost://${outpost.slug}`,
      },
    );
    // The agent ran a Release there, then went away (deployAndReport disconnects).
    const { stageId } = await deployAndReport(api, {
      project,
      stage: "edge",
      artifact: await uploadArtifact(api, project),
      token: outpost.token,
    });
    await api.ok(`mutation($p: String!) { deleteStage(project: $p, stage: "edge") }`, { p: project });
    expect(await api.ok(`mutation($p: String!) { purgeStage(project: $p, stage: "edge") }`, { p: project })).toEqual({ purgeStage: true });

    // Until its agent has removed the storage, the Stage ID stays taken.
    const CREATE = `mutation($p: String!) { createStage(input: { project: $p, name: "edge", type: DEV }) { slug } }`;
    const taken = await api.gql(CREATE, { p: project });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "slug", taken: "edge", suggestion: "edge-2" });
    expect(taken.errors?.[0]?.message).toContain(`not yet removed by the agent of Outpost "${outpost.slug}"`);

    // The agent connects again: its full desired state names the purged Stage.
    const client = agentClient(api, outpost.token);
    try {
      const desired = subscribe(client, `subscription { desiredState { full stages { stageId } removed purged { stageId key } } }`, {});
      expect((await desired.next(10_000)).desiredState).toEqual({
        full: true,
        stages: [],
        removed: [],
        purged: [{ stageId, key: `${project}/edge` }],
      });
      desired.close();
      // Another Outpost's agent cannot acknowledge it (and a malformed ID is refused).
      const other = await createGrantedOutpost(api, project);
      const otherClient = agentClient(api, other.token);
      expect(await run(otherClient, `mutation($s: ID!) { acknowledgePurge(stageId: $s) }`, { s: stageId })).toEqual({
        acknowledgePurge: true,
      });
      await otherClient.dispose();
      expect(code(await api.gql(CREATE, { p: project }))).toBe("CONFLICT");
      await expect(run(client, `mutation { acknowledgePurge(stageId: "../x") }`)).rejects.toThrow(/BAD_USER_INPUT/);

      expect(await run(client, `mutation($s: ID!) { acknowledgePurge(stageId: $s) }`, { s: stageId })).toEqual({ acknowledgePurge: true });
      // Idempotent.
      expect(await run(client, `mutation($s: ID!) { acknowledgePurge(stageId: $s) }`, { s: stageId })).toEqual({ acknowledgePurge: true });
      const again = subscribe(client, `subscription { desiredState { purged { stageId } } }`, {});
      expect((await again.next(10_000)).desiredState.purged).toEqual([]);
      again.close();
    } finally {
      await client.dispose();
    }
    expect((await api.ok(CREATE, { p: project })).createStage).toEqual({ slug: "edge" });
  });

  it("is not left by a Stage that never had a Release (nothing of it ran anywhere)", async () => {
    const project = await createTestProject(api);
    await createStage(project, "bare");
    await api.ok(`mutation($p: String!) { deleteStage(project: $p, stage: "bare") }`, { p: project });
    await api.ok(`mutation($p: String!) { purgeStage(project: $p, stage: "bare") }`, { p: project });
    await createStage(project, "bare");
  });
});

describe("deleteProject / restoreProject", () => {
  it("archives the Project with its Stages and restores those archived with it", async () => {
    const project = await createTestProject(api);
    await createStage(project, "a");
    await createStage(project, "b");
    await createStage(project, "gone");
    await api.ok(`mutation($p: String!) { deleteStage(project: $p, stage: "gone") }`, { p: project });
    const events = subscribe(api.ws(), `subscription($p: String!) { events(project: $p, after: "0") { kind } }`, { p: project });

    expect(await api.ok(`mutation($p: String!) { deleteProject(project: $p) }`, { p: project })).toEqual({ deleteProject: true });
    const inUse = (await api.ok(`{ projects { slug } }`)).projects.map((p: { slug: string }) => p.slug);
    expect(inUse).not.toContain(project);
    const archived = await api.ok(`{ projects(archived: true) { slug archivedAt } }`);
    expect(archived.projects).toContainEqual({ slug: project, archivedAt: expect.any(String) });
    expect((await api.ok(STAGES, { p: project, a: true })).stages.map((s: { slug: string }) => s.slug).sort()).toEqual(["a", "b", "gone"]);
    // No change while archived; its slug stays taken.
    expect(
      code(await api.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "c", type: DEV }) { slug } }`, { p: project })),
    ).toBe("STATE_CONFLICT");
    expect(code(await api.gql(`mutation($p: String!) { createProject(input: { name: $p, slug: $p }) { slug } }`, { p: project }))).toBe(
      "CONFLICT",
    );

    const { restoreProject } = await api.ok(`mutation($p: String!) { restoreProject(project: $p) { slug archivedAt } }`, { p: project });
    expect(restoreProject).toEqual({ slug: project, archivedAt: null });
    // The Stages archived with it are back, RUNNING as they were; the one deleted before stays archived.
    expect((await api.ok(STAGES, { p: project })).stages).toEqual([
      { slug: "a", state: "RUNNING", archivedAt: null },
      { slug: "b", state: "RUNNING", archivedAt: null },
    ]);
    expect((await api.ok(STAGES, { p: project, a: true })).stages.map((s: { slug: string }) => s.slug)).toEqual(["gone"]);
    expect(code(await api.gql(`mutation($p: String!) { restoreProject(project: $p) { slug } }`, { p: project }))).toBe("STATE_CONFLICT");

    const kinds: string[] = [];
    while (!kinds.includes("PROJECT_RESTORED")) kinds.push((await events.next(10_000)).events.kind);
    // "gone", deleted before, then "a" and "b" with the Project.
    expect(kinds.filter((k) => k === "STAGE_DELETED")).toHaveLength(3);
    expect(kinds).toEqual(expect.arrayContaining(["PROJECT_DELETED", "STAGE_RESTORED", "PROJECT_RESTORED"]));
    events.close();
  });
});

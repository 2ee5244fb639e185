/**
 * The agent protocol from the API's side, with a real graphql-ws client holding an agent token
 * (the test plays the agent): desired state in full then changes, reports moving Releases,
 * Stages and Components, stale reports refused, and the agent token's narrow scope.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../auth/token.service.js";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, subscribe, type Subscription, type TestApi } from "../testing/harness.js";

const DESIRED = `subscription { desiredState { full stages { stageId key generation suspended graceSeconds release { id manifest artifact config { env files } } } removed } }`;
const REPORT = `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted reason } }`;
const agentToken = generateToken();

let api: TestApi;
let artifact: string;
beforeAll(async () => {
  api = await startTestApi({ localAgentToken: agentToken });
  artifact = await uploadArtifact(api);
});
afterAll(() => api?.close());

type Desired = {
  stageId: string;
  key: string;
  generation: number;
  suspended: boolean;
  release: { id: string; config: { env: Record<string, string> } } | null;
};

/** The Stage `key` from the next desiredState message that has it as `wanted` (others' Stages come and go too). */
async function nextFor(sub: Subscription<any>, key: string, wanted: (s: Desired) => boolean = () => true): Promise<Desired> {
  for (;;) {
    const { desiredState } = await sub.next(10_000);
    const stage = desiredState.stages.find((s: Desired) => s.key === key);
    if (stage && wanted(stage)) return stage;
  }
}

const service = (state: string, health = "HEALTHY") => ({
  name: "web",
  kind: "SERVICE",
  state,
  health,
  restarts: 0,
  host: "127.77.0.1",
  observedAt: new Date().toISOString(),
});

describe("the agent protocol", () => {
  it("gives the agent its desired state, in full and then as it changes, and takes its reports", async () => {
    const project = await createTestProject(api);
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV, suspendGraceSeconds: 7 }) { slug } }`, {
      p: project,
    });
    await api.ok(
      `mutation($p: String!) { addConfigData(input: { project: $p, stage: "dev", env: [{ name: "GREETING", value: "hi" }, { name: "TOKEN", value: "s3cr3t", secret: true }] }) { version } }`,
      { p: project },
    );
    const [b1] = await createBuilds(api, project, artifact, 1);
    const key = `${project}/dev`;

    const sub = subscribe(api.ws(agentToken), DESIRED, {});
    const full = (await sub.next(10_000)).desiredState;
    expect(full.full).toBe(true);
    const before: Desired = full.stages.find((s: Desired) => s.key === key);
    expect(before).toMatchObject({ suspended: false, graceSeconds: 7, release: null });

    await api.ok(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "dev", build: $b }) { id } }`, {
      p: project,
      b: b1,
    });
    const deployed = await nextFor(sub, key, (s) => s.release !== null);
    expect(deployed.generation).toBeGreaterThan(before.generation);
    expect(deployed.release).toMatchObject({ artifact, config: { env: { GREETING: "hi", TOKEN: "s3cr3t" }, files: {} } });

    const report = (generation: number, components: unknown[]) =>
      api.ok(
        REPORT,
        { i: { stageId: deployed.stageId, releaseId: deployed.release!.id, observedGeneration: generation, components } },
        agentToken,
      );
    expect((await report(before.generation, [service("RUNNING")])).reportStatus).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/older/),
    });
    expect((await report(deployed.generation, [service("STARTING", "UNKNOWN")])).reportStatus).toEqual({ accepted: true, reason: null });
    const STAGE = `query($p: String!) { stage(project: $p, slug: "dev") { state health currentRelease { state } components { name kind state health lastKnownHealth restarts host } } }`;
    expect((await api.ok(STAGE, { p: project })).stage).toMatchObject({ health: "UNKNOWN", currentRelease: { state: "DEPLOYING" } });
    await report(deployed.generation, [service("RUNNING")]);
    expect((await api.ok(STAGE, { p: project })).stage).toEqual({
      state: "RUNNING",
      health: "HEALTHY",
      currentRelease: { state: "DEPLOYED" },
      components: [
        { name: "web", kind: "SERVICE", state: "RUNNING", health: "HEALTHY", lastKnownHealth: "HEALTHY", restarts: 0, host: "127.77.0.1" },
      ],
    });

    // Suspend waits for the agent: SUSPENDING until its report says nothing runs.
    await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p: project });
    const suspended = await nextFor(sub, key, (s) => s.suspended);
    expect(suspended.suspended).toBe(true);
    expect((await api.ok(STAGE, { p: project })).stage.state).toBe("SUSPENDING");
    await report(suspended.generation, [service("SUSPENDED", "UNKNOWN")]);
    expect((await api.ok(STAGE, { p: project })).stage).toMatchObject({
      state: "SUSPENDED",
      components: [{ health: "UNKNOWN", lastKnownHealth: "HEALTHY" }],
    });

    await api.ok(`mutation($p: String!) { resumeStage(project: $p, slug: "dev") { state } }`, { p: project });
    const resumed = await nextFor(sub, key, (s) => !s.suspended);
    await report(resumed.generation, [service("RUNNING")]);
    expect((await api.ok(STAGE, { p: project })).stage.state).toBe("RUNNING");

    // Deleted is archived (still the agent's, suspended); purged, it is gone.
    await api.ok(`mutation($p: String!) { deleteStage(project: $p, slug: "dev") }`, { p: project });
    await api.ok(`mutation($p: String!) { purgeStage(project: $p, stage: "dev") }`, { p: project });
    for (;;) {
      const { desiredState } = await sub.next(10_000);
      if (desiredState.removed.includes(deployed.stageId)) break;
    }
    sub.close();
  });

  it("fails the Release when a Component fails, with its message", async () => {
    const project = await createTestProject(api);
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "qa", type: QA }) { slug } }`, { p: project });
    const [b1] = await createBuilds(api, project, artifact, 1);
    const sub = subscribe(api.ws(agentToken), DESIRED, {});
    await api.ok(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "qa", build: $b }) { id } }`, {
      p: project,
      b: b1,
    });
    const desired = await nextFor(sub, `${project}/qa`, (s) => s.release !== null);
    await api.ok(
      REPORT,
      {
        i: {
          stageId: desired.stageId,
          releaseId: desired.release!.id,
          observedGeneration: desired.generation,
          components: [{ ...service("FAILED", "UNKNOWN"), message: "needs a container runtime" }],
        },
      },
      agentToken,
    );
    const { releases } = await api.ok(`query($p: String!) { releases(project: $p, stage: "qa") { state message } }`, { p: project });
    expect(releases[0]).toEqual({ state: "FAILED", message: "web: needs a container runtime" });
    sub.close();
  });

  it("keeps the newest 200 lines of each Component's output, appended report by report", async () => {
    const project = await createTestProject(api);
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "logs", type: DEV }) { slug } }`, { p: project });
    const [b1] = await createBuilds(api, project, artifact, 1);
    const sub = subscribe(api.ws(agentToken), DESIRED, {});
    await api.ok(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "logs", build: $b }) { id } }`, {
      p: project,
      b: b1,
    });
    const desired = await nextFor(sub, `${project}/logs`, (s) => s.release !== null);
    sub.close();
    const send = (logs: string[]) =>
      api.ok(
        REPORT,
        {
          i: {
            stageId: desired.stageId,
            releaseId: desired.release!.id,
            observedGeneration: desired.generation,
            components: [{ ...service("RUNNING"), logs }],
          },
        },
        agentToken,
      );
    const LOGS = `query($p: String!, $t: Int) { stage(project: $p, slug: "logs") { components { logs(tail: $t) } } }`;
    const read = async (t?: number) => (await api.ok(LOGS, { p: project, t })).stage.components[0].logs as string[];

    await send(["starting", "listening on 8080"]);
    expect(await read()).toEqual(["starting", "listening on 8080"]);

    // Followed live: the last lines first, then only what is new; resumable by cursor.
    const FOLLOW = `subscription($p: String!, $a: String) { componentLogs(project: $p, stage: "logs", component: "web", tail: 1, after: $a) { cursor lines } }`;
    const follow = subscribe(api.ws(), FOLLOW, { p: project });
    const firstBatch = (await follow.next()).componentLogs;
    expect(firstBatch.lines).toEqual(["listening on 8080"]);
    await send(["GET / 200", "GET /health 200"]);
    const second = (await follow.next()).componentLogs;
    expect(second.lines).toEqual(["GET / 200", "GET /health 200"]);
    follow.close();
    await send(["GET /later 200"]);
    const resumed = subscribe(api.ws(), FOLLOW, { p: project, a: second.cursor });
    expect((await resumed.next()).componentLogs.lines).toEqual(["GET /later 200"]);
    resumed.close();
    const badCursor = await subscribe(api.ws(), FOLLOW, { p: project, a: "yesterday" }).error();
    expect(badCursor.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    // A report with no change of state still brings its lines (and no event).
    await send(Array.from({ length: 150 }, (_, i) => `request ${i}`));
    await send(Array.from({ length: 150 }, (_, i) => `request ${150 + i}`));
    const all = await read(200);
    expect(all).toHaveLength(200);
    expect(all[0]).toBe("request 100");
    expect(all.at(-1)).toBe("request 299");
    expect(await read(2)).toEqual(["request 298", "request 299"]);
    expect(await read()).toHaveLength(50);
    const bad = await api.gql(LOGS, { p: project, t: 201 });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "tail" });
    const tooMany = await send(Array.from({ length: 201 }, () => "x")).catch((e: Error) => e.message);
    expect(tooMany).toMatch(/at most 200 lines.*BAD_USER_INPUT/);
  });

  it("keeps agent tokens to the agent's fields, and everyone else out of them", async () => {
    const asAgent = await api.gql(`{ projects { slug } }`, {}, agentToken);
    expect(asAgent.status).toBe(403);
    expect(asAgent.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await api.ok(`{ me { role } }`, {}, agentToken)).me.role).toBe("AGENT");
    const asAdmin = await api.gql(REPORT, {
      i: {
        stageId: "00000000-0000-0000-0000-000000000000",
        releaseId: "00000000-0000-0000-0000-000000000000",
        observedGeneration: 1,
        components: [],
      },
    });
    expect(asAdmin.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const error = await subscribe(api.ws(), DESIRED, {}).error();
    expect(error.extensions?.code).toBe("FORBIDDEN");
    const report = (component: ReturnType<typeof service>) =>
      api.gql(
        REPORT,
        {
          i: {
            stageId: "00000000-0000-0000-0000-000000000000",
            releaseId: "00000000-0000-0000-0000-000000000000",
            observedGeneration: 1,
            components: [component],
          },
        },
        agentToken,
      );
    const notAState = await report(service("DANCING"));
    expect(notAState.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(notAState.errors?.[0]?.message).toMatch(/components\[0\]\.state.*"DANCING" does not exist in "ComponentState"/);
    // DEGRADED is a Health, but only a Stage's: the Component machine refuses it, naming the field.
    const degraded = await report(service("RUNNING", "DEGRADED"));
    expect(degraded.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "components[0].health" });
  });
});

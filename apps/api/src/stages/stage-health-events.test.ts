/**
 * A Stage's health is written into the log as it moves (STAGE_HEALTH_CHANGED, in the
 * transaction of what moved it): a report turning its service healthy or not, and its Outpost
 * going OFFLINE. A replay tells each event's health as it was then, not as it is when replayed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, eventually, startTestApi, subscribe, type TestApi } from "../testing/harness.js";
import { agentClient, createGrantedOutpost, run } from "../testing/outpost-agent.js";

const REPORT = `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted reason } }`;
const OUTPOST = `query($o: String!) { outpost(slug: $o) { status } }`;
const EVENTS = `subscription($p: String!, $after: String) { events(project: $p, after: $after) {
  kind stage { slug health }
  subject { ... on StageSnapshot { health previousHealth } ... on ComponentSnapshot { name componentHealth: health previousHealth } } } }`;

interface SeenEvent {
  kind: string;
  stage: { slug: string; health: string } | null;
  subject: { health?: string | null; componentHealth?: string; previousHealth?: string | null; name?: string } | null;
}

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

describe("STAGE_HEALTH_CHANGED", () => {
  it("is written as reports and the Outpost's status move the health, and replays as it was", async () => {
    const project = await createTestProject(api);
    const outpost = await createGrantedOutpost(api, project);
    await api.ok(
      `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: PROD, outpostUri: $u }) { slug } }`,
      {
        p: project,
        u: `outpost://${outpost.slug}`,
      },
    );
    const artifact = await uploadArtifact(api, project);
    const live = subscribe<{ events: SeenEvent }>(api.ws(), EVENTS, { p: project, after: null });
    const healthChanges = async (count: number): Promise<SeenEvent[]> => {
      const seen: SeenEvent[] = [];
      while (seen.length < count) {
        const { events } = await live.next(10_000);
        if (events.kind === "STAGE_HEALTH_CHANGED") seen.push(events);
      }
      return seen;
    };

    // The agent connects, heartbeats (ONLINE), and reports `web` HEALTHY, then UNHEALTHY.
    const [build] = await createBuilds(api, project, artifact, 1);
    await api.ok(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "edge", build: $b }) { id } }`, {
      p: project,
      b: build,
    });
    const agent = agentClient(api, outpost.token);
    const desired = subscribe(agent, `subscription { desiredState { stages { stageId generation release { id } } } }`, {});
    const [target] = (await desired.next()).desiredState.stages;
    await run(agent, `mutation { heartbeat(latencyMs: 3) { accepted } }`);
    await eventually(
      async () => ((await api.ok(OUTPOST, { o: outpost.slug })).outpost.status === "ONLINE" ? true : undefined),
      5_000,
      "the Outpost is not ONLINE",
    );
    const report = (health: string) => ({
      stageId: target.stageId,
      releaseId: target.release.id,
      observedGeneration: target.generation,
      components: [{ name: "web", kind: "SERVICE", state: "RUNNING", health, restarts: 0, host: "127.0.0.9", message: null }],
    });
    await run(agent, REPORT, { i: report("HEALTHY") });
    const [healthy] = await healthChanges(1);
    expect(healthy).toMatchObject({
      stage: { slug: "edge", health: "HEALTHY" },
      subject: { health: "HEALTHY", previousHealth: "UNKNOWN" },
    });
    await run(agent, REPORT, { i: report("UNHEALTHY") });
    const [unhealthy] = await healthChanges(1);
    expect(unhealthy).toMatchObject({ stage: { health: "UNHEALTHY" }, subject: { health: "UNHEALTHY", previousHealth: "HEALTHY" } });
    // Reported again unchanged: no new event (the next one seen is the Outpost going OFFLINE).
    await run(agent, REPORT, { i: report("UNHEALTHY") });

    // The agent's socket closes: the Outpost is OFFLINE, the Stage's health UNKNOWN.
    desired.close();
    await agent.dispose();
    const [offline] = await healthChanges(1);
    expect(offline).toMatchObject({ subject: { health: "UNKNOWN", previousHealth: "UNHEALTHY" } });
    live.close();

    const { stage } = await api.ok(
      `query($p: String!) { stage(project: $p, slug: "edge") { health healthHistory { health previousHealth } deployMarkers { number state } } }`,
      { p: project },
    );
    expect(stage.health).toBe("UNKNOWN");
    // The Monitoring tab's timeline and markers, from the same log.
    expect(stage.healthHistory).toEqual([
      { health: "HEALTHY", previousHealth: "UNKNOWN" },
      { health: "UNHEALTHY", previousHealth: "HEALTHY" },
      { health: "UNKNOWN", previousHealth: "UNHEALTHY" },
    ]);
    expect(stage.deployMarkers).toEqual([{ number: 1, state: "DEPLOYED" }]);
    const newest = await api.ok(`query($p: String!) { stage(project: $p, slug: "edge") { healthHistory(first: 1) { health } } }`, {
      p: project,
    });
    expect(newest.stage.healthHistory).toEqual([{ health: "UNKNOWN" }]);
    const bad = await api.gql(`query($p: String!) { stage(project: $p, slug: "edge") { healthHistory(first: 0) { health } } }`, {
      p: project,
    });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });

    // Replayed from the start: each event carries the health of its time.
    const replay = subscribe<{ events: SeenEvent }>(api.ws(), EVENTS, { p: project, after: "0" });
    const all: SeenEvent[] = [];
    const healthEvents = () => all.filter((e) => e.kind === "STAGE_HEALTH_CHANGED");
    while (healthEvents().length < 3) all.push((await replay.next(10_000)).events);
    replay.close();
    const created = all.find((e) => e.kind === "STAGE_CREATED");
    expect(created?.stage?.health).toBe("UNKNOWN");
    expect(healthEvents().map((e) => e.subject?.health)).toEqual(["HEALTHY", "UNHEALTHY", "UNKNOWN"]);
    const web = all.filter((e) => e.kind === "COMPONENT_CHANGED" && e.subject?.previousHealth === "HEALTHY");
    expect(web).toMatchObject([{ subject: { name: "web", componentHealth: "UNHEALTHY" } }]);
    // Each health change follows the event that caused it, and the Stage's health between them is as of then.
    const healthBefore = all
      .slice(0, all.indexOf(unhealthyIn(all)))
      .filter((e) => e.stage)
      .map((e) => e.stage!.health);
    expect(healthBefore).not.toContain("UNHEALTHY");
  });
});

function unhealthyIn(all: SeenEvent[]): SeenEvent {
  return all.find((e) => e.kind === "STAGE_HEALTH_CHANGED" && e.subject?.health === "UNHEALTHY")!;
}

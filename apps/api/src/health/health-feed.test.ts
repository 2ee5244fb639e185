/**
 * `healthChanged`, the fleet-wide health feed: a SNAPSHOT of every Stage the caller may see,
 * then each change, from one subscription — Stages added in new Projects, a Component's and its
 * Stage's health from an agent's reports, the Outpost link going OFFLINE, a suspend. A member
 * with a read-only key sees their Projects' Stages only; a new subscription (a reconnect) starts
 * with a SNAPSHOT of the health as it is now.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, createTestUser, startTestApi, subscribe, type TestApi } from "../testing/harness.js";
import { agentClient, createGrantedOutpost, run } from "../testing/outpost-agent.js";

const FEED = `subscription { healthChanged {
  kind at
  stages { project stage name type state health previousHealth healthSince outpost link }
  component { name kind state health previousHealth } } }`;

interface StageHealth {
  project: string;
  stage: string;
  type: string;
  state: string;
  health: string;
  previousHealth: string | null;
  outpost: string | null;
  link: string | null;
}
interface HealthEvent {
  kind: string;
  stages: StageHealth[];
  component: { name: string; health: string; previousHealth: string | null } | null;
}

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

/** Reads the feed until an event `matches`, returning it (and what came before it in `skipped`). */
async function until(feed: ReturnType<typeof subscribe<{ healthChanged: HealthEvent }>>, matches: (e: HealthEvent) => boolean) {
  for (;;) {
    const { healthChanged } = await feed.next(10_000);
    if (matches(healthChanged)) return healthChanged;
  }
}

describe("healthChanged", () => {
  it("starts with a SNAPSHOT of every visible Stage, then tells each change, across Projects", async () => {
    const before = await createTestProject(api);
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "qa", type: QA }) { slug } }`, { p: before });
    const reader = await createTestUser(api, { projects: [before], readOnly: true });

    const feed = subscribe<{ healthChanged: HealthEvent }>(api.ws(), FEED, {});
    const readerFeed = subscribe<{ healthChanged: HealthEvent }>(api.ws(reader.token), FEED, {});
    const first = (await feed.next(10_000)).healthChanged;
    expect(first.kind).toBe("SNAPSHOT");
    expect(first.stages).toContainEqual(
      expect.objectContaining({ project: before, stage: "qa", type: "QA", state: "RUNNING", health: "UNKNOWN", outpost: null, link: null }),
    );
    // The read-only member sees their Project's Stages, and no other's.
    const readers = (await readerFeed.next(10_000)).healthChanged;
    expect(readers.kind).toBe("SNAPSHOT");
    expect(new Set(readers.stages.map((s) => s.project))).toEqual(new Set([before]));

    // A Project created after the SNAPSHOT, with a Stage on an Outpost.
    const project = await createTestProject(api);
    const outpost = await createGrantedOutpost(api, project);
    await api.ok(
      `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: PROD, outpostUri: $u }) { slug } }`,
      {
        p: project,
        u: `outpost://${outpost.slug}`,
      },
    );
    const added = await until(feed, (e) => e.kind === "STAGE_ADDED" && e.stages[0]?.project === project);
    expect(added.stages).toEqual([
      expect.objectContaining({ stage: "edge", type: "PROD", health: "UNKNOWN", outpost: outpost.slug, link: "PENDING" }),
    ]);

    // Its agent connects and reports its service HEALTHY.
    const artifact = await uploadArtifact(api, project);
    const [build] = await createBuilds(api, project, artifact, 1);
    await api.ok(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "edge", build: $b }) { id } }`, {
      p: project,
      b: build,
    });
    const agent = agentClient(api, outpost.token);
    const desired = subscribe(agent, `subscription { desiredState { stages { stageId generation release { id } } } }`, {});
    const [target] = (await desired.next()).desiredState.stages;
    await run(agent, `mutation { heartbeat(latencyMs: 3) { accepted } }`);
    const online = await until(feed, (e) => e.kind === "OUTPOST_LINK_CHANGED" && e.stages[0]?.link === "ONLINE");
    expect(online.stages[0]).toMatchObject({ project, stage: "edge" });
    await run(agent, `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted } }`, {
      i: {
        stageId: target.stageId,
        releaseId: target.release.id,
        observedGeneration: target.generation,
        components: [{ name: "web", kind: "SERVICE", state: "RUNNING", health: "HEALTHY", restarts: 0, host: "127.0.0.9", message: null }],
      },
    });
    const component = await until(feed, (e) => e.kind === "COMPONENT_HEALTH_CHANGED");
    expect(component).toMatchObject({
      stages: [{ project, stage: "edge" }],
      component: { name: "web", health: "HEALTHY", previousHealth: null },
    });
    const healthy = await until(feed, (e) => e.kind === "STAGE_HEALTH_CHANGED");
    expect(healthy.stages).toEqual([expect.objectContaining({ project, stage: "edge", health: "HEALTHY", previousHealth: "UNKNOWN" })]);

    // The agent goes away: the link is OFFLINE, the Stage's health UNKNOWN.
    desired.close();
    await agent.dispose();
    const offline = await until(feed, (e) => e.kind === "OUTPOST_LINK_CHANGED");
    expect(offline.stages[0]).toMatchObject({ stage: "edge", link: "OFFLINE" });
    const unknown = await until(feed, (e) => e.kind === "STAGE_HEALTH_CHANGED");
    expect(unknown.stages[0]).toMatchObject({ stage: "edge", health: "UNKNOWN", previousHealth: "HEALTHY" });

    // A suspend in the first Project.
    await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "qa") { state } }`, { p: before });
    const suspended = await until(feed, (e) => e.kind === "STAGE_STATE_CHANGED" && e.stages[0]?.project === before);
    expect(suspended.stages[0]).toMatchObject({ stage: "qa", state: expect.stringMatching(/SUSPEND/) });
    // The read-only member heard of it too, and nothing of the other Project.
    const heard = await until(readerFeed, (e) => e.kind === "STAGE_STATE_CHANGED");
    expect(heard.stages[0]).toMatchObject({ project: before, stage: "qa" });
    expect(readerFeed.received.flatMap((r) => r.healthChanged.stages).some((s) => s.project === project)).toBe(false);
    feed.close();
    readerFeed.close();

    // Subscribing again (a reconnect): the SNAPSHOT tells the health as it is now.
    const again = subscribe<{ healthChanged: HealthEvent }>(api.ws(), FEED, {});
    const now = (await again.next(10_000)).healthChanged;
    expect(now.kind).toBe("SNAPSHOT");
    expect(now.stages.find((s) => s.project === project)).toMatchObject({ stage: "edge", health: "UNKNOWN", link: "OFFLINE" });
    again.close();
  });

  it("is refused to an Outpost's agent", async () => {
    const project = await createTestProject(api);
    const outpost = await createGrantedOutpost(api, project);
    const agent = agentClient(api, outpost.token);
    const feed = subscribe(agent, FEED, {});
    const error = await feed.error(5_000);
    expect(error.extensions?.code).toBe("FORBIDDEN");
    await agent.dispose();
  });
});

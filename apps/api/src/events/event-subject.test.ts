/**
 * `ProjectEvent.subject`: every kind of event, caused for real (the test plays an Outpost's agent
 * over graphql-ws), arrives with the snapshot type of its kind and that snapshot's fields, live
 * and replayed; the deprecated `payload` still says the same.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadArtifact } from "../testing/builds.js";
import { createTestProject, createTestUser, startTestApi, subscribe, withTimeout, type TestApi } from "../testing/harness.js";
import { createGrantedOutpost, deployAndReport } from "../testing/outpost-agent.js";
import { backupEventKinds, EventKind } from "./event-kind.js";

// `state` is a StageState, a ReleaseState or a ComponentState: one selection needs an alias for each.
const STAGE = `stageId slug name type stageState: state suspendGraceSeconds isOutpost createdAt updatedAt`;
const EVENTS = `subscription($p: String!, $after: String) {
  events(project: $p, after: $after) {
    cursor kind payload
    subject {
      __typename
      ... on StageSnapshot { ${STAGE} }
      ... on ReleaseSnapshot { releaseId number releaseState: state message buildId configName configVersion createdBy createdAt updatedAt stage { slug stageState: state } }
      ... on ComponentSnapshot { name releaseId kind componentState: state health lastKnownHealth observedAt restarts message host command updatedAt stage { slug } }
      ... on OutpostLinkSnapshot { status since lastHeartbeatAt latencyMs inSync errors { component message at }
        outpost { outpostId slug uri name description region status statusSince } stage { slug isOutpost } }
      ... on ConfigurationSnapshot { name version entries { name kind secret } stage { slug } }
    }
  }
}`;

const OBSERVED_AT = "2026-05-01T10:00:00.000Z";

let api: TestApi;
let artifact: string;
beforeAll(async () => {
  api = await startTestApi({ outposts: { flushMs: 20, monitorMs: 200 } });
  artifact = await uploadArtifact(api);
});
afterAll(() => api?.close());

type Event = { cursor: string; kind: string; payload: any; subject: any };
const isLink = (e: Event) => e.kind === EventKind.OUTPOST_LINK_CHANGED;

/** Events of `project` from its first on, until those seen are `enough`. */
async function eventsUntil(token: string, project: string, enough: (seen: Event[]) => boolean): Promise<Event[]> {
  const sub = subscribe<{ events: Event }>(api.ws(token), EVENTS, { p: project, after: "0" });
  const seen: Event[] = [];
  try {
    while (!enough(seen)) seen.push((await sub.next()).events);
  } finally {
    sub.close();
  }
  return seen;
}

/**
 * A Project whose Stage `edge` lives on an Outpost, with a Configuration, a Build and a Release
 * its agent reports DEPLOYED with one Component, which is then restarted: one event of every kind.
 */
async function eventfulProject() {
  const project = await createTestProject(api);
  const member = await createTestUser(api, { projects: [project] });
  const outpost = await createGrantedOutpost(api, project, { region: "eu-central", description: "line 3" });
  await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "gone", type: DEV }) { slug } }`, { p: project });
  await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "gone") { state } }`, { p: project });
  await api.ok(`mutation($p: String!) { deleteStage(project: $p, slug: "gone") }`, { p: project });
  await api.ok(`mutation($p: String!) { restoreStage(project: $p, stage: "gone") { slug } }`, { p: project });
  await api.ok(`mutation($p: String!) { deleteStage(project: $p, slug: "gone") }`, { p: project });
  await api.ok(`mutation($p: String!) { purgeStage(project: $p, stage: "gone") }`, { p: project });
  await api.ok(`mutation($p: String!) { deleteProject(project: $p) }`, { p: project });
  await api.ok(`mutation($p: String!) { restoreProject(project: $p) { slug } }`, { p: project });
  await api.ok(
    `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: QA, outpostUri: $u }) { slug } }`,
    { p: project, u: `outpost://${outpost.slug}` },
  );
  await api.ok(`mutation($p: String!) { updateStage(input: { project: $p, slug: "edge", suspendGraceSeconds: 5 }) { slug } }`, {
    p: project,
  });
  await api.ok(
    `mutation($p: String!) { addConfigData(input: { project: $p, stage: "edge", env: [{ name: "PLAIN", value: "1" }, { name: "KEY", value: "s3cret", secret: true }] }) { version } }`,
    { p: project },
  );
  const component = { restarts: 1, observedAt: OBSERVED_AT };
  const ids = await deployAndReport(api, { project, stage: "edge", artifact, token: outpost.token, config: "default", component });
  await api.ok(`mutation($p: String!) { restartComponent(project: $p, stage: "edge", component: "web") { name } }`, { p: project });
  return { project, outpost: outpost.slug, member, ...ids };
}

describe("ProjectEvent.subject", () => {
  it("gives every kind of event its snapshot type, with the fields of its subject as it was then", async () => {
    const { project, outpost, stageId, releaseId } = await eventfulProject();
    const events = await withTimeout(
      eventsUntil(
        api.adminToken,
        project,
        (seen) =>
          seen.some((e) => e.kind === EventKind.OUTPOST_LINK_CHANGED && e.subject.status === "OFFLINE") &&
          seen.some((e) => e.kind === EventKind.COMPONENT_CONTROLLED),
      ),
      15_000,
      "the agent's events did not all arrive",
    );
    const first = (kind: string, where: (e: Event) => boolean = () => true) => events.find((e) => e.kind === kind && where(e))!;

    expect(first(EventKind.PROJECT_CREATED).subject).toBeNull();
    expect(first(EventKind.BUILD_CREATED).subject).toBeNull();

    const created = first(EventKind.STAGE_CREATED, (e) => e.subject.slug === "edge").subject;
    expect(created).toEqual({
      __typename: "StageSnapshot",
      stageId,
      slug: "edge",
      name: "edge",
      type: "QA",
      stageState: "RUNNING",
      suspendGraceSeconds: 60,
      isOutpost: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    // The Stage as it was at each event, not as it is now.
    expect(first(EventKind.STAGE_STATE_CHANGED).subject).toMatchObject({
      __typename: "StageSnapshot",
      slug: "gone",
      stageState: expect.stringMatching(/^SUSPEND/),
    });
    expect(first(EventKind.STAGE_DELETED).subject).toMatchObject({ __typename: "StageSnapshot", slug: "gone", isOutpost: false });
    expect(first(EventKind.STAGE_RESTORED).subject).toMatchObject({ __typename: "StageSnapshot", slug: "gone" });
    expect(first(EventKind.STAGE_PURGED).subject).toMatchObject({ __typename: "StageSnapshot", slug: "gone" });
    expect(first(EventKind.PROJECT_DELETED).subject).toBeNull();
    expect(first(EventKind.PROJECT_RESTORED).subject).toBeNull();
    expect(first(EventKind.STAGE_UPDATED).subject).toMatchObject({ __typename: "StageSnapshot", suspendGraceSeconds: 5 });

    expect(first(EventKind.CONFIGURATION_CHANGED).subject).toEqual({
      __typename: "ConfigurationSnapshot",
      name: "default",
      version: 1,
      entries: expect.arrayContaining([
        { name: "PLAIN", kind: "ENV", secret: false },
        { name: "KEY", kind: "ENV", secret: true },
      ]),
      stage: { slug: "edge" },
    });

    const pending = first(EventKind.RELEASE_CREATED).subject;
    expect(pending).toEqual({
      __typename: "ReleaseSnapshot",
      releaseId,
      number: 1,
      releaseState: "PENDING",
      message: "waiting for the agent",
      buildId: expect.any(String),
      configName: "default",
      configVersion: 1,
      createdBy: expect.any(String),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      stage: { slug: "edge", stageState: "RUNNING" },
    });
    expect(first(EventKind.RELEASE_STATE_CHANGED, (e) => e.subject.releaseState === "DEPLOYED").subject).toMatchObject({
      releaseId,
      number: 1,
      message: null,
    });

    expect(first(EventKind.COMPONENT_CHANGED).subject).toEqual({
      __typename: "ComponentSnapshot",
      name: "web",
      releaseId,
      kind: "SERVICE",
      componentState: "RUNNING",
      health: "HEALTHY",
      lastKnownHealth: "HEALTHY",
      observedAt: OBSERVED_AT,
      restarts: 1,
      message: null,
      host: "127.0.0.9",
      command: null,
      updatedAt: expect.any(String),
      stage: { slug: "edge" },
    });

    expect(first(EventKind.COMPONENT_CONTROLLED).subject).toMatchObject({
      __typename: "ComponentSnapshot",
      name: "web",
      releaseId,
      componentState: "RUNNING",
      command: "RESTART",
      stage: { slug: "edge" },
    });

    // The agent's socket opened: CONNECTING (heartbeats, batched, may or may not make it ONLINE before it closes).
    const connecting = first(EventKind.OUTPOST_LINK_CHANGED).subject;
    expect(connecting).toMatchObject({
      status: "CONNECTING",
      __typename: "OutpostLinkSnapshot",
      since: expect.any(String),
      errors: [],
      outpost: {
        slug: outpost,
        uri: `outpost://${outpost}`,
        name: `Factory ${outpost}`,
        description: "line 3",
        region: "eu-central",
        status: "CONNECTING",
      },
      stage: { slug: "edge", isOutpost: true },
    });
    expect(connecting.outpost.outpostId).toMatch(/^[0-9a-f-]{36}$/);

    // The deprecated payload still works, and says the same.
    for (const e of events.filter((e) => e.subject?.__typename === "StageSnapshot")) expect(e.payload.stage.slug).toBe(e.subject.slug);
    const kinds = new Set(events.map((e) => e.kind));
    // BACKUP_* need a Stage with storage and an agent's uploads: backups/backup.test.ts causes each and checks its BackupSnapshot.
    expect([...kinds].sort()).toEqual(
      Object.values(EventKind)
        .filter((k) => !backupEventKinds.has(k))
        .sort(),
    );
  });

  it("shows a member the same subjects, the Outpost without its admin facts", async () => {
    const { project, member } = await eventfulProject();
    const events = await withTimeout(
      eventsUntil(member.token, project, (seen) => seen.some(isLink) && seen.some((e) => e.kind === EventKind.COMPONENT_CHANGED)),
      15_000,
      "no link or Component event for the member",
    );
    const link = events.find(isLink)!;
    expect(link.subject.outpost).toMatchObject({ region: "eu-central", status: "CONNECTING" });
    // The raw payload is cut to what members see; the snapshot type has no admin facts at all.
    expect(link.payload.link.outpost).not.toHaveProperty("labels");
    expect(events.find((e) => e.kind === EventKind.COMPONENT_CHANGED)!.subject.__typename).toBe("ComponentSnapshot");
  });
});

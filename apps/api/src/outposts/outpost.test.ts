/**
 * Outposts through the API, the test playing the agent over a real graphql-ws socket:
 * registration, URI validation, a Stage on an Outpost waiting for its agent, sessions
 * (connect, heartbeat → ONLINE, supersede, close → OFFLINE, silence → OFFLINE), the link and
 * its events, stale health, apply errors, token rotation and the history of it all.
 */
import { createClient, type Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, createTestUser, eventually, startTestApi, subscribe, uniqueSlug, type TestApi } from "../testing/harness.js";

const DESIRED = `subscription { desiredState { full stages { stageId key generation release { id } } removed } }`;
const REPORT = `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted reason } }`;
const HEARTBEAT = `mutation($l: Int) { heartbeat(latencyMs: $l) { accepted reason intervalSeconds outpost } }`;
const CREATE = `mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken agentCommand outpost { slug uri status labels heartbeatIntervalSeconds offlineAfterSeconds } } }`;
const OUTPOST = `query($s: String!) { outpost(slug: $s) { status agentVersion latencyMs lastSeenAt stageCount history(last: 20) { event kind message } } }`;
const LINK = `query($p: String!) { stage(project: $p, slug: "edge") { isOutpost health outpost { status inSync generation observedGeneration agentVersion errors { component message } outpost { slug } }
  currentRelease { state message } components { name health lastKnownHealth } } }`;

let api: TestApi;
let artifact: string;
beforeAll(async () => {
  api = await startTestApi({ outposts: { flushMs: 20, monitorMs: 200 } });
  artifact = await uploadArtifact(api);
});
afterAll(() => api?.close());

function agentClient(token: string): { client: Client; closed: Promise<number> } {
  let onClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: api.server.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authToken: token, agentVersion: "pergola-agent/test", publicUrl: "http://127.0.0.1:4999" },
    retryAttempts: 0,
    lazy: false,
    // A refused socket is what some tests wait for: no console noise about it.
    onNonLazyError: () => undefined,
    on: { closed: (event) => onClosed((event as { code: number }).code) },
  });
  return { client, closed };
}

function run<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    let data: any;
    client.subscribe(
      { query, variables },
      {
        next: (r) => {
          if (r.errors) reject(new Error(JSON.stringify(r.errors)));
          else data = r.data;
        },
        error: reject,
        complete: () => resolve(data),
      },
    );
  });
}

async function createOutpost(extra: Record<string, unknown> = {}) {
  const slug = uniqueSlug("edge");
  const { createOutpost: created } = await api.ok(CREATE, {
    i: { name: `Factory ${slug}`, slug, region: "eu-central", labels: ["site=berlin", "tier=edge"], ...extra },
  });
  return { slug, token: created.agentToken as string, created };
}

const statusOf = async (slug: string) => (await api.ok(OUTPOST, { s: slug })).outpost;

describe("Outposts", () => {
  it("registers an Outpost for admins only, with a URI, a one-time token and the agent command", async () => {
    const { slug, token, created } = await createOutpost();
    expect(created.outpost).toEqual({
      slug,
      uri: `outpost://${slug}`,
      status: "PENDING",
      labels: ["site=berlin", "tier=edge"],
      heartbeatIntervalSeconds: 5,
      offlineAfterSeconds: 20,
    });
    expect(created.agentCommand).toBe(
      `(umask 077 && printf '%s\\n' '${token}' > ./pergola-agent.token) && pergola-agent --server ${api.server.url} --token-file ./pergola-agent.token --data-dir ./pergola-agent`,
    );
    const again = await api.gql(CREATE, { i: { name: "again", slug } });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "slug" });
    const badLabel = await api.gql(CREATE, { i: { name: "x", labels: ["site"] } });
    expect(badLabel.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "labels[0]" });
    const badBeat = await api.gql(CREATE, { i: { name: "x", heartbeatIntervalSeconds: 5, offlineAfterSeconds: 6 } });
    expect(badBeat.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "offlineAfterSeconds" });
    const member = await createTestUser(api);
    expect((await api.gql(CREATE, { i: { name: "x" } }, member.token)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await api.gql(`{ outposts { slug } }`, {}, token)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("validates Outpost URIs: malformed, unknown, never connected (a warning)", async () => {
    const { slug } = await createOutpost();
    const check = async (uri: string) =>
      (
        await api.ok(
          `query($u: String!) { validateOutpostUri(uri: $u) { valid outpost { slug region labels status stageCount } problems { code warning message } } }`,
          { u: uri },
        )
      ).validateOutpostUri;
    expect(await check("http://nope")).toMatchObject({ valid: false, outpost: null, problems: [{ code: "MALFORMED", warning: false }] });
    expect(await check("outpost://Bad_Slug")).toMatchObject({ valid: false, problems: [{ code: "MALFORMED" }] });
    expect(await check("outpost://no-such-outpost")).toMatchObject({
      valid: false,
      problems: [{ code: "UNKNOWN_OUTPOST", message: expect.stringContaining("no-such-outpost") }],
    });
    expect(await check(`outpost://${slug}`)).toEqual({
      valid: true,
      outpost: { slug, region: "eu-central", labels: ["site=berlin", "tier=edge"], status: "PENDING", stageCount: 0 },
      problems: [{ code: "NEVER_CONNECTED", warning: true, message: expect.stringContaining("never connected") }],
    });
    const project = await createTestProject(api);
    const bad = await api.gql(
      `mutation($p: String!) { createStage(input: { project: $p, name: "edge", type: DEV, outpostUri: "outpost://no-such-outpost" }) { slug } }`,
      { p: project },
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "outpostUri" });
    expect((await api.ok(`query($p: String!) { stages(project: $p) { slug } }`, { p: project })).stages).toEqual([]);
  });

  it("runs a Stage on an Outpost: waits for the agent, goes ONLINE, reports, supersedes, goes OFFLINE with stale health", async () => {
    const { slug, token } = await createOutpost();
    const project = await createTestProject(api);
    await api.ok(
      `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: DEV, outpostUri: $u }) { slug } }`,
      { p: project, u: `outpost://${slug}` },
    );
    const links = subscribe(
      api.ws(),
      `subscription($p: String!) { outpostLinkChanged(project: $p, stage: "edge", after: "0") { cursor kind link { status inSync } } }`,
      { p: project },
    );
    const watch = subscribe(api.ws(), `subscription($s: String!) { outpostChanged(outpost: $s) { status } }`, { s: slug });
    expect((await watch.next()).outpostChanged.status).toBe("PENDING");
    const [b1] = await createBuilds(api, project, artifact, 1);
    await api.ok(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "edge", build: $b }) { id } }`, {
      p: project,
      b: b1,
    });
    let stage = (await api.ok(LINK, { p: project })).stage;
    expect(stage).toMatchObject({ isOutpost: true, outpost: { status: "PENDING", inSync: false, outpost: { slug } } });
    expect(stage.currentRelease).toEqual({ state: "PENDING", message: `waiting for Outpost ${slug}, whose agent has never connected` });

    // The agent connects: CONNECTING, then ONLINE with its first heartbeat; it gets only its Outpost's Stages.
    const agent = agentClient(token);
    const desired = subscribe(agent.client, DESIRED, {});
    const full = (await desired.next()).desiredState;
    expect(full.full).toBe(true);
    expect(full.stages.map((s: { key: string }) => s.key)).toEqual([`${project}/edge`]);
    expect(await run(agent.client, HEARTBEAT, { l: 3 })).toEqual({
      heartbeat: { accepted: true, reason: null, intervalSeconds: 5, outpost: slug },
    });
    await eventually(async () => ((await statusOf(slug)).status === "ONLINE" ? true : undefined), 5000, "ONLINE after a heartbeat");
    expect(await statusOf(slug)).toMatchObject({ agentVersion: "pergola-agent/test", latencyMs: 3, stageCount: 1 });
    const statuses: string[] = [];
    while (!statuses.includes("ONLINE")) statuses.push((await watch.next()).outpostChanged.status);
    expect(statuses).toContain("CONNECTING");

    const target = full.stages[0];
    const report = (client: Client, state: string, health = "HEALTHY", message: string | null = null) =>
      run(client, REPORT, {
        i: {
          stageId: target.stageId,
          releaseId: target.release.id,
          observedGeneration: target.generation,
          components: [{ name: "web", kind: "SERVICE", state, health, restarts: 0, host: "127.0.0.9", message }],
        },
      });
    expect((await report(agent.client, "RUNNING")).reportStatus.accepted).toBe(true);
    stage = (await api.ok(LINK, { p: project })).stage;
    expect(stage).toMatchObject({
      health: "HEALTHY",
      currentRelease: { state: "DEPLOYED" },
      outpost: { status: "ONLINE", inSync: true, agentVersion: "pergola-agent/test" },
    });

    // The control plane cannot reach the Outpost's Components: its link redirects to the agent's gateway.
    const viaApi = await fetch(`${api.server.url}/s/${project}/edge/web/orders`, { redirect: "manual" });
    expect(viaApi.status).toBe(307);
    expect(viaApi.headers.get("location")).toBe(`http://127.0.0.1:4999/s/${project}/edge/web/orders`);

    // A second agent with the same token supersedes the first, whose reports are then refused.
    const second = agentClient(token);
    await run(second.client, HEARTBEAT, {});
    await eventually(async () => ((await statusOf(slug)).status === "ONLINE" ? true : undefined), 5000, "the second session ONLINE");
    expect((await report(agent.client, "RUNNING")).reportStatus).toEqual({ accepted: false, reason: expect.stringMatching(/superseded/) });
    expect((await run(agent.client, HEARTBEAT, {})).heartbeat).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/superseded/),
    });
    expect((await report(second.client, "RUNNING")).reportStatus).toEqual({ accepted: true, reason: null });
    // The superseded socket closing changes nothing: the winner is still there.
    await agent.client.dispose();
    await agent.closed;
    expect((await statusOf(slug)).status).toBe("ONLINE");

    // The winner's socket closes: OFFLINE at once; health is UNKNOWN, the last verdict kept.
    await second.client.dispose();
    await eventually(async () => ((await statusOf(slug)).status === "OFFLINE" ? true : undefined), 5000, "OFFLINE after the socket closed");
    stage = (await api.ok(LINK, { p: project })).stage;
    expect(stage).toMatchObject({
      health: "UNKNOWN",
      outpost: { status: "OFFLINE" },
      components: [{ name: "web", health: "UNKNOWN", lastKnownHealth: "HEALTHY" }],
    });

    // A Release deployed meanwhile says what it waits for.
    const [b2] = await createBuilds(api, project, artifact, 1);
    await api.ok(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "edge", build: $b }) { id } }`, {
      p: project,
      b: b2,
    });
    expect((await api.ok(LINK, { p: project })).stage.currentRelease.message).toMatch(
      new RegExp(`^waiting for Outpost ${slug}, offline since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`),
    );

    // The agent is back and cannot apply it: the link says ERROR, with the agent's words.
    const third = agentClient(token);
    const desired3 = subscribe(third.client, DESIRED, {});
    const again = (await desired3.next()).desiredState.stages[0];
    await run(third.client, HEARTBEAT, {});
    const failed = await run(third.client, REPORT, {
      i: {
        stageId: again.stageId,
        releaseId: again.release.id,
        observedGeneration: again.generation,
        components: [{ name: "web", kind: "SERVICE", state: "FAILED", health: "UNKNOWN", restarts: 0, message: "port 8080 in use" }],
      },
    });
    expect(failed.reportStatus.accepted).toBe(true);
    await eventually(async () => ((await statusOf(slug)).status === "ONLINE" ? true : undefined), 5000, "ONLINE again");
    stage = (await api.ok(LINK, { p: project })).stage;
    // The failed Release is no longer the Stage's: a new generation asks the agent to stop what is left of it.
    // The link's errors say what failed, and that the Release failed (until a newer one is made).
    expect(stage.outpost).toMatchObject({
      status: "ERROR",
      inSync: false,
      errors: [
        { component: "web", message: "port 8080 in use" },
        { component: "release #2", message: "failed: web: port 8080 in use" },
      ],
    });
    expect(stage.outpost.generation).toBe(again.generation + 1);
    const history: { event: string; kind: string }[] = (await statusOf(slug)).history;
    expect(history.map((h) => h.event)).toEqual(
      expect.arrayContaining(["CREATED", "CONNECTED", "ONLINE", "APPLY_ERROR", "SUPERSEDED", "DISCONNECTED"]),
    );
    // The deprecated `kind` says the same, as it always did.
    expect(history.map((h) => h.kind)).toEqual(history.map((h) => h.event.toLowerCase().replaceAll("_", "-")));
    desired3.close();
    await third.client.dispose();

    const seen: string[] = [];
    while (!seen.includes("OFFLINE")) seen.push((await links.next()).outpostLinkChanged.link.status);
    expect(seen).toEqual(expect.arrayContaining(["CONNECTING", "ONLINE", "OFFLINE"]));
    links.close();
    watch.close();

    expect((await api.gql(`mutation($s: String!) { deleteOutpost(slug: $s) }`, { s: slug })).errors?.[0]?.extensions?.code).toBe(
      "STATE_CONFLICT",
    );
    await api.ok(`mutation($p: String!) { deleteStage(project: $p, slug: "edge") }`, { p: project });
    // Archived, it is still on the Outpost; purged, it is not.
    expect((await api.gql(`mutation($s: String!) { deleteOutpost(slug: $s) }`, { s: slug })).errors?.[0]?.extensions?.code).toBe(
      "STATE_CONFLICT",
    );
    await api.ok(`mutation($p: String!) { purgeStage(project: $p, stage: "edge") }`, { p: project });
    expect((await api.ok(`mutation($s: String!) { deleteOutpost(slug: $s) }`, { s: slug })).deleteOutpost).toBe(true);
  });

  it("takes an agent's word that nothing runs on a Stage without a Release, and then shows it in sync", async () => {
    const { slug, token } = await createOutpost();
    const project = await createTestProject(api);
    await api.ok(
      `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: DEV, outpostUri: $u }) { slug } }`,
      { p: project, u: `outpost://${slug}` },
    );
    const agent = agentClient(token);
    const desired = subscribe(agent.client, DESIRED, {});
    const [stage] = (await desired.next()).desiredState.stages;
    expect(stage.release).toBeNull();
    await run(agent.client, HEARTBEAT, {});
    const idle = { stageId: stage.stageId, releaseId: null, observedGeneration: stage.generation, components: [] };
    expect((await run(agent.client, REPORT, { i: idle })).reportStatus).toEqual({ accepted: true, reason: null });
    await eventually(
      async () => ((await api.ok(LINK, { p: project })).stage.outpost.status === "ONLINE" ? true : undefined),
      5000,
      "ONLINE",
    );
    expect((await api.ok(LINK, { p: project })).stage.outpost).toMatchObject({ inSync: true, observedGeneration: stage.generation });
    // Once there is a Release, "nothing runs" is no answer.
    const [b1] = await createBuilds(api, project, artifact, 1);
    await api.ok(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "edge", build: $b }) { id } }`, {
      p: project,
      b: b1,
    });
    const later = { ...idle, observedGeneration: stage.generation + 1 };
    expect((await run(agent.client, REPORT, { i: later })).reportStatus).toEqual({
      accepted: false,
      reason: "the Stage has a Release to run",
    });
    desired.close();
    await agent.client.dispose();
  });

  it("goes OFFLINE when heartbeats stop on an open socket, and ONLINE when they come back", async () => {
    const { slug, token } = await createOutpost({ heartbeatIntervalSeconds: 1, offlineAfterSeconds: 2 });
    const agent = agentClient(token);
    await run(agent.client, HEARTBEAT, {});
    await eventually(async () => ((await statusOf(slug)).status === "ONLINE" ? true : undefined), 5000, "ONLINE");
    await eventually(async () => ((await statusOf(slug)).status === "OFFLINE" ? true : undefined), 6000, "OFFLINE after 2 s of silence");
    expect((await statusOf(slug)).history[0]).toMatchObject({ event: "HEARTBEAT_MISSED", kind: "heartbeat-missed" });
    await run(agent.client, HEARTBEAT, {});
    await eventually(async () => ((await statusOf(slug)).status === "ONLINE" ? true : undefined), 5000, "ONLINE again");
    await agent.client.dispose();
  });

  it("rotates the token: the old socket is closed at once and the old token is rejected, in the history", async () => {
    const { slug, token } = await createOutpost();
    const agent = agentClient(token);
    await run(agent.client, HEARTBEAT, {});
    const { rotateOutpostToken } = await api.ok(`mutation($s: String!) { rotateOutpostToken(slug: $s) { agentToken } }`, { s: slug });
    expect(rotateOutpostToken.agentToken).not.toBe(token);
    expect(await agent.closed).toBe(4403);
    const retry = agentClient(token);
    expect(await retry.closed).toBe(4403);
    await eventually(
      async () => ((await statusOf(slug)).history.some((h: { kind: string }) => h.kind === "token-rejected") ? true : undefined),
      5000,
      "token-rejected in the history",
    );
    const fresh = agentClient(rotateOutpostToken.agentToken);
    expect((await run(fresh.client, HEARTBEAT, {})).heartbeat.accepted).toBe(true);
    await fresh.client.dispose();
  });
});

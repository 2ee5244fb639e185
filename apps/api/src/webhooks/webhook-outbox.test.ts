/**
 * The outbox: what causes a delivery, and that a delivery exists exactly when its cause
 * committed. End to end, a test playing an Outpost's agent puts a Stage's service HEALTHY, then
 * UNHEALTHY, then HEALTHY again, and closes its socket: the Project's webhook and a global one
 * are told, a webhook of another Project is not.
 */
import { projects, stages, webhookDeliveries, type EventRow } from "@pergola/db/schema";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventKind } from "../events/event-kind.js";
import { toStageSnapshot } from "../stages/stage.snapshot.js";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, eventually, startTestApi, subscribe, type TestApi } from "../testing/harness.js";
import { agentClient, createGrantedOutpost, run } from "../testing/outpost-agent.js";
import { startWebhookReceiver, type WebhookReceiver } from "../testing/webhook-receiver.js";
import { notificationsOf } from "./webhook-outbox.js";

const SECRET = "outbox-test-secret-0123456789";
const ALL_EVENTS = ["STAGE_UNHEALTHY", "STAGE_RECOVERED", "RELEASE_FAILED", "RELEASE_DEPLOYED", "OUTPOST_OFFLINE", "OUTPOST_ONLINE"];
const CREATE = `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id } }`;
const REPORT = `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted reason } }`;

let api: TestApi;
let hook: WebhookReceiver;
beforeAll(async () => {
  [api, hook] = await Promise.all([startTestApi(), startWebhookReceiver()]);
});
afterAll(async () => {
  await api?.close();
  await hook?.close();
});

/** A STAGE_HEALTH_CHANGED or RELEASE_STATE_CHANGED row as the log writes it. */
function row(kind: string, payload: Record<string, unknown>): EventRow {
  return { projectId: "p", seq: 1n, stageId: "s", kind, payload, actor: "system", at: new Date() };
}
const STAGE = { slug: "web", name: "Web", type: "PROD", health: "HEALTHY" };

describe("what a webhook is told", () => {
  it("of a Stage's health: starting to fail, and recovering; not moves through UNKNOWN or between failing ones", () => {
    const moves: [string, string, string | null][] = [
      ["HEALTHY", "UNHEALTHY", "STAGE_UNHEALTHY"],
      ["HEALTHY", "DEGRADED", "STAGE_UNHEALTHY"],
      ["UNKNOWN", "UNHEALTHY", "STAGE_UNHEALTHY"],
      ["DEGRADED", "UNHEALTHY", null],
      ["UNHEALTHY", "DEGRADED", null],
      ["UNHEALTHY", "HEALTHY", "STAGE_RECOVERED"],
      ["DEGRADED", "HEALTHY", "STAGE_RECOVERED"],
      ["UNKNOWN", "HEALTHY", null],
      ["UNHEALTHY", "UNKNOWN", null],
    ];
    for (const [previousHealth, health, expected] of moves) {
      const found = notificationsOf({ slug: "shop", name: "Shop" }, [
        row(EventKind.STAGE_HEALTH_CHANGED, { stage: { ...STAGE, health }, health, previousHealth }),
      ]);
      expect(
        found.map((n) => n.event),
        `${previousHealth} → ${health}`,
      ).toEqual(expected ? [expected] : []);
    }
  });

  it("of a Release's outcome: DEPLOYED and FAILED, nothing on the way", () => {
    const states = ["PENDING", "DEPLOYING", "DEPLOYED", "FAILED", "SUPERSEDED"];
    const found = notificationsOf(
      { slug: "shop", name: "Shop" },
      states.map((state) => row(EventKind.RELEASE_STATE_CHANGED, { stage: STAGE, release: { number: 3, state, message: "m" } })),
    );
    expect(found).toEqual([
      {
        event: "RELEASE_DEPLOYED",
        payload: { project: { slug: "shop", name: "Shop" }, stage: STAGE, release: { number: 3, state: "DEPLOYED", message: "m" } },
      },
      {
        event: "RELEASE_FAILED",
        payload: { project: { slug: "shop", name: "Shop" }, stage: STAGE, release: { number: 3, state: "FAILED", message: "m" } },
      },
    ]);
  });
});

describe("the outbox", () => {
  it("writes a delivery in the transaction of its event: none when it rolls back, one when it commits", async () => {
    const project = await createTestProject(api);
    const { createWebhook } = await api.ok(CREATE, { i: { project, url: hook.url, events: ["STAGE_UNHEALTHY"], secret: SECRET } });
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "web", type: PROD }) { slug } }`, { p: project });
    const { db } = api.server.database;
    const { log } = api.server.services;
    const [projectRow] = await db.select().from(projects).where(eq(projects.slug, project));
    const [stage] = await db.select().from(stages).where(eq(stages.projectId, projectRow!.id));
    const unhealthy = {
      kind: EventKind.STAGE_HEALTH_CHANGED,
      stageId: stage!.id,
      payload: { stage: toStageSnapshot({ ...stage!, health: "UNHEALTHY" }), health: "UNHEALTHY", previousHealth: "HEALTHY" },
    };
    const deliveries = async () =>
      (await db.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, createWebhook.id)))[0]!.n;

    // The event is appended, its delivery with it; then the transaction fails.
    let seenInside = -1;
    await expect(
      db.transaction(async (tx) => {
        const [locked] = await tx.select().from(projects).where(eq(projects.id, projectRow!.id)).for("update");
        await log.append(tx, locked!, [unhealthy]);
        seenInside = (await tx.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, createWebhook.id)))[0]!
          .n;
        throw new Error("the write fails after its events");
      }),
    ).rejects.toThrow("the write fails after its events");
    expect(seenInside).toBe(1);
    expect(await deliveries()).toBe(0);

    // The same event, committed: one delivery, and it is sent.
    await log.inProject({ id: projectRow!.id }, async (ptx) => ptx.emit(unhealthy));
    expect(await deliveries()).toBe(1);
    const [received] = await hook.until((r) => {
      const mine = r.filter((q) => JSON.parse(q.body).project?.slug === project);
      return mine.length ? mine : undefined;
    });
    expect(JSON.parse(received!.body)).toMatchObject({
      event: "STAGE_UNHEALTHY",
      project: { slug: project },
      stage: { slug: "web", type: "PROD", health: "UNHEALTHY", previousHealth: "HEALTHY" },
    });
  });

  it("tells an agent's reports and its Outpost going away to the Project's webhooks and the global ones, not to other Projects'", async () => {
    const project = await createTestProject(api);
    const other = await createTestProject(api);
    const outpost = await createGrantedOutpost(api, project);
    await api.ok(
      `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: PROD, outpostUri: $u }) { slug } }`,
      {
        p: project,
        u: `outpost://${outpost.slug}`,
      },
    );
    await api.ok(CREATE, { i: { project, url: hook.url, events: ALL_EVENTS, secret: SECRET } });
    await api.ok(CREATE, { i: { project: other, url: hook.url, events: ALL_EVENTS, secret: SECRET } });
    // A global webhook sees every Project: deleted at the end, so that it outlives no test (PostgreSQL keeps it).
    const global = await api.ok(CREATE, {
      i: { url: `${hook.url}?global`, events: ["OUTPOST_ONLINE", "OUTPOST_OFFLINE", "STAGE_UNHEALTHY"], secret: SECRET },
    });
    try {
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
      await hook.until((r) => (r.some((q) => q.body.includes('"OUTPOST_ONLINE"') && q.body.includes(outpost.slug)) ? true : undefined));

      const report = (health: string) => ({
        stageId: target.stageId,
        releaseId: target.release.id,
        observedGeneration: target.generation,
        components: [{ name: "web", kind: "SERVICE", state: "RUNNING", health, restarts: 0, host: "127.0.0.9", message: null }],
      });
      for (const health of ["HEALTHY", "UNHEALTHY", "HEALTHY"]) {
        const { reportStatus } = await run(agent, REPORT, { i: report(health) });
        expect(reportStatus.accepted).toBe(true);
      }
      desired.close();
      await agent.dispose();

      // Everything told of this Project or its Outpost, to the Project's webhook and the global one.
      const told = (path: string) =>
        hook.received
          .filter((q) => q.path === path && q.answered === 200)
          .map((q) => JSON.parse(q.body) as { event: string; project: { slug: string } | null; outpost?: { slug: string } })
          .filter((b) => b.project?.slug === project || b.outpost?.slug === outpost.slug);
      const expected = ["OUTPOST_ONLINE", "RELEASE_DEPLOYED", "STAGE_UNHEALTHY", "STAGE_RECOVERED", "OUTPOST_OFFLINE"];
      await hook.until(() => (told("/hook").length >= expected.length && told("/hook?global").length >= 3 ? true : undefined), 20_000);
      // Sent side by side, they may arrive in any order; each arrived (once: the receiver answered 200 at once).
      const events = (path: string) =>
        told(path)
          .map((b) => b.event)
          .sort();
      expect(events("/hook")).toEqual([...expected].sort());
      expect(events("/hook?global")).toEqual(["OUTPOST_OFFLINE", "OUTPOST_ONLINE", "STAGE_UNHEALTHY"]);
      // The other Project has no Stage on the Outpost and no such events: nothing for its webhook.
      const [otherHook] = (await api.ok(`query($p: String!) { webhooks(project: $p) { deliveries { id } } }`, { p: other })).webhooks;
      expect(otherHook.deliveries).toEqual([]);

      const bodies = told("/hook");
      expect(bodies.find((b) => b.event === "STAGE_UNHEALTHY")).toMatchObject({
        project: { slug: project },
        stage: { slug: "edge", type: "PROD", health: "UNHEALTHY", previousHealth: "HEALTHY" },
      });
      expect(bodies.find((b) => b.event === "RELEASE_DEPLOYED")).toMatchObject({ release: { number: 1, state: "DEPLOYED" } });
      expect(bodies.find((b) => b.event === "OUTPOST_OFFLINE")).toMatchObject({
        project: { slug: project },
        outpost: { slug: outpost.slug, status: "OFFLINE" },
      });
      expect(told("/hook?global").find((b) => b.event === "OUTPOST_OFFLINE")).toMatchObject({
        project: null,
        outpost: { slug: outpost.slug },
      });
      const recorded = await eventually(
        async () => {
          const [w] = (await api.ok(`query($p: String!) { webhooks(project: $p) { id deliveries { event state } } }`, { p: project }))
            .webhooks;
          const done = w.deliveries.length === expected.length && w.deliveries.every((d: { state: string }) => d.state === "DELIVERED");
          return done ? w.deliveries : undefined;
        },
        10_000,
        "the deliveries are not all DELIVERED",
      );
      // Newest first: made in the order their causes committed.
      expect(recorded.map((d: { event: string }) => d.event).reverse()).toEqual(expected);
    } finally {
      await api.ok(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id: global.createWebhook.id });
    }
  });
});

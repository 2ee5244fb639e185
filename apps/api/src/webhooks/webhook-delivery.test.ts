/**
 * Sending, against a real receiver on a real socket: every delivery arrives at least once,
 * signed with the webhook's secret, every attempt of one delivery carrying the same id
 * (`X-Pergola-Delivery`, `Idempotency-Key`) and body; a receiver that fails, goes away, or hangs
 * gets it later; retries end (FAILED) when their time is up.
 */
import { webhookDeliveries } from "@pergola/db/schema";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, eventually, startTestApi, TEST_WEBHOOKS, type TestApi } from "../testing/harness.js";
import { type Answer, deliveryIds, type ReceivedRequest, startWebhookReceiver, type WebhookReceiver } from "../testing/webhook-receiver.js";
import { verifyWebhookSignature } from "./webhook-signature.js";

const SECRET = "delivery-test-secret-0123456789";
const CREATE = `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id } }`;
const PING = `mutation($id: ID!) { sendTestWebhook(id: $id) { id state } }`;
const DELIVERIES = `query($p: String!) { webhooks(project: $p) { id deliveries(last: 50) {
  id event state attempts responseStatus error deliveredAt nextAttemptAt payload } } }`;

interface Delivery {
  id: string;
  event: string;
  state: string;
  attempts: number;
  responseStatus: number | null;
  error: string | null;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  payload: Record<string, unknown>;
}

let api: TestApi;
const receivers: WebhookReceiver[] = [];
beforeAll(async () => {
  // Retries every 40–200 ms, for 5 s; attempts cut at 2 s (TEST_WEBHOOKS).
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(answer?: Answer, port?: number): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(answer, port);
  receivers.push(started);
  return started;
}

/** A Project with a webhook to `url`; returns both. */
async function webhookTo(url: string): Promise<{ project: string; id: string }> {
  const project = await createTestProject(api);
  const { createWebhook } = await api.ok(CREATE, { i: { project, url, events: ["STAGE_UNHEALTHY"], secret: SECRET } });
  return { project, id: createWebhook.id };
}

async function ping(id: string): Promise<string> {
  return (await api.ok(PING, { id })).sendTestWebhook.id;
}

async function deliveriesOf(project: string): Promise<Delivery[]> {
  return (await api.ok(DELIVERIES, { p: project })).webhooks[0].deliveries;
}

/** Waits until every delivery of the Project is in `state` (the sender records an answer just after the receiver gives it). */
function allIn(project: string, count: number, state: string): Promise<Delivery[]> {
  return eventually(
    async () => {
      const list = await deliveriesOf(project);
      return list.length === count && list.every((d) => d.state === state) ? list : undefined;
    },
    15_000,
    `the deliveries are not all ${state}`,
  );
}

function expectSigned(request: ReceivedRequest): void {
  const timestamp = String(request.headers["x-pergola-timestamp"]);
  const signature = String(request.headers["x-pergola-signature"]);
  expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
  expect(verifyWebhookSignature(SECRET, timestamp, request.body, signature)).toBe(true);
  expect(verifyWebhookSignature("another-secret-0123456789", timestamp, request.body, signature)).toBe(false);
  expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
  expect(request.headers["x-pergola-delivery"]).toBe(request.id);
  expect(request.headers["idempotency-key"]).toBe(request.id);
  expect(request.headers["x-pergola-event"]).toBe(JSON.parse(request.body).event);
  expect(request.headers["content-type"]).toBe("application/json");
}

describe("webhook deliveries", () => {
  it("arrive once the receiver stops failing: signed, each attempt with the same id, key and body", async () => {
    // 500 to the first two attempts of each delivery, then 200.
    const hook = await receiver((_, before) => (before < 2 ? 500 : 200));
    const { project, id } = await webhookTo(hook.url);
    const sent = await Promise.all([1, 2, 3, 4, 5].map(() => ping(id)));
    await hook.until((r) => (sent.every((d) => r.some((q) => q.id === d && q.answered === 200)) ? true : undefined));

    for (const delivery of sent) {
      const attempts = hook.received.filter((r) => r.id === delivery);
      expect(attempts.map((a) => a.answered)).toEqual([500, 500, 200]);
      // Every attempt: the same body (so the same id inside it), the same key, a valid signature.
      expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
      for (const attempt of attempts) expectSigned(attempt);
      expect(JSON.parse(attempts[0]!.body)).toMatchObject({ id: delivery, event: "PING", project: { slug: project }, webhook: { id } });
    }
    const recorded = await allIn(project, 5, "DELIVERED");
    for (const d of recorded) {
      expect(d).toMatchObject({ attempts: 3, responseStatus: 200, error: null, nextAttemptAt: null });
      expect(d.deliveredAt).not.toBeNull();
      // `payload` is the body as sent.
      expect(d.payload).toEqual(JSON.parse(hook.received.find((r) => r.id === d.id)!.body));
    }
    expect(recorded.map((d) => d.id).sort()).toEqual([...sent].sort());
  });

  it("lose nothing when the receiver goes away mid-run and comes back on the same port", async () => {
    const hook = await receiver();
    const { project, id } = await webhookTo(hook.url);
    const before = await Promise.all([1, 2, 3].map(() => ping(id)));
    await hook.until((r) => (before.every((d) => r.some((q) => q.id === d)) ? true : undefined));

    await hook.close();
    const during = await Promise.all([1, 2, 3].map(() => ping(id)));
    // Each of them was tried, and refused, while the receiver was away.
    const refused = await eventually(
      async () => {
        const list = (await deliveriesOf(project)).filter((d) => during.includes(d.id));
        return list.length === 3 && list.every((d) => d.state === "PENDING" && d.attempts >= 1 && d.error) ? list : undefined;
      },
      10_000,
      "the deliveries made while the receiver was away were not tried",
    );
    for (const d of refused) {
      expect(d.error).toMatch(/ECONNREFUSED|could not send/);
      expect(d.nextAttemptAt).not.toBeNull();
    }

    await hook.reopen();
    const all = [...before, ...during];
    await hook.until((r) => (all.every((d) => r.some((q) => q.id === d && q.answered === 200)) ? true : undefined));
    expect(deliveryIds(hook.received).sort()).toEqual([...all].sort());
    // A delivery received twice (an answer lost with the connection) is the same delivery: same key, same body.
    for (const d of all) expect(new Set(hook.received.filter((r) => r.id === d).map((r) => r.body)).size).toBe(1);
    await allIn(project, 6, "DELIVERED");
  });

  it("cut a receiver that does not answer at the timeout, and try again", async () => {
    const hook = await receiver((_, before) => (before === 0 ? "hang" : 200));
    const { project, id } = await webhookTo(hook.url);
    const delivery = await ping(id);
    const started = Date.now();
    // The sender closes the hanging request's connection itself (at TEST_WEBHOOKS.timeoutMs), then sends again.
    await hook.until((r) => (r[0]?.answered === "closed" ? true : undefined), 10_000, "the hanging request was not cut");
    expect(Date.now() - started).toBeGreaterThanOrEqual(TEST_WEBHOOKS.timeoutMs! - 100);
    await hook.until((r) => (r.some((q) => q.answered === 200) ? true : undefined));
    expect(hook.received.map((r) => r.id)).toEqual([delivery, delivery]);
    const [recorded] = await allIn(project, 1, "DELIVERED");
    expect(recorded).toMatchObject({ attempts: 2, responseStatus: 200 });

    // One that never answers: each attempt is cut, and says so.
    const silent = await receiver(() => "hang");
    const stuck = await webhookTo(silent.url);
    await ping(stuck.id);
    const [cut] = await eventually(
      async () => {
        const list = await deliveriesOf(stuck.project);
        return list[0]?.error ? list : undefined;
      },
      10_000,
      "the hanging attempt was not recorded",
    );
    // PENDING while it is retried; FAILED if its 5 s of retries ran out before this read.
    expect(cut).toMatchObject({ responseStatus: null, error: `no answer within ${TEST_WEBHOOKS.timeoutMs! / 1000} s: cut off` });
    expect(["PENDING", "FAILED"]).toContain(cut!.state);
    await api.ok(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id: stuck.id });
  });

  it("end FAILED when retries run out, with the last answer and why", async () => {
    const hook = await receiver(() => 503);
    const { project, id } = await webhookTo(hook.url);
    await ping(id);
    const [failed] = await allIn(project, 1, "FAILED");
    expect(failed!.attempts).toBeGreaterThanOrEqual(3);
    expect(failed).toMatchObject({ responseStatus: 503, error: "the receiver answered HTTP 503", deliveredAt: null, nextAttemptAt: null });
    expect(hook.received.length).toBe(failed!.attempts);
  });

  it("go again, with the same id, once the lease of a sender that died mid-attempt runs out", async () => {
    const hook = await receiver();
    const { project, id } = await webhookTo(hook.url);
    // As a sender's claim leaves it, had that sender died before recording an answer.
    const [claimed] = await api.server.database.db
      .insert(webhookDeliveries)
      .values({
        webhookId: id,
        event: "PING",
        payload: {},
        attempts: 1,
        lastAttemptAt: sql`now()`,
        nextAttemptAt: sql`now() + interval '1 second'`,
      })
      .returning({ id: webhookDeliveries.id });
    // A look (another delivery, or the poll) sees it leased and comes back when the lease ends.
    api.server.services.webhookSender.wake();
    const [request] = await hook.until((r) => {
      const found = r.filter((q) => q.id === claimed!.id);
      return found.length ? found : undefined;
    });
    expect(request!.headers["idempotency-key"]).toBe(claimed!.id);
    const [recorded] = await allIn(project, 1, "DELIVERED");
    expect(recorded).toMatchObject({ id: claimed!.id, attempts: 2 });
  });

  it("are deleted 30 days after they were made once DELIVERED or FAILED; PENDING ones stay", async () => {
    const hook = await receiver();
    const { id } = await webhookTo(hook.url);
    const { db } = api.server.database;
    const old = sql`now() - interval '31 days'`;
    const rows = await db
      .insert(webhookDeliveries)
      .values([
        { webhookId: id, event: "PING", payload: {}, state: "DELIVERED", createdAt: old },
        { webhookId: id, event: "PING", payload: {}, state: "FAILED", createdAt: old },
        // Not due for a day: it stays PENDING through this test.
        { webhookId: id, event: "PING", payload: {}, state: "PENDING", createdAt: old, nextAttemptAt: sql`now() + interval '1 day'` },
        { webhookId: id, event: "PING", payload: {}, state: "DELIVERED" },
      ])
      .returning({ id: webhookDeliveries.id, state: webhookDeliveries.state });
    expect(await api.server.services.webhookSender.prune()).toBeGreaterThanOrEqual(2);
    const left = await db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, id));
    expect(left.map((r) => r.id).sort()).toEqual([rows[2]!.id, rows[3]!.id].sort());
    await api.ok(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id });
  });
});

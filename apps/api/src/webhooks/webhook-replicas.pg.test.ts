/**
 * Two API servers on one PostgreSQL, both sending: each delivery's attempt is claimed by one of
 * them only (FOR UPDATE SKIP LOCKED and a lease), so the receiver gets each attempt exactly once:
 * as many requests per delivery as its recorded attempts. (Were an attempt sent by both, the
 * duplicate would be a request more than the attempts counted.)
 */
import { webhookDeliveries } from "@pergola/db/schema";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestProject, startTestApi, TEST_WEBHOOKS, type TestApi } from "../testing/harness.js";
import { describeWithPostgres } from "../testing/postgres-only.js";
import { startWebhookReceiver, type WebhookReceiver } from "../testing/webhook-receiver.js";

let a: TestApi;
let b: TestApi;
let hook: WebhookReceiver;

beforeAll(async () => {
  // Small batches, so that the two claim turn about.
  const webhooks = { ...TEST_WEBHOOKS, batch: 4 };
  [a, b] = await Promise.all([startTestApi({ webhooks }), startTestApi({ webhooks })]);
  // The first request of each delivery fails, the next succeeds.
  hook = await startWebhookReceiver((_, before) => (before === 0 ? 500 : 200));
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await hook?.close();
});

describeWithPostgres("webhook senders on two replicas", () => {
  it("send each attempt once: every delivery arrives, with as many requests as attempts", async () => {
    const project = await createTestProject(a);
    const { createWebhook } = await a.ok(`mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id } }`, {
      i: { project, url: hook.url, events: ["RELEASE_FAILED"], secret: "replicas-secret-0123456789" },
    });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const api = i % 2 ? a : b;
      ids.push((await api.ok(`mutation($id: ID!) { sendTestWebhook(id: $id) { id } }`, { id: createWebhook.id })).sendTestWebhook.id);
      // Both look, whichever queued it.
      a.server.services.webhookSender.wake();
      b.server.services.webhookSender.wake();
    }
    await hook.until((r) => (ids.every((id) => r.some((q) => q.id === id && q.answered === 200)) ? true : undefined), 30_000);
    const rows = await a.server.database.db
      .select({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts })
      .from(webhookDeliveries)
      .where(inArray(webhookDeliveries.id, ids));
    for (const row of rows) {
      const requests = hook.received.filter((q) => q.id === row.id);
      expect(requests.map((q) => q.answered)).toEqual([500, 200]);
      expect(row.attempts).toBe(requests.length);
    }
    expect(rows).toHaveLength(ids.length);
  });
});

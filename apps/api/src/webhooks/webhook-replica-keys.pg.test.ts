/**
 * Replicas on one database whose PERGOLA_SECRET_KEY differs (a replica set up wrong): the one
 * that cannot open a webhook's secret hands its deliveries back uncounted, and one that can
 * sends them. Nothing is burnt on the replica that cannot sign.
 */
import { randomBytes } from "node:crypto";
import { webhookDeliveries } from "@pergola/db/schema";
import { eq } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { createTestProject, eventually, startTestApi, TEST_WEBHOOKS, type TestApi } from "../testing/harness.js";
import { describeWithPostgres } from "../testing/postgres-only.js";
import { startWebhookReceiver, type WebhookReceiver } from "../testing/webhook-receiver.js";

const WEBHOOKS = { ...TEST_WEBHOOKS, retryForMs: 60_000 };
const opened: TestApi[] = [];
let hook: WebhookReceiver | undefined;
afterAll(async () => {
  await Promise.all(opened.map((api) => api.close().catch(() => undefined)));
  await hook?.close();
});

describeWithPostgres("webhook deliveries on replicas with another secret key", () => {
  it("are handed back by the replica that cannot sign them, and sent by one that can", async () => {
    hook = await startWebhookReceiver();
    const writer = await startTestApi({ webhooks: WEBHOOKS });
    const project = await createTestProject(writer);
    const { createWebhook } = await writer.ok(`mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id } }`, {
      i: { project, url: hook.url, events: ["RELEASE_FAILED"], secret: "replica-keys-secret-0123456789" },
    });
    await writer.close();

    // Only a replica with another key is up: it claims the test delivery, and hands it back.
    const wrong = await startTestApi({ webhooks: WEBHOOKS, secretKey: randomBytes(32).toString("base64") });
    opened.push(wrong);
    const { sendTestWebhook } = await wrong.ok(`mutation($id: ID!) { sendTestWebhook(id: $id) { id } }`, { id: createWebhook.id });
    const row = () =>
      wrong.server.database.db
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.id, sendTestWebhook.id))
        .then((r) => r[0]!);
    const handedBack = await eventually(
      async () => {
        const d = await row();
        // Claimed (an attempt was begun), then handed back (the attempt uncounted).
        return d.lastAttemptAt && d.attempts === 0 ? d : undefined;
      },
      15_000,
      "the replica with another key did not claim the delivery and hand it back",
    );
    expect(handedBack).toMatchObject({ state: "PENDING", attempts: 0, error: null, responseStatus: null });
    expect(hook.received).toEqual([]);

    // A replica with the key it was written with sends it.
    const right = await startTestApi({ webhooks: WEBHOOKS });
    opened.push(right);
    const sent = await eventually(
      async () => {
        const d = await row();
        return d.state === "DELIVERED" ? d : undefined;
      },
      20_000,
      "the delivery was not sent by the replica that can sign it",
    );
    expect(sent).toMatchObject({ attempts: 1, responseStatus: 200, error: null });
    expect(hook.received.map((r) => r.id)).toEqual([sendTestWebhook.id]);
  });
});

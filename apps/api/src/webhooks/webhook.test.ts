/**
 * Webhooks through the API: created, listed, tested and deleted by those the policy names; the
 * secret write-only (sealed at rest, never in an answer); bad input a typed error naming its
 * field, never a 500. Who may use each root field is in the authorization matrix; this file holds
 * what a row cannot say (global webhooks, read-only keys, ids of other Projects' webhooks).
 */
import { auditLog, webhooks } from "@pergola/db/schema";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, createTestUser, startTestApi, type TestApi } from "../testing/harness.js";
import { startWebhookReceiver, type WebhookReceiver } from "../testing/webhook-receiver.js";
import { verifyWebhookSignature } from "./webhook-signature.js";
import { WEBHOOK_LIMITS } from "./webhook.rules.js";

const SECRET = "api-test-secret-0123456789-abcd";
const CREATE = `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id url events secretHint createdBy project { slug } } }`;
const LIST = `query($p: String) { webhooks(project: $p) { id url events secretHint project { slug } deliveries { id event state } } }`;
const DELETE = `mutation($id: ID!) { deleteWebhook(id: $id) }`;
const PING = `mutation($id: ID!) { sendTestWebhook(id: $id) { id event state attempts nextAttemptAt payload } }`;
const PUBLIC_URL = "https://pergola.example.com";

let api: TestApi;
let hook: WebhookReceiver;
beforeAll(async () => {
  [api, hook] = await Promise.all([startTestApi({ publicUrl: PUBLIC_URL, linksDomain: "apps.example.com" }), startWebhookReceiver()]);
});
afterAll(async () => {
  await api?.close();
  await hook?.close();
});

const input = (extra: Record<string, unknown> = {}) => ({
  url: hook.url,
  events: ["RELEASE_FAILED", "STAGE_UNHEALTHY"],
  secret: SECRET,
  ...extra,
});

async function codeOf(query: string, variables: Record<string, unknown>, token?: string) {
  const res = await api.gql(query, variables, token);
  expect(res.status, JSON.stringify(res.errors)).toBeLessThan(500);
  return { code: res.errors?.[0]?.extensions?.code, field: res.errors?.[0]?.extensions?.field, message: res.errors?.[0]?.message };
}

describe("a Project's webhooks", () => {
  it("are created, listed, tested and deleted by its owner; the secret is never shown, and sealed at rest", async () => {
    const owner = await createTestUser(api);
    const project = await createTestProject(api, owner.token);
    const { createWebhook } = await api.ok(
      CREATE,
      { i: input({ project, events: ["STAGE_UNHEALTHY", "RELEASE_FAILED", "STAGE_UNHEALTHY"] }) },
      owner.token,
    );
    expect(createWebhook).toMatchObject({
      url: hook.url,
      // Each once, in the enum's order.
      events: ["STAGE_UNHEALTHY", "RELEASE_FAILED"],
      secretHint: "…abcd",
      createdBy: owner.email,
      project: { slug: project },
    });
    const [stored] = await api.server.database.db.select().from(webhooks).where(eq(webhooks.id, createWebhook.id));
    expect(stored!.secretSealed).toMatch(/^v1:/);
    expect(JSON.stringify(stored)).not.toContain(SECRET);

    const { sendTestWebhook } = await api.ok(PING, { id: createWebhook.id }, owner.token);
    expect(sendTestWebhook).toMatchObject({ event: "PING", state: "PENDING", attempts: 0 });
    expect(sendTestWebhook.payload).toMatchObject({ id: sendTestWebhook.id, event: "PING", project: { slug: project } });
    const [arrived] = await hook.until((r) => {
      const found = r.filter((q) => q.id === sendTestWebhook.id);
      return found.length ? found : undefined;
    });
    expect(arrived!.headers["x-pergola-event"]).toBe("PING");

    const { webhooks: listed } = await api.ok(LIST, { p: project }, owner.token);
    expect(listed).toMatchObject([{ id: createWebhook.id, deliveries: [{ id: sendTestWebhook.id, event: "PING" }] }]);
    expect(JSON.stringify(listed)).not.toContain(SECRET);

    expect((await api.ok(DELETE, { id: createWebhook.id }, owner.token)).deleteWebhook).toBe(true);
    expect((await api.ok(LIST, { p: project }, owner.token)).webhooks).toEqual([]);
    expect(await codeOf(DELETE, { id: createWebhook.id }, owner.token)).toMatchObject({ code: "NOT_FOUND" });

    const audit = await api.server.database.db
      .select({ action: auditLog.action, detail: auditLog.detail })
      .from(auditLog)
      .where(and(eq(auditLog.userId, owner.id)));
    const mine = audit.filter((a) => (a.detail as { webhook?: string }).webhook === createWebhook.id);
    expect(mine.map((a) => a.action).sort()).toEqual(["WEBHOOK_CREATED", "WEBHOOK_DELETED"]);
    expect(mine[0]!.detail).toMatchObject({ origin: new URL(hook.url).origin });
  });

  it("are hidden from members and read-only keys (FORBIDDEN) and from everyone else (NOT_FOUND, as a missing Project or id)", async () => {
    const project = await createTestProject(api);
    const member = await createTestUser(api, { projects: [project] });
    const ownerReadOnly = await createTestUser(api, { projects: [project], role: "OWNER", readOnly: true });
    const stranger = await createTestUser(api, { projects: [await createTestProject(api)], role: "OWNER" });
    const { createWebhook } = await api.ok(CREATE, { i: input({ project }) });

    expect(await codeOf(LIST, { p: project }, member.token)).toMatchObject({ code: "FORBIDDEN" });
    expect(await codeOf(CREATE, { i: input({ project }) }, member.token)).toMatchObject({ code: "FORBIDDEN" });
    // A read-only key of an owner may look, not change.
    expect((await api.ok(LIST, { p: project }, ownerReadOnly.token)).webhooks).toHaveLength(1);
    expect(await codeOf(CREATE, { i: input({ project }) }, ownerReadOnly.token)).toMatchObject({ code: "FORBIDDEN" });
    expect(await codeOf(DELETE, { id: createWebhook.id }, ownerReadOnly.token)).toMatchObject({ code: "FORBIDDEN" });

    const missing = await codeOf(DELETE, { id: "00000000-0000-4000-8000-000000000000" }, stranger.token);
    const hidden = await codeOf(DELETE, { id: createWebhook.id }, stranger.token);
    expect(missing.code).toBe("NOT_FOUND");
    expect(hidden.message?.replace(createWebhook.id, "<id>")).toBe(
      missing.message?.replace("00000000-0000-4000-8000-000000000000", "<id>"),
    );
    expect(await codeOf(PING, { id: createWebhook.id }, stranger.token)).toMatchObject({ code: "NOT_FOUND" });
    expect(await codeOf(LIST, { p: project }, stranger.token)).toMatchObject({ code: "NOT_FOUND" });
    // Not an id at all: as missing, not a database error.
    expect(await codeOf(DELETE, { id: "not-a-uuid" })).toMatchObject({ code: "NOT_FOUND" });
  });

  it(`are at most ${WEBHOOK_LIMITS.perProject}: one more is a CONFLICT`, async () => {
    const project = await createTestProject(api);
    for (let i = 0; i < WEBHOOK_LIMITS.perProject; i++) await api.ok(CREATE, { i: input({ project, url: `${hook.url}?n=${i}` }) });
    expect(await codeOf(CREATE, { i: input({ project }) })).toMatchObject({ code: "CONFLICT" });
  });
});

describe("updateWebhook", () => {
  it("changes the URL, events and secret: the next delivery goes to the new URL, signed with the new secret", async () => {
    const project = await createTestProject(api);
    const { createWebhook } = await api.ok(CREATE, { i: input({ project }) });
    const moved = await startWebhookReceiver();
    try {
      const rotated = "rotated-secret-0123456789-wxyz";
      const { updateWebhook } = await api.ok(
        `mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { id url events secretHint } }`,
        { i: { id: createWebhook.id, url: moved.url, events: ["OUTPOST_OFFLINE"], secret: rotated } },
      );
      expect(updateWebhook).toEqual({ id: createWebhook.id, url: moved.url, events: ["OUTPOST_OFFLINE"], secretHint: "…wxyz" });
      const { sendTestWebhook } = await api.ok(PING, { id: createWebhook.id });
      const [request] = await moved.until((r) => {
        const found = r.filter((q) => q.id === sendTestWebhook.id);
        return found.length ? found : undefined;
      });
      const timestamp = String(request!.headers["x-pergola-timestamp"]);
      expect(verifyWebhookSignature(rotated, timestamp, request!.body, String(request!.headers["x-pergola-signature"]))).toBe(true);
      expect(verifyWebhookSignature(SECRET, timestamp, request!.body, String(request!.headers["x-pergola-signature"]))).toBe(false);

      // Only what is given changes; bad input is refused as on create.
      const { updateWebhook: same } = await api.ok(
        `mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { url events secretHint } }`,
        {
          i: { id: createWebhook.id, events: ["OUTPOST_ONLINE", "OUTPOST_OFFLINE"] },
        },
      );
      expect(same).toEqual({ url: moved.url, events: ["OUTPOST_OFFLINE", "OUTPOST_ONLINE"], secretHint: "…wxyz" });
      const update = `mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { id } }`;
      expect(await codeOf(update, { i: { id: createWebhook.id, url: "gopher://x" } })).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "url",
      });
      expect(await codeOf(update, { i: { id: createWebhook.id, secret: "short" } })).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "secret",
      });
      expect(await codeOf(update, { i: { id: createWebhook.id, events: [] } })).toMatchObject({ code: "BAD_USER_INPUT", field: "events" });
      expect(await codeOf(update, { i: { id: "00000000-0000-4000-8000-000000000000" } })).toMatchObject({ code: "NOT_FOUND" });
    } finally {
      await moved.close();
    }
  });
});

describe("global webhooks", () => {
  it("are the admins': a Project's owner may neither create nor list them", async () => {
    const owner = await createTestUser(api, { projects: [await createTestProject(api)], role: "OWNER" });
    expect(await codeOf(CREATE, { i: input() }, owner.token)).toMatchObject({ code: "FORBIDDEN" });
    expect(await codeOf(LIST, {}, owner.token)).toMatchObject({ code: "FORBIDDEN" });

    const { createWebhook } = await api.ok(CREATE, { i: input({ events: ["OUTPOST_OFFLINE"] }) });
    try {
      expect(createWebhook.project).toBeNull();
      expect((await api.ok(LIST, {})).webhooks.map((w: { id: string }) => w.id)).toContain(createWebhook.id);
      expect(await codeOf(DELETE, { id: createWebhook.id }, owner.token)).toMatchObject({ code: "FORBIDDEN" });
    } finally {
      await api.ok(DELETE, { id: createWebhook.id });
    }
  });
});

describe("bad input", () => {
  it("is BAD_USER_INPUT naming its field: a URL that is not http(s), or is this API's own; no events; PING; a short secret", async () => {
    const project = await createTestProject(api);
    const apiPort = new URL(api.server.url).port;
    const refused: [Record<string, unknown>, string, RegExp][] = [
      [{ url: "ftp://example.com/hook" }, "url", /http:\/\/ or https:\/\//],
      [{ url: "file:///etc/passwd" }, "url", /http:\/\/ or https:\/\//],
      [{ url: "javascript:alert(1)" }, "url", /http:\/\/ or https:\/\//],
      [{ url: "not a url" }, "url", /not a URL/],
      [{ url: `https://example.com/${"a".repeat(WEBHOOK_LIMITS.url)}` }, "url", /at most/],
      // The API itself: where it listens, under other names for this host, its public URL, its links.
      [{ url: `${api.server.url}/graphql` }, "url", /this Pergola API/],
      [{ url: `http://localhost:${apiPort}/graphql` }, "url", /this Pergola API/],
      [{ url: `http://[::1]:${apiPort}/` }, "url", /this Pergola API/],
      [{ url: `http://web.dev.shop.localhost:${apiPort}/` }, "url", /this Pergola API/],
      [{ url: `${PUBLIC_URL}/graphql` }, "url", /this Pergola API/],
      [{ url: "https://web.dev.shop.apps.example.com/hook" }, "url", /this Pergola API/],
      [{ events: [] }, "events", /at least one/],
      [{ events: ["PING"] }, "events", /PING/],
      [{ secret: "short" }, "secret", /16 to 256/],
    ];
    for (const [change, field, message] of refused) {
      const { code, field: named, message: said } = await codeOf(CREATE, { i: input({ project, ...change }) });
      expect({ change, code, named }).toEqual({ change, code: "BAD_USER_INPUT", named: field });
      expect(said).toMatch(message);
    }
    // An event that does not exist is refused by GraphQL itself (still BAD_USER_INPUT).
    expect(await codeOf(CREATE, { i: input({ project, events: ["STAGE_EXPLODED"] }) })).toMatchObject({ code: "BAD_USER_INPUT" });
    expect((await api.ok(LIST, { p: project })).webhooks).toEqual([]);

    // Other local receivers are fine: on-premises installations and tests listen there.
    const { createWebhook } = await api.ok(CREATE, { i: input({ project, url: `http://localhost:${hook.port}/hook` }) });
    expect(createWebhook.url).toBe(`http://localhost:${hook.port}/hook`);
    expect(await codeOf(`query($p: String!) { webhooks(project: $p) { deliveries(last: 0) { id } } }`, { p: project })).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "last",
    });
  });
});

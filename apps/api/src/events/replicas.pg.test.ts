/**
 * Several API processes on one PostgreSQL: a change made through one reaches a subscriber of
 * another, through LISTEN/NOTIFY (the notification carries only project and seq).
 */
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPostgres } from "../testing/postgres-only.js";
import WebSocket from "ws";
import { generateToken } from "../auth/token.service.js";
import { requestApi, spawnApi, type ApiProcess } from "../testing/process.js";
import { subscribe, uniqueSlug } from "../testing/harness.js";

const token = generateToken();
let a: ApiProcess;
let b: ApiProcess;

beforeAll(async () => {
  const env = { DATABASE_URL: process.env.TEST_DATABASE_URL!, PERGOLA_ADMIN_TOKEN: token };
  [a, b] = await Promise.all([spawnApi(env), spawnApi(env)]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

const gql = (api: ApiProcess, query: string, variables: Record<string, unknown>) => requestApi(api, token, query, variables);

describeWithPostgres("two API processes on one PostgreSQL", () => {
  it("delivers a mutation made on one to a subscriber on the other, and back", async () => {
    const project = uniqueSlug("p");
    const { createProject } = await gql(a, `mutation($i: CreateProjectInput!) { createProject(input: $i) { cursor } }`, {
      i: { name: project, slug: project },
    });
    const client = createClient({ url: b.wsUrl, webSocketImpl: WebSocket, connectionParams: { authToken: token }, retryAttempts: 0 });
    const sub = subscribe(
      client,
      `subscription($p: String!, $after: String) { stageChanged(project: $p, after: $after) { cursor stage { slug } } }`,
      {
        p: project,
        after: createProject.cursor,
      },
    );
    await gql(a, `mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, {
      i: { project, name: "from-a", type: "DEV" },
    });
    expect((await sub.next(10_000)).stageChanged.stage.slug).toBe("from-a");
    // Live now on B; the next change, again made on A, arrives through NOTIFY alone.
    await gql(a, `mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, {
      i: { project, name: "again", type: "DEV" },
    });
    expect((await sub.next(10_000)).stageChanged.stage.slug).toBe("again");
    await gql(b, `mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, {
      i: { project, name: "from-b", type: "DEV" },
    });
    expect((await sub.next(10_000)).stageChanged.stage.slug).toBe("from-b");
    sub.close();
    await client.dispose();
  });

  it("stops cleanly on SIGTERM", async () => {
    const c = await spawnApi({ DATABASE_URL: process.env.TEST_DATABASE_URL!, PERGOLA_ADMIN_TOKEN: token });
    expect(await c.stop()).toBe(0);
  });
});

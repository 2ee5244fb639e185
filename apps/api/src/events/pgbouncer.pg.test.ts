/**
 * Two API processes whose DATABASE_URL goes through pgbouncer in transaction mode, with
 * DATABASE_LISTEN_URL a direct connection: every event still reaches every replica, and what
 * is otherwise sent as a named statement works through the pooler.
 */
import { createClient } from "graphql-ws";
import postgres from "postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { generateToken } from "../auth/token.service.js";
import { subscribe, uniqueSlug } from "../testing/harness.js";
import { startPgbouncer, type TestPgbouncer } from "../testing/pgbouncer.js";
import { describeWithPostgres } from "../testing/postgres-only.js";
import { requestApi, spawnApi, type ApiProcess } from "../testing/process.js";

const token = generateToken();
let bouncer: TestPgbouncer;
let a: ApiProcess;
let b: ApiProcess;

describeWithPostgres("two API processes behind pgbouncer in transaction mode", () => {
  beforeAll(async () => {
    bouncer = await startPgbouncer(process.env.TEST_DATABASE_URL!);
    const env = { DATABASE_URL: bouncer.url, DATABASE_LISTEN_URL: process.env.TEST_DATABASE_URL!, PERGOLA_ADMIN_TOKEN: token };
    [a, b] = await Promise.all([spawnApi(env), spawnApi(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await bouncer?.close();
  });

  const gql = (api: ApiProcess, query: string, variables: Record<string, unknown> = {}) => requestApi(api, token, query, variables);

  it("delivers every event to every replica, and serves the lists and lookups made of named statements", async () => {
    const project = uniqueSlug("p");
    const { createProject } = await gql(a, `mutation($i: CreateProjectInput!) { createProject(input: $i) { cursor } }`, {
      i: { name: project, slug: project },
    });
    const clients = [a, b].map((api) =>
      createClient({ url: api.wsUrl, webSocketImpl: WebSocket, connectionParams: { authToken: token }, retryAttempts: 0 }),
    );
    const [onA, onB] = clients.map((client) =>
      subscribe(client, `subscription($p: String!, $after: String) { stageChanged(project: $p, after: $after) { stage { slug } } }`, {
        p: project,
        after: createProject.cursor,
      }),
    );
    for (const [api, name] of [
      [a, "from-a"],
      [b, "from-b"],
      [a, "again-a"],
    ] as const) {
      await gql(api, `mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, { i: { project, name, type: "DEV" } });
      expect((await onA!.next(10_000)).stageChanged.stage.slug).toBe(name);
      expect((await onB!.next(10_000)).stageChanged.stage.slug).toBe(name);
    }
    // Each of these is a statement the API otherwise prepares under a name, many times over: through
    // the pooler, another transaction may get another server connection.
    for (let i = 0; i < 20; i++) {
      for (const api of [a, b]) {
        const { stages, project: found } = await gql(
          api,
          `query($p: String!) { stages(project: $p) { slug } project(slug: $p) { slug } me { ... on User { id } } }`,
          { p: project },
        );
        expect(stages.map((s: { slug: string }) => s.slug).sort()).toEqual(["again-a", "from-a", "from-b"]);
        expect(found.slug).toBe(project);
      }
    }
    for (const sub of [onA!, onB!]) sub.close();
    await Promise.all(clients.map((client) => client.dispose()));
    // The API's queries did go through pgbouncer.
    const console = postgres(bouncer.adminUrl, { max: 1, onnotice: () => {}, fetch_types: false });
    try {
      const clientsOfTest = (await console.unsafe("show clients").simple()) as { database: string }[];
      expect(clientsOfTest.filter((c) => c.database === new URL(process.env.TEST_DATABASE_URL!).pathname.slice(1)).length).toBeGreaterThan(
        0,
      );
    } finally {
      await console.end();
    }
  });
});

/**
 * PostgreSQL stopped and started under two API processes (a private server: the machine's
 * shared one serves other tests). While it is down the processes stay up, /readyz answers 503
 * and writes SERVICE_UNAVAILABLE, a new socket is closed 1013 (try again later); once it is back, /readyz answers 200 and a live subscription
 * on one process delivers what the other commits: its LISTEN reconnected, and what it missed
 * meanwhile is read from the log.
 */
import { createClient, type Client } from "graphql-ws";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { generateToken } from "../auth/token.service.js";
import { eventually, subscribe, uniqueSlug, withTimeout } from "../testing/harness.js";
import { outcomeOf, spawnApiOn, type FaultyApi } from "../testing/database-faults.js";
import { describeWithPostgres } from "../testing/postgres-only.js";
import { canRunPrivatePostgres, startPrivatePostgres, type PrivatePostgres } from "../testing/private-postgres.js";

const CREATE_STAGE = `mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`;
const STAGE_CHANGED = `subscription($p: String!, $after: String) { stageChanged(project: $p, after: $after) { cursor stage { slug } } }`;

let server: PrivatePostgres;
let writer: FaultyApi;
let reader: FaultyApi;
let ws: Client;

beforeAll(async () => {
  if (!process.env.TEST_DATABASE_URL || !canRunPrivatePostgres()) return;
  server = await startPrivatePostgres();
  writer = await spawnApiOn(server.url);
  reader = await spawnApiOn(server.url);
  ws = createClient({ url: reader.api.wsUrl, webSocketImpl: WebSocket, connectionParams: { authToken: reader.token }, retryAttempts: 0 });
}, 120_000);
afterAll(async () => {
  await ws?.dispose();
  await Promise.all([writer?.api.stop(), reader?.api.stop()]);
  await server?.destroy();
});

describeWithPostgres("PostgreSQL stopped and started under a live subscription", () => {
  it.skipIf(!canRunPrivatePostgres())(
    "goes 503 while it is down, then resumes the subscription with the events committed after",
    async () => {
      const project = uniqueSlug("p");
      const { data } = await writer.gql(`mutation($i: CreateProjectInput!) { createProject(input: $i) { cursor } }`, {
        i: { name: project, slug: project },
      });
      const sub = subscribe<{ stageChanged: { stage: { slug: string } } }>(ws, STAGE_CHANGED, {
        p: project,
        after: data!.createProject.cursor,
      });
      await writer.gql(CREATE_STAGE, { i: { project, name: "before", type: "DEV" } });
      expect((await sub.next(10_000)).stageChanged.stage.slug).toBe("before");

      await server.stop();
      for (const api of [writer, reader])
        await eventually(async () => ((await api.readyz()) === 503 ? true : undefined), 15_000, "/readyz turns 503");
      const refused = await writer.gql(CREATE_STAGE, { i: { project, name: "while-down", type: "DEV" } });
      expect(outcomeOf(refused, "createStage"), JSON.stringify(refused)).toBe("unavailable");
      // A socket that comes meanwhile is asked to come back later (1013, which graphql-ws clients
      // retry), not closed as broken (4500, which ends their retries).
      expect(await closeOfNewSocket(reader.api.wsUrl, generateToken())).toEqual({
        code: 1013,
        reason: "Try again later: the database cannot be reached",
      });

      await server.start();
      for (const api of [writer, reader])
        await eventually(async () => ((await api.readyz()) === 200 ? true : undefined), 30_000, "/readyz turns 200");
      await writer.gql(CREATE_STAGE, { i: { project, name: "after", type: "DEV" } });
      expect((await sub.next(15_000)).stageChanged.stage.slug).toBe("after");
      expect(sub.received.map((event) => event.stageChanged.stage.slug)).toEqual(["before", "after"]);

      expect(writer.api.child.exitCode, writer.api.output()).toBeNull();
      expect(reader.api.child.exitCode, reader.api.output()).toBeNull();
    },
  );
});

/** Opens a socket, sends connection_init with `token`, and resolves with how the server closed it. */
function closeOfNewSocket(url: string, token: string): Promise<{ code: number; reason: string }> {
  const socket = new WebSocket(url, "graphql-transport-ws");
  socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authToken: token } })));
  return withTimeout(
    new Promise((resolve) => socket.on("close", (code, reason) => resolve({ code, reason: String(reason) }))),
    10_000,
    "the server did not close the socket",
  );
}

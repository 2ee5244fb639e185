/**
 * Replays stream the log page by page at the client's pace (event-stream.ts): a replay bigger
 * than every buffer between the API and its client arrives whole, in order and once, with
 * writes committed while it was under way; a client that stops reading holds the API to its
 * socket's bound, and once it has fallen behind the retained log it gets RESYNC_REQUIRED.
 * Real sockets: the client's WebSocket is paused (it stops reading TCP), nothing is mocked.
 */
import { createClient, type Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { EventKind } from "./event-kind.js";
import { SYSTEM_ADMIN, createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";

const EVENTS = `subscription($p: String!, $after: String) { events(project: $p, after: $after) { cursor payload } }`;

/** A client whose socket can stop reading, as a slow or stuck one does. */
function pausableClient(api: TestApi): { client: Client; pause(): void; resume(): void } {
  let socket: WebSocket | undefined;
  class Tracked extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      socket = this;
    }
  }
  const client = createClient({
    url: api.server.wsUrl,
    webSocketImpl: Tracked,
    connectionParams: { authToken: api.adminToken },
    retryAttempts: 0,
    lazy: true,
  });
  return { client, pause: () => socket!.pause(), resume: () => socket!.resume() };
}

/** `count` events in one transaction, each carrying `bytes` of padding. */
async function writeEvents(api: TestApi, projectId: string, count: number, bytes: number): Promise<void> {
  const padding = "x".repeat(bytes);
  await api.server.services.log.inProject({ id: projectId }, async ({ emit }) => {
    for (let n = 0; n < count; n++) emit({ kind: EventKind.BUILD_CREATED, payload: { padding } });
  });
}

async function projectIdOf(api: TestApi, slug: string): Promise<string> {
  return (await api.server.services.projects.requireProject(SYSTEM_ADMIN, slug)).id;
}

describe("a long replay", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ eventRetention: 100_000 });
  });
  afterAll(() => api?.close());

  it("arrives whole, in order and once, with writes committed during it, then goes live", async () => {
    const project = await createTestProject(api);
    const id = await projectIdOf(api, project);
    // 12,000 events of ~1 KB: far more than the socket's bound and the kernel's buffers hold.
    for (let n = 0; n < 12; n++) await writeEvents(api, id, 1_000, 1_000);
    const backlog = 1 + 12_000;

    const { client, pause, resume } = pausableClient(api);
    const sub = subscribe(client, EVENTS, { p: project, after: "0" });
    expect((await sub.next(10_000)).events.cursor).toBe("1");
    // The client stops reading: the replay cannot end before it reads again, so these writes
    // commit while it is under way.
    pause();
    for (let n = 0; n < 20; n++) await writeEvents(api, id, 1, 10);
    expect(sub.received.length).toBeLessThan(backlog);
    resume();
    for (let n = 0; n < 20; n++) await writeEvents(api, id, 1, 10);

    const total = backlog + 40;
    while (sub.received.length < total) await sub.next(20_000);
    const cursors = sub.received.map((e) => Number(e.events.cursor));
    expect(cursors).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    sub.close();
    await client.dispose();
  });
});

describe("a client that stops reading", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ eventRetention: 1_000, maxSocketBufferedBytes: 64 * 1024 });
  });
  afterAll(() => api?.close());

  it("holds no more than its socket's bound, and gets RESYNC_REQUIRED once it is behind the retained log", async () => {
    const project = await createTestProject(api);
    const id = await projectIdOf(api, project);
    const { client, pause, resume } = pausableClient(api);
    const sub = subscribe(client, EVENTS, { p: project, after: "1" });
    await writeEvents(api, id, 1, 10);
    expect((await sub.next()).events.cursor).toBe("2");

    pause();
    // ~12 MB of events while it reads nothing; the log keeps the newest 1,000.
    for (let n = 0; n < 30; n++) await writeEvents(api, id, 200, 2_000);
    resume();

    const error = await sub.error(20_000);
    expect(error.extensions?.code).toBe("RESYNC_REQUIRED");
    // What it received before is the log's beginning, in order, once: nothing was skipped.
    const cursors = sub.received.map((e) => Number(e.events.cursor));
    expect(cursors).toEqual(Array.from({ length: cursors.length }, (_, i) => i + 2));
    expect(cursors.at(-1)).toBeLessThan(2 + 6_000 - 1_000);
    sub.close();
    await client.dispose();
  });
});

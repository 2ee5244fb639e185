/**
 * The event log and live subscriptions: replay after a cursor, then live, with no gap and no
 * duplicate; commit order; list+watch through `Project.cursor`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventKind } from "./event-kind.js";
import { SYSTEM_ADMIN, createTestProject, startTestApi, subscribe, withTimeout, type TestApi } from "../testing/harness.js";

const STAGE_CHANGED = `subscription($p: String!, $after: String) {
  stageChanged(project: $p, after: $after) { cursor kind stage { slug name state } }
}`;
const EVENTS = `subscription($p: String!, $after: String) { events(project: $p, after: $after) { cursor kind stage { slug } } }`;
const CREATE = `mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`;
const RENAME = `mutation($i: UpdateStageInput!) { updateStage(input: $i) { name } }`;

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

async function cursorOf(project: string): Promise<string> {
  const { project: p } = await api.ok(`query($p: String!) { project(slug: $p) { cursor } }`, { p: project });
  return p.cursor;
}

describe("stageChanged", () => {
  it("replays exactly the 200 changes made while the client was away, in order, then goes live", async () => {
    const project = await createTestProject(api);
    await api.ok(CREATE, { i: { project, name: "web", type: "DEV" } });
    const held = await cursorOf(project);

    for (let n = 1; n <= 200; n++) {
      await api.ok(RENAME, { i: { project, slug: "web", name: `web ${n}` } });
    }

    const sub = subscribe(api.ws(), STAGE_CHANGED, { p: project, after: held });
    const replayed = [];
    for (let n = 1; n <= 200; n++) replayed.push(await sub.next());
    expect(replayed.map((e) => e.stageChanged.stage.name)).toEqual(Array.from({ length: 200 }, (_, i) => `web ${i + 1}`));
    const cursors = replayed.map((e) => BigInt(e.stageChanged.cursor));
    expect(cursors).toEqual(cursors.map((_, i) => BigInt(held) + 1n + BigInt(i)));

    await api.ok(RENAME, { i: { project, slug: "web", name: "live" } });
    const live = await sub.next();
    expect(live.stageChanged).toMatchObject({ kind: EventKind.STAGE_UPDATED, stage: { name: "live" } });
    expect(BigInt(live.stageChanged.cursor)).toBe(cursors.at(-1)! + 1n);
    // Nothing else: no duplicate of a replayed event arrives after the live one.
    await api.ok(RENAME, { i: { project, slug: "web", name: "last" } });
    expect((await sub.next()).stageChanged.stage.name).toBe("last");
    expect(sub.received).toHaveLength(202);
    sub.close();
  });

  it("lists, then subscribes after Project.cursor, and misses nothing (list+watch)", async () => {
    const project = await createTestProject(api);
    await api.ok(CREATE, { i: { project, name: "a", type: "DEV" } });
    const { project: listed } = await api.ok(`query($p: String!) { project(slug: $p) { cursor stages { slug } } }`, { p: project });
    expect(listed.stages).toEqual([{ slug: "a" }]);
    // A change between the list and the subscription still arrives.
    await api.ok(CREATE, { i: { project, name: "b", type: "QA" } });
    const sub = subscribe(api.ws(), STAGE_CHANGED, { p: project, after: listed.cursor });
    expect((await sub.next()).stageChanged).toMatchObject({ kind: "STAGE_CREATED", stage: { slug: "b" } });
    sub.close();
  });

  it("delivers each state transition once: SUSPENDING, SUSPENDED, RESUMING, RUNNING", async () => {
    const project = await createTestProject(api);
    await api.ok(CREATE, { i: { project, name: "s", type: "PROD" } });
    const sub = subscribe(api.ws(), STAGE_CHANGED, { p: project, after: await cursorOf(project) });
    await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "s") { state } }`, { p: project });
    await api.ok(`mutation($p: String!) { resumeStage(project: $p, slug: "s") { state } }`, { p: project });
    const states = [];
    for (let i = 0; i < 4; i++) states.push((await sub.next()).stageChanged.stage.state);
    expect(states).toEqual(["SUSPENDING", "SUSPENDED", "RESUMING", "RUNNING"]);
    sub.close();
  });

  it("gives alike subscriptions with different cursors each their own replay, then the same live events", async () => {
    const project = await createTestProject(api);
    const start = await cursorOf(project);
    for (const name of ["a", "b", "c"]) await api.ok(CREATE, { i: { project, name, type: "DEV" } });
    const replaying = subscribe(api.ws(), STAGE_CHANGED, { p: project, after: start });
    const live = subscribe(api.ws(), STAGE_CHANGED, { p: project, after: await cursorOf(project) });
    const fromC = subscribe(api.ws(), STAGE_CHANGED, { p: project, after: String(BigInt(start) + 2n) });
    const replayed = [await replaying.next(), await replaying.next(), await replaying.next()];
    expect(replayed.map((e) => e.stageChanged.stage.slug)).toEqual(["a", "b", "c"]);
    expect((await fromC.next()).stageChanged.stage.slug).toBe("c");
    await api.ok(CREATE, { i: { project, name: "d", type: "DEV" } });
    const [x, y, z] = [await replaying.next(), await live.next(), await fromC.next()];
    expect(x).toEqual(y);
    expect(z).toEqual(y);
    expect(y.stageChanged.stage.slug).toBe("d");
    expect([replaying.received.length, live.received.length, fromC.received.length]).toEqual([4, 1, 2]);
    for (const sub of [replaying, live, fromC]) sub.close();
  });

  it("keeps Projects apart", async () => {
    const mine = await createTestProject(api);
    const other = await createTestProject(api);
    const sub = subscribe(api.ws(), STAGE_CHANGED, { p: mine, after: await cursorOf(mine) });
    await api.ok(CREATE, { i: { project: other, name: "x", type: "DEV" } });
    await api.ok(CREATE, { i: { project: mine, name: "y", type: "DEV" } });
    expect((await sub.next()).stageChanged.stage.slug).toBe("y");
    expect(sub.received).toHaveLength(1);
    sub.close();
  });
});

describe("events", () => {
  it("carries every kind in the Project, from the Project's creation on", async () => {
    const project = await createTestProject(api);
    await api.ok(CREATE, { i: { project, name: "z", type: "DEV" } });
    const sub = subscribe(api.ws(), EVENTS, { p: project, after: "0" });
    expect((await sub.next()).events).toMatchObject({ cursor: "1", kind: "PROJECT_CREATED", stage: null });
    expect((await sub.next()).events).toMatchObject({ cursor: "2", kind: "STAGE_CREATED", stage: { slug: "z" } });
    sub.close();
  });
});

describe("EventStream as an AsyncIterable", () => {
  it("replays and goes live for in-process consumers, and stops when returned", async () => {
    const project = await createTestProject(api);
    const { services } = api.server;
    const row = await services.projects.requireProject(SYSTEM_ADMIN, project);
    await api.ok(CREATE, { i: { project, name: "one", type: "DEV" } });
    const iterator = services.bus.subscribe(row.id, 0n, (e) => e.kind === EventKind.STAGE_CREATED)[Symbol.asyncIterator]();
    const first = await withTimeout(iterator.next(), 5_000, "no replayed event");
    expect(first.value).toMatchObject({ seq: 2n, kind: EventKind.STAGE_CREATED });
    await api.ok(CREATE, { i: { project, name: "two", type: "DEV" } });
    const second = await withTimeout(iterator.next(), 5_000, "no live event");
    expect((second.value!.payload as { stage: { slug: string } }).stage.slug).toBe("two");
    const pending = iterator.next();
    await iterator.return!();
    expect(await withTimeout(pending, 5_000, "return did not end the pending next")).toEqual({ done: true, value: undefined });
  });
});

describe("commit order", () => {
  /*
   * The writer that takes its seq first must commit first. Here transaction A takes the next
   * seq and then waits; B starts meanwhile. With seq from the Project row locked FOR UPDATE,
   * B cannot take a seq until A commits, so a subscriber sees A then B with consecutive seqs.
   * Against a bare bigserial, B would take seq+2 and commit while A still held seq+1
   * uncommitted: a subscriber would receive B, remember its cursor, and a resume "after B"
   * would skip A forever — `resumed` below would lack A and the cursor check would fail.
   */
  it("gives a waiting writer the next seq only after the earlier one commits", async () => {
    const project = await createTestProject(api);
    const { services } = api.server;
    const row = await services.projects.requireProject(SYSTEM_ADMIN, project);
    const start = await cursorOf(project);
    const sub = subscribe(api.ws(), EVENTS, { p: project, after: start });

    let releaseA!: () => void;
    const aHolds = new Promise<void>((resolve) => (releaseA = resolve));
    let aTookSeq!: () => void;
    const aStarted = new Promise<void>((resolve) => (aTookSeq = resolve));
    const order: string[] = [];
    const a = services.log.inProject({ id: row.id }, async ({ emit }) => {
      emit({ kind: EventKind.PROJECT_CREATED, payload: { writer: "A" } });
      aTookSeq();
      await aHolds;
      order.push("A");
    });
    await aStarted;
    const b = services.log.inProject({ id: row.id }, async ({ emit }) => {
      emit({ kind: EventKind.PROJECT_CREATED, payload: { writer: "B" } });
      order.push("B");
    });
    releaseA();
    await withTimeout(Promise.all([a, b]), 10_000, "writers did not finish");
    expect(order).toEqual(["A", "B"]);

    const first = (await sub.next()).events;
    const second = (await sub.next()).events;
    expect(BigInt(first.cursor)).toBe(BigInt(start) + 1n);
    expect(BigInt(second.cursor)).toBe(BigInt(start) + 2n);

    const resumed = subscribe(
      api.ws(),
      `subscription($p: String!, $after: String) { events(project: $p, after: $after) { cursor payload } }`,
      {
        p: project,
        after: start,
      },
    );
    const writers = [(await resumed.next()).events.payload.writer, (await resumed.next()).events.payload.writer];
    expect(writers).toEqual(["A", "B"]);
    sub.close();
    resumed.close();
  });

  it("delivers every event of many concurrent writers, seqs contiguous", async () => {
    const project = await createTestProject(api);
    const start = BigInt(await cursorOf(project));
    const sub = subscribe(api.ws(), STAGE_CHANGED, { p: project, after: String(start) });
    await Promise.all(Array.from({ length: 30 }, (_, i) => api.ok(CREATE, { i: { project, name: `w${i}`, type: "DEV" } })));
    const got = [];
    for (let i = 0; i < 30; i++) got.push(await sub.next());
    expect(got.map((e) => BigInt(e.stageChanged.cursor))).toEqual(got.map((_, i) => start + 1n + BigInt(i)));
    expect(new Set(got.map((e) => e.stageChanged.stage.slug)).size).toBe(30);
    sub.close();
  });
});

/**
 * A commit wakes only the desired-state streams of the Outposts it concerns (events/commit.ts):
 * an agent of another Outpost does not read again. Counted at the stream's sources interface,
 * over the server's real services and database; on PostgreSQL the commit also comes back
 * through NOTIFY, which must not wake it either.
 */
import { stages } from "@pergola/db/schema";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventKind } from "../events/event-kind.js";
import { toStageSnapshot } from "../stages/stage.snapshot.js";
import { SYSTEM_ADMIN, createTestProject, startTestApi, uniqueSlug, withTimeout, type TestApi } from "../testing/harness.js";
import { streamDesiredState, type DesiredStateBatch, type DesiredStateSources } from "./desired-state-stream.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

async function createOutpost(): Promise<string> {
  const slug = uniqueSlug("op");
  await api.ok(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken } }`, { i: { name: slug, slug } });
  return slug;
}

/** An Outpost's stream over the server's services, counting its reads, consumed as graphql-ws does: always waiting for the next batch. */
function follow(outpost: string) {
  const { desiredState, bus } = api.server.services;
  let reads = 0;
  const sources: DesiredStateSources = {
    desiredState: {
      listDesired: (...args) => {
        reads++;
        return desiredState.listDesired(...args);
      },
      listPurged: (...args) => desiredState.listPurged(...args),
      getOutpostId: (slug) => desiredState.getOutpostId(slug),
    },
    bus,
  };
  const iterator = streamDesiredState(sources, outpost)[Symbol.asyncIterator]();
  const batches: DesiredStateBatch[] = [];
  const waiters: ((batch: DesiredStateBatch) => void)[] = [];
  void (async () => {
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) {
      const waiter = waiters.shift();
      if (waiter) waiter(step.value);
      else batches.push(step.value);
    }
  })();
  return {
    get reads() {
      return reads;
    },
    next(): Promise<DesiredStateBatch> {
      const ready = batches.shift();
      if (ready) return Promise.resolve(ready);
      return withTimeout(new Promise((resolve) => waiters.push(resolve)), 10_000, `no desired state for ${outpost}`);
    },
    close: () => iterator.return?.(),
  };
}

describe("desired-state wake-ups", () => {
  it("reads again only for the Outposts a commit concerns, and a moved Stage reaches both", async () => {
    const [a, b, c] = [await createOutpost(), await createOutpost(), await createOutpost()];
    const project = await createTestProject(api);
    // On PostgreSQL a commit is announced twice here (at once, and by its NOTIFY): the Stage's
    // creation must have been announced both times before the streams start, or A would read
    // again for it.
    const { bus, projects } = api.server.services;
    const projectId = (await projects.requireProject(SYSTEM_ADMIN, project)).id;
    const announcements = api.server.database.driver === "postgres" ? 2 : 1;
    let announced = 0;
    let onAnnounced = () => {};
    const stopCounting = bus.onCommit((commit) => {
      if (commit.projectId === projectId && commit.touched?.outposts.size) announced++;
      onAnnounced();
    });
    const { createStage } = await api.ok(`mutation($i: CreateStageInput!) { createStage(input: $i) { id } }`, {
      i: { project, name: "web", type: "DEV", outpostUri: `outpost://${a}` },
    });
    await withTimeout(
      (async () => {
        while (announced < announcements) await new Promise<void>((resolve) => (onAnnounced = resolve));
      })(),
      10_000,
      "the new Stage's commit was not announced",
    );
    stopCounting();
    const [onA, onB, onC] = [follow(a), follow(b), follow(c)];
    for (const stream of [onA, onB, onC]) expect((await stream.next()).full).toBe(true);
    expect([onA.reads, onB.reads, onC.reads]).toEqual([1, 1, 1]);

    // A commit about A's Stage: A reads and learns; B and C are not woken. Commit listeners
    // run synchronously at the commit, so B or C, if woken, would have asked before A answers.
    await api.ok(`mutation($p: String!) { suspendStage(project: $p, stage: "web") { state } }`, { p: project });
    const suspended = await onA.next();
    expect(suspended.stages.map((s) => [s.stageId, s.suspended])).toEqual([[createStage.id, true]]);
    expect([onB.reads, onC.reads]).toEqual([1, 1]);

    // The Stage moves from A to B (the write a move makes: its Outpost and a STAGE_UPDATED
    // event with the new snapshot, in one transaction): A is told it left, B that it came; C
    // is not woken.
    const { services } = api.server;
    const bId = (await services.desiredState.getOutpostId(b))!;
    await services.log.inProject({ id: projectId }, async ({ tx, emit }) => {
      const [moved] = await tx.update(stages).set({ outpostId: bId }).where(eq(stages.id, createStage.id)).returning();
      emit({ kind: EventKind.STAGE_UPDATED, stageId: moved!.id, payload: { stage: toStageSnapshot(moved!) } });
    });
    expect((await onA.next()).removed).toEqual([createStage.id]);
    expect((await onB.next()).stages.map((s) => s.stageId)).toEqual([createStage.id]);
    expect(onC.reads).toBe(1);

    // Deleted on B: B is told; A, which no longer has it, is not woken.
    const readsOfA = onA.reads;
    await api.ok(`mutation($p: String!) { deleteStage(project: $p, stage: "web") }`, { p: project });
    await api.ok(`mutation($p: String!) { purgeStage(project: $p, stage: "web") }`, { p: project });
    expect((await onB.next()).removed).toEqual([createStage.id]);
    expect([onA.reads, onC.reads]).toEqual([readsOfA, 1]);
    for (const stream of [onA, onB, onC]) await stream.close();
  });
});

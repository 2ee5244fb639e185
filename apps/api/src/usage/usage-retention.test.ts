/**
 * Usage retention on the real database, with rows written as if sampled hours ago: samples
 * older than an hour become one averaged point per minute (their last counter value kept),
 * samples of the last hour stay as they are, anything older than a day goes; running it twice,
 * or twice at once, changes nothing more. The series then reads the minutes.
 */
import { componentUsage, projects, stages } from "@pergola/db/schema";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, startTestApi, type TestApi } from "../testing/harness.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

const MIB = 1024 * 1024;

describe("usage retention", () => {
  it("averages samples older than an hour into minutes, keeps the last hour's, and deletes what is older than a day", async () => {
    const project = await createTestProject(api);
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV }) { slug } }`, { p: project });
    const { db } = api.server.database;
    const [stage] = await db
      .select({ id: stages.id })
      .from(stages)
      .innerJoin(projects, eq(projects.id, stages.projectId))
      .where(eq(projects.slug, project));
    const stageId = stage!.id;
    const row = (at: number, step: number, i: number) => ({
      stageId,
      component: "web",
      at: new Date(at),
      stepSeconds: step,
      cpuSecondsTotal: i + 1,
      cpu: (i + 1) / 10,
      memoryBytes: (i + 1) * 100 * MIB,
      openFiles: [10, 11, 12, 13, 14, 16][i % 6]!,
    });
    const now = Date.now();
    // Two whole minutes two hours ago, six samples each; three samples ten minutes ago; a day and more ago, both kinds.
    const minute = Math.floor((now - 2 * 3600_000) / 60_000) * 60_000;
    const old = [
      ...Array.from({ length: 6 }, (_, i) => row(minute + i * 10_000, 10, i)),
      ...[0, 1].map((i) => row(minute + 60_000 + i * 10_000, 10, i)),
    ];
    const recent = [0, 1, 2].map((i) => row(now - 600_000 + i * 10_000, 10, i));
    const ancient = [row(now - 25 * 3600_000, 60, 0), row(now - 25 * 3600_000 + 10_000, 10, 1)];
    await db.insert(componentUsage).values([...old, ...recent, ...ancient]);

    // Twice at once (on PostgreSQL, two connections: replicas): each minute is averaged once.
    const [a, b] = await Promise.all([api.server.services.usage.compact(), api.server.services.usage.compact()]);
    expect(a.downsampled + b.downsampled).toBeGreaterThanOrEqual(2);
    expect(a.pruned + b.pruned).toBeGreaterThanOrEqual(2);

    const rows = await db
      .select()
      .from(componentUsage)
      .where(and(eq(componentUsage.stageId, stageId), eq(componentUsage.component, "web")))
      .orderBy(asc(componentUsage.at));
    expect(rows.map((r) => [r.at.getTime(), r.stepSeconds])).toEqual([
      [minute, 60],
      [minute + 60_000, 60],
      ...recent.map((r) => [r.at.getTime(), 10]),
    ]);
    expect(rows[0]).toMatchObject({ cpuSecondsTotal: 6, cpu: expect.closeTo(0.35, 9), memoryBytes: 350 * MIB, openFiles: 13 });
    expect(rows[1]).toMatchObject({ cpuSecondsTotal: 2, cpu: expect.closeTo(0.15, 9), memoryBytes: 150 * MIB, openFiles: 11 });

    // Nothing more to do.
    const again = await api.server.services.usage.compact();
    const after = await db.select().from(componentUsage).where(eq(componentUsage.stageId, stageId));
    expect(after).toHaveLength(rows.length);
    expect(again.downsampled).toBe(0);

    const series = await api.server.services.usage.listSeries(stageId, "web", { since: new Date(now - 3 * 3600_000) });
    expect(series.map((p) => [p.at.getTime(), p.cpuSecondsTotal])).toEqual([
      [minute, 6],
      [minute + 60_000, 2],
      // The last ten minutes' three samples fall in one or two minutes.
      ...(Math.floor(recent[0]!.at.getTime() / 60_000) === Math.floor(recent[2]!.at.getTime() / 60_000)
        ? [[Math.floor(recent[0]!.at.getTime() / 60_000) * 60_000, 3]]
        : [
            [Math.floor(recent[0]!.at.getTime() / 60_000) * 60_000, expect.any(Number)],
            [Math.floor(recent[2]!.at.getTime() / 60_000) * 60_000, 3],
          ]),
    ]);
    expect(series[0]!.memoryBytes).toBe(350 * MIB);
  });
});

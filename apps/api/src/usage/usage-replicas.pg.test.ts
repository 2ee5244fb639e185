/**
 * Two API replicas on one PostgreSQL: usage an agent ships to one reaches a `componentMetrics`
 * subscriber on the other (NOTIFY pergola_usage; each replica's wake-ups are its own).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";
import { agentClient, createGrantedOutpost, deployAndReport, run } from "../testing/outpost-agent.js";
import { describeWithPostgres } from "../testing/postgres-only.js";

let a: TestApi;
let b: TestApi;
beforeAll(async () => {
  [a, b] = await Promise.all([startTestApi(), startTestApi()]);
});
afterAll(() => Promise.all([a?.close(), b?.close()]));

const REPORT_USAGE = `mutation($i: UsageReportInput!) { reportUsage(input: $i) { stored } }`;

describeWithPostgres("usage across replicas", () => {
  it("brings samples stored through one replica to a subscriber on the other", async () => {
    const project = await createTestProject(a);
    const outpost = await createGrantedOutpost(a, project);
    await a.ok(
      `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: DEV, outpostUri: $u }) { slug } }`,
      {
        p: project,
        u: `outpost://${outpost.slug}`,
      },
    );
    const { stageId } = await deployAndReport(a, { project, stage: "edge", artifact: await uploadArtifact(a), token: outpost.token });
    const agent = agentClient(a, outpost.token);
    const sample = (cpu: number) => ({
      stageId,
      component: "web",
      at: new Date().toISOString(),
      cpuSecondsTotal: 1,
      cpu,
      memoryBytes: "1024",
      openFiles: 1,
    });
    try {
      expect((await run(agent, REPORT_USAGE, { i: { samples: [sample(0.5)] } })).reportUsage.stored).toBe(1);
      const feed = subscribe(
        b.ws(),
        `subscription($p: String!) { componentMetrics(project: $p, stage: "edge") { samples { usage { cpu } } } }`,
        {
          p: project,
        },
      );
      // The newest sample first (read from the database): the subscription is live on B from here.
      expect((await feed.next(10_000)).componentMetrics.samples).toEqual([{ usage: { cpu: 0.5 } }]);
      await run(agent, REPORT_USAGE, { i: { samples: [sample(1.25)] } });
      expect((await feed.next(10_000)).componentMetrics.samples).toEqual([{ usage: { cpu: 1.25 } }]);
      feed.close();
    } finally {
      await agent.dispose();
    }
  });
});

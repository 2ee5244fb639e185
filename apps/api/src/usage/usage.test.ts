/**
 * Components' usage from the API's side, with a test playing the agent over its socket:
 * `reportUsage` stores the samples of its own Stages only (not another Outpost's, not from a
 * superseded session, not older than the hour kept as sampled, a resent one once);
 * `Component.usage` and `metrics(since, step)` read them back; `componentMetrics` sends the
 * newest, then each batch; bad input is BAD_USER_INPUT naming the field and the limit; the
 * Prometheus metrics show the newest sample.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";
import { agentClient, createGrantedOutpost, deployAndReport, run } from "../testing/outpost-agent.js";

const REPORT_USAGE = `mutation($i: UsageReportInput!) { reportUsage(input: $i) { stored dropped reason } }`;
const USAGE = `query($p: String!) { stage(project: $p, slug: "edge") { components { name usage { at cpuSecondsTotal cpu memoryBytes openFiles } } } }`;
const METRICS = `query($p: String!, $since: DateTime!, $step: Int) {
  stage(project: $p, slug: "edge") { components { metrics(since: $since, step: $step) { at cpuSecondsTotal cpu memoryBytes openFiles } } } }`;
const COMPONENT_METRICS = `subscription($p: String!) {
  componentMetrics(project: $p, stage: "edge") { samples { component usage { at cpu memoryBytes } } } }`;

let api: TestApi;
let artifact: string;
beforeAll(async () => {
  api = await startTestApi();
  artifact = await uploadArtifact(api);
});
afterAll(() => api?.close());

/** A Project with a Stage `edge` on an Outpost of its own, its Component `web` RUNNING as reported. */
async function world() {
  const project = await createTestProject(api);
  const outpost = await createGrantedOutpost(api, project);
  await api.ok(
    `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: DEV, outpostUri: $u }) { slug } }`,
    { p: project, u: `outpost://${outpost.slug}` },
  );
  const { stageId } = await deployAndReport(api, { project, stage: "edge", artifact, token: outpost.token });
  return { project, outpost, stageId };
}

const sample = (stageId: string, secondsAgo: number, extra: Record<string, unknown> = {}) => ({
  stageId,
  component: "web",
  at: new Date(Date.now() - secondsAgo * 1000).toISOString(),
  cpuSecondsTotal: 1000 - secondsAgo / 10,
  cpu: 0.25,
  memoryBytes: String(64 * 1024 * 1024),
  openFiles: 12,
  ...extra,
});

describe("reportUsage and what reads it", () => {
  it("stores the agent's samples and answers Component.usage, metrics(since, step) and componentMetrics", async () => {
    const { project, outpost, stageId } = await world();
    const other = await world();
    const agent = agentClient(api, outpost.token);
    const feed = subscribe(api.ws(), COMPONENT_METRICS, { p: project });
    try {
      expect((await api.ok(USAGE, { p: project })).stage.components).toEqual([{ name: "web", usage: null }]);
      const first = [40, 30, 20].map((ago) => sample(stageId, ago));
      const answer = await run(agent, REPORT_USAGE, {
        i: { samples: [...first, sample(other.stageId, 20), sample(stageId, 2 * 3600), sample(stageId, -3600, { cpuSecondsTotal: 5 })] },
      });
      expect(answer.reportUsage).toEqual({
        stored: 3,
        dropped: 3,
        reason: "a Stage not on this agent's Outpost; older than the hour kept as sampled; taken in the future",
      });
      // Sent again (an answer that never came): stored once.
      expect((await run(agent, REPORT_USAGE, { i: { samples: first } })).reportUsage).toMatchObject({ stored: 0, dropped: 0 });

      const [web] = (await api.ok(USAGE, { p: project })).stage.components;
      expect(web.usage).toEqual({
        at: first[2]!.at,
        cpuSecondsTotal: 998,
        cpu: 0.25,
        memoryBytes: String(64 * 1024 * 1024),
        openFiles: 12,
      });

      // The first message (empty, when it came before the first batch) says the subscription is live.
      let initial = (await feed.next(5_000)).componentMetrics.samples;
      if (initial.length === 0) initial = (await feed.next(5_000)).componentMetrics.samples;
      expect(initial.at(-1)).toMatchObject({ component: "web", usage: { at: first[2]!.at, cpu: 0.25 } });
      const next = sample(stageId, 10, { cpu: 1.5, memoryBytes: "1048576" });
      await run(agent, REPORT_USAGE, { i: { samples: [next] } });
      let live = (await feed.next(5_000)).componentMetrics.samples;
      while (live.at(-1).usage.at !== next.at) live = (await feed.next(5_000)).componentMetrics.samples;
      expect(live.at(-1)).toEqual({ component: "web", usage: { at: next.at, cpu: 1.5, memoryBytes: "1048576" } });

      const since = new Date(Date.now() - 60_000).toISOString();
      const series = (await api.ok(METRICS, { p: project, since, step: 10 })).stage.components[0].metrics;
      expect(series.map((p: { cpu: number }) => p.cpu)).toEqual([0.25, 0.25, 0.25, 1.5]);
      const ats = series.map((p: { at: string }) => Date.parse(p.at));
      expect(ats).toEqual([...ats].sort((a, b) => a - b));
      // One point per minute: the samples averaged, the last counter value kept.
      const wide = (await api.ok(METRICS, { p: project, since, step: 3600 })).stage.components[0].metrics;
      expect(wide.length).toBeLessThanOrEqual(2);
      const last = wide.at(-1);
      expect(last.cpuSecondsTotal).toBe(999);
      expect((await api.ok(METRICS, { p: project, since })).stage.components[0].metrics).toHaveLength(4);

      // The Stage's sparkline: a point a minute, the Components' averages summed.
      const trend = (
        await api.ok(`query($p: String!) { stage(project: $p, slug: "edge") { usageTrend { at cpu memoryBytes } } }`, { p: project })
      ).stage.usageTrend;
      expect(trend.length).toBeGreaterThanOrEqual(1);
      expect(trend.length).toBeLessThanOrEqual(2);
      const samples = [0.25, 0.25, 0.25, 1.5];
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      // However the minute boundary splits the four samples, each point is an average of some of them.
      for (const point of trend) expect(point.cpu).toBeGreaterThanOrEqual(0.25);
      expect(Math.max(...trend.map((p: { cpu: number }) => p.cpu))).toBeLessThanOrEqual(1.5);
      if (trend.length === 1) expect(trend[0].cpu).toBeCloseTo(mean(samples), 5);

      // The other Project's Stage got nothing.
      expect((await api.ok(USAGE, { p: other.project })).stage.components[0].usage).toBeNull();
      expect(
        (await api.ok(`query($p: String!) { stage(project: $p, slug: "edge") { usageTrend { at } } }`, { p: other.project })).stage
          .usageTrend,
      ).toEqual([]);
    } finally {
      feed.close();
      await agent.dispose();
    }
  });

  it("drops the samples of a superseded agent session", async () => {
    const { project, outpost, stageId } = await world();
    const old = agentClient(api, outpost.token);
    const newer = agentClient(api, outpost.token);
    // Held open: a client with no operation left closes its socket, and would come back as a new session.
    const holding = subscribe(old, `subscription { desiredState { full } }`, {});
    try {
      await holding.next(5_000);
      expect((await run(old, REPORT_USAGE, { i: { samples: [sample(stageId, 30)] } })).reportUsage.stored).toBe(1);
      await run(newer, `mutation { heartbeat(latencyMs: 3) { accepted } }`);
      expect((await run(old, REPORT_USAGE, { i: { samples: [sample(stageId, 20)] } })).reportUsage).toEqual({
        stored: 0,
        dropped: 1,
        reason: "superseded: another agent connected with this Outpost's token",
      });
      expect((await run(newer, REPORT_USAGE, { i: { samples: [sample(stageId, 10)] } })).reportUsage.stored).toBe(1);
      const points = (await api.ok(METRICS, { p: project, since: new Date(Date.now() - 60_000).toISOString() })).stage.components[0]
        .metrics;
      expect(points).toHaveLength(2);
    } finally {
      holding.close();
      await old.dispose();
      await newer.dispose();
    }
  });

  it("shows the newest sample as pergola_component_cpu_seconds_total and pergola_component_memory_bytes", async () => {
    const { project, outpost, stageId } = await world();
    const agent = agentClient(api, outpost.token);
    try {
      await run(agent, REPORT_USAGE, { i: { samples: [sample(stageId, 20), sample(stageId, 5, { cpuSecondsTotal: 321.5 })] } });
    } finally {
      await agent.dispose();
    }
    const text = await (await fetch(`${api.server.url}/metrics`)).text();
    const labels = `{project="${project}",stage="edge",component="web"}`;
    expect(text).toContain(`pergola_component_cpu_seconds_total${labels} 321.5`);
    expect(text).toContain(`pergola_component_memory_bytes${labels} ${64 * 1024 * 1024}`);
    expect(text).toMatch(/^# TYPE pergola_component_cpu_seconds_total counter$/m);
  });
});

describe("bad usage input", () => {
  it("refuses a since beyond the history kept, a step under 10 s or giving over 2,000 points, with BAD_USER_INPUT naming the limit", async () => {
    const { project } = await world();
    const ask = async (since: number, step?: number) => {
      const { errors } = await api.gql(METRICS, { p: project, since: new Date(Date.now() - since * 1000).toISOString(), step });
      return errors?.[0];
    };
    expect(await ask(25 * 3600)).toMatchObject({
      message: expect.stringMatching(/^since: usage is kept for 24 hours/),
      extensions: { code: "BAD_USER_INPUT", field: "since" },
    });
    expect(await ask(600, 5)).toMatchObject({
      message: expect.stringMatching(/from 10/),
      extensions: { code: "BAD_USER_INPUT", field: "step" },
    });
    expect(await ask(600, 0)).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "step" } });
    expect(await ask(23 * 3600, 10)).toMatchObject({
      message: expect.stringMatching(/^step: 828\d points from `since`; at most 2000: ask for a step of 42 seconds or more$/),
      extensions: { code: "BAD_USER_INPUT", field: "step", suggestion: 42 },
    });
    expect(await ask(23 * 3600, 60)).toBeUndefined();
    expect(await ask(23 * 3600)).toBeUndefined();
  });

  it("refuses malformed samples by field, and more than 200 in one report", async () => {
    const { outpost, stageId } = await world();
    const agent = agentClient(api, outpost.token);
    const refusal = (samples: unknown[]) =>
      run(agent, REPORT_USAGE, { i: { samples } }).then(
        () => undefined,
        // Coercion errors come as the socket's `error` message (a list), the service's with the result.
        (error: unknown) => (Array.isArray(error) ? error[0] : JSON.parse((error as Error).message)[0]),
      );
    try {
      expect(await refusal([sample(stageId, 10), sample(stageId, 5, { cpu: -1 })])).toMatchObject({
        extensions: { code: "BAD_USER_INPUT", field: "samples[1].cpu" },
      });
      expect(await refusal([sample(stageId, 10, { component: "" })])).toMatchObject({
        extensions: { code: "BAD_USER_INPUT", field: "samples[0].component" },
      });
      expect(await refusal([sample(stageId, 10, { memoryBytes: "-5" })])).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
      const many = Array.from({ length: 201 }, (_, i) => sample(stageId, i / 100));
      expect(await refusal(many)).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "samples" } });
    } finally {
      await agent.dispose();
    }
  });

  it("lets only agents report usage, and answers NOT_FOUND for componentMetrics of a Stage that does not exist", async () => {
    const { project, stageId } = await world();
    const { errors } = await api.gql(REPORT_USAGE, { i: { samples: [sample(stageId, 10)] } });
    expect(errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const missing = subscribe(
      api.ws(),
      `subscription($p: String!) { componentMetrics(project: $p, stage: "nope") { samples { component } } }`,
      {
        p: project,
      },
    );
    expect((await missing.error(5_000)).extensions?.code).toBe("NOT_FOUND");
  });
});

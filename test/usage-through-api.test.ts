/**
 * Components' usage end to end: a real agent runs a Stage whose service starts a worker that
 * holds memory and burns some CPU; the agent samples the tree from /proc (every 200 ms here)
 * and ships it; `componentMetrics` brings the batches, `Component.usage` and
 * `metrics(since, step)` answer with the worker counted, and the API's /metrics and the
 * agent's own show them.
 */
import { describe, expect, it } from "vitest";
import { createTestProject, eventually, subscribe } from "../apps/api/src/testing/harness.js";
import { createBuild, createStage, deploy, NODE, startStack, uploadApp } from "./support/stack.js";

const MIB = 1024 * 1024;

/** The service: starts the worker, then serves HTTP. */
const WEB_JS = `
require("child_process").spawn(process.execPath, ["worker.js"], { stdio: "inherit" });
require("http").createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT), process.env.HOST);
process.on("SIGTERM", () => process.exit(0));
`;

/** Holds 72 MiB (touched, so resident) and burns 0.3 s of CPU, then waits. */
const WORKER_JS = `
const held = Buffer.allocUnsafe(72 * 1024 * 1024).fill(5);
const start = process.cpuUsage();
let x = 0;
while (process.cpuUsage(start).user < 300000) x += held[x % held.length] + 1;
setInterval(() => held[0]++, 60000);
`;

const MANIFEST = { version: "v1", components: [{ name: "web", command: [NODE, "web.js"], ports: [8080] }] };

type Usage = { at: string; cpuSecondsTotal: number; cpu: number; memoryBytes: string; openFiles: number };

describe("Components' usage through the API, with a real agent", () => {
  it("samples the service's process tree, and answers componentMetrics, Component.usage, metrics(since, step) and /metrics", async () => {
    const stack = await startStack({ usageIntervalMs: 200, health: true });
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "dev");
    const build = await createBuild(api, project, MANIFEST, await uploadApp(api, { "web.js": WEB_JS, "worker.js": WORKER_JS }));
    const feed = subscribe<{ componentMetrics: { samples: { component: string; usage: Usage }[] } }>(
      api.ws(),
      `subscription($p: String!) { componentMetrics(project: $p, stage: "dev") {
        samples { component usage { at cpuSecondsTotal cpu memoryBytes openFiles } } } }`,
      { p: project },
    );
    await deploy(api, project, "dev", build);

    // Batches come in until one has the worker's memory and CPU in it (it is the service's child).
    let seen: Usage | undefined;
    while (!seen) {
      const { samples } = (await feed.next(20_000)).componentMetrics;
      seen = samples.find((s) => s.component === "web" && Number(s.usage.memoryBytes) > 72 * MIB && s.usage.cpuSecondsTotal >= 0.3)?.usage;
    }
    expect(seen.openFiles).toBeGreaterThan(0);
    feed.close();

    const { stage } = await api.ok(
      `query($p: String!, $since: DateTime!) { stage(project: $p, slug: "dev") { components { name
        usage { at cpuSecondsTotal memoryBytes openFiles }
        metrics(since: $since, step: 10) { at memoryBytes } } } }`,
      { p: project, since: new Date(Date.now() - 60_000).toISOString() },
    );
    const [web] = stage.components;
    expect(web.name).toBe("web");
    expect(Date.parse(web.usage.at)).toBeGreaterThanOrEqual(Date.parse(seen.at));
    expect(Number(web.usage.memoryBytes)).toBeGreaterThan(72 * MIB);
    expect(web.usage.cpuSecondsTotal).toBeGreaterThanOrEqual(0.3);
    expect(web.metrics.length).toBeGreaterThanOrEqual(1);
    expect(Number(web.metrics.at(-1).memoryBytes)).toBeGreaterThan(72 * MIB);
    const ats = web.metrics.map((p: { at: string }) => Date.parse(p.at));
    expect(ats).toEqual([...ats].sort((a, b) => a - b));

    const series = `pergola_component_memory_bytes{project="${project}",stage="dev",component="web"}`;
    const memory = await eventually(
      async () => {
        const text = await (await fetch(`${api.server.url}/metrics`)).text();
        const line = text.split("\n").find((l) => l.startsWith(`${series} `));
        return line === undefined ? undefined : Number(line.slice(series.length + 1));
      },
      15_000,
      "the Component's memory on the API's /metrics",
      500,
    );
    expect(memory).toBeGreaterThan(72 * MIB);

    // The agent's /metrics, beside its /healthz: what it sampled last (every 200 ms here).
    const agentMetrics = await (await fetch(`${await stack.agentHealthUrl!}/metrics`)).text();
    const agentSeries = `pergola_agent_component_memory_bytes{stage="${project}/dev",component="web"}`;
    const agentLine = agentMetrics.split("\n").find((l) => l.startsWith(`${agentSeries} `));
    expect(Number(agentLine?.slice(agentSeries.length + 1))).toBeGreaterThan(72 * MIB);
    expect(agentMetrics).toMatch(
      new RegExp(`^pergola_agent_component_cpu_seconds_total\\{stage="${project}/dev",component="web"\\} [0-9.]+$`, "m"),
    );
  });
});

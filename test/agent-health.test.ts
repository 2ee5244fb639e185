/**
 * The agent's /healthz with a real agent process (the built `pergola-agent`) and a real API:
 * 200 with the Outpost's slug once its heartbeats are accepted; 503 "disconnected" once the API
 * is gone (waited on as the agent's own log line, never a sleep); SIGTERM still exits 0.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { startTestApi, uniqueSlug, type TestApi } from "../apps/api/src/testing/harness.js";
import { ROOT, spawnLogged, type Spawned } from "./support/processes.js";

const agentCli = "apps/agent/dist/cli.js";
const { version } = JSON.parse(readFileSync(join(ROOT, "apps/agent/package.json"), "utf8")) as { version: string };
let api: TestApi | undefined;
let agent: Spawned | undefined;
const dataDir = mkdtempSync(join(tmpdir(), "pergola-agent-health-"));

afterAll(async () => {
  await agent?.kill();
  await api?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it("answers 200 while the agent is connected and heartbeating, 503 once the API is gone; /metrics says the same", async () => {
  api = await startTestApi({ outposts: { flushMs: 20, monitorMs: 200 } });
  const slug = uniqueSlug("health");
  const { createOutpost } = await api.ok(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken } }`, {
    i: { name: `Outpost ${slug}`, slug, heartbeatIntervalSeconds: 1 },
  });
  agent = spawnLogged(
    process.execPath,
    [agentCli, "--server", api.server.url, "--data-dir", dataDir, "--allow-same-user"],
    // The port from the env, as the systemd unit's EnvironmentFile gives it.
    { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", PERGOLA_AGENT_TOKEN: createOutpost.agentToken, PERGOLA_AGENT_HEALTH_PORT: "0" },
  );
  const healthz = (
    await agent.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+\/healthz)".*"msg":"serving \/healthz"/, 10_000, "/healthz listening")
  )[1]!;
  await agent.waitFor(new RegExp(`"msg":"heartbeats accepted: Outpost ${slug}"`), 15_000, "a heartbeat accepted");
  const up = await fetch(healthz);
  expect(up.status).toBe(200);
  expect(await up.json()).toEqual({ status: "ok", outpost: slug, connected: true, version });
  // Its Prometheus metrics beside it: the link to the API, the process's own.
  const metricsUrl = healthz.replace(/\/healthz$/, "/metrics");
  const metrics = await (await fetch(metricsUrl)).text();
  expect(metrics).toContain(`pergola_agent_connected{outpost="${slug}"} 1`);
  expect(metrics).toMatch(/^process_resident_memory_bytes /m);

  await api.close();
  api = undefined;
  await agent.waitFor(/"msg":"disconnected from the server; reconnecting"/, 15_000, "the agent seeing the API gone");
  const down = await fetch(healthz);
  expect(down.status).toBe(503);
  expect(await down.json()).toEqual({ status: "disconnected", outpost: slug, connected: false, version });
  expect(await (await fetch(metricsUrl)).text()).toContain(`pergola_agent_connected{outpost="${slug}"} 0`);

  expect(await agent.stop(15_000)).toEqual({ code: 0, signal: null });
});

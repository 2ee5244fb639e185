/**
 * Outposts with real `pergola-agent` processes on loopback: the built agent as a child process
 * against a real API. A Release that waits for an agent that never connected; an agent killed
 * (OFFLINE, stale health, a waiting Release, then back with one process of the service); an
 * agent frozen (heartbeats missed) and thawed; a network partition through a TCP proxy that
 * stops forwarding (OFFLINE, then ONLINE with the same service process); a wrong token and a
 * rotated one.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeArchive } from "../apps/api/src/testing/archive.js";
import { createTestProject, eventually, startTestApi, uniqueSlug, type TestApi } from "../apps/api/src/testing/harness.js";

const agentCli = fileURLToPath(new URL("../apps/agent/dist/cli.js", import.meta.url));
/** Every service of this file carries an argv entry with this prefix: /proc tells them from every other process. */
const markerPrefix = `--marker=pergola-outposts-${randomBytes(4).toString("hex")}`;

const SERVER_JS = `
require("node:http").createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT), process.env.HOST);
process.on("SIGTERM", () => process.exit(0));
`;
const CREATE = `mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken } }`;
const OUTPOST = `query($s: String!) { outpost(slug: $s) { status history(last: 50) { kind message } } }`;
const STAGE = `query($p: String!) { stage(project: $p, slug: "edge") { outpost { status inSync }
  currentRelease { id state message } components { name state health lastKnownHealth } } }`;

type Stage = {
  outpost: { status: string; inSync: boolean };
  currentRelease: { id: string; state: string; message: string | null } | null;
  components: { name: string; state: string; health: string; lastKnownHealth: string | null }[];
};

let api: TestApi;
let artifact: string;
const children: ChildProcess[] = [];
const dirs: string[] = [];
const proxies: Server[] = [];

beforeAll(async () => {
  api = await startTestApi({ outposts: { flushMs: 20, monitorMs: 200 } });
  const upload = await fetch(`${api.server.url}/artifacts?project=${await createTestProject(api)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${api.adminToken}` },
    body: new Uint8Array(await makeArchive({ "server.js": SERVER_JS })),
  });
  expect(upload.status).toBe(201);
  artifact = ((await upload.json()) as { sha256: string }).sha256;
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await once(child, "exit");
  }
  for (const pid of listServiceProcesses()) process.kill(pid, "SIGKILL");
  for (const proxy of proxies.splice(0)) proxy.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

afterAll(() => api?.close());

/** The live processes whose argv holds `marker` (or, without one, any marker of this file). */
function listServiceProcesses(marker?: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))) return false;
        const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        return marker ? argv.includes(marker) : argv.some((a) => a.startsWith(markerPrefix));
      } catch {
        return false;
      }
    })
    .map(Number);
}

function startAgent(token: string, dataDir: string, server = api.server.url): { child: ChildProcess; output(): string } {
  const child = spawn(process.execPath, [agentCli, "--server", server, "--data-dir", dataDir], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", PERGOLA_AGENT_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return { child, output: () => output };
}

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pergola-outpost-agent-"));
  dirs.push(dir);
  return dir;
}

async function createOutpost(): Promise<{ slug: string; token: string }> {
  const slug = uniqueSlug("edge");
  const { createOutpost: created } = await api.ok(CREATE, {
    i: { name: `Outpost ${slug}`, slug, heartbeatIntervalSeconds: 1, offlineAfterSeconds: 3 },
  });
  return { slug, token: created.agentToken };
}

/** A Project with a Stage `edge` on the Outpost, and a function that deploys a new Build of the service. */
async function createEdgeStage(outpost: string): Promise<{ project: string; marker: string; deploy(): Promise<string> }> {
  const project = await createTestProject(api);
  await api.ok(
    `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: DEV, outpostUri: $u }) { slug } }`,
    { p: project, u: `outpost://${outpost}` },
  );
  const marker = `${markerPrefix}-${project}`;
  const manifest = {
    version: "v1",
    components: [
      { name: "web", command: [process.execPath], args: ["server.js", marker], ports: [8080], health: { http: { path: "/", port: 8080 } } },
    ],
  };
  return {
    project,
    marker,
    async deploy() {
      const { createBuild } = await api.ok(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
        i: { project, manifest, artifact },
      });
      const { deployRelease } = await api.ok(
        `mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "edge", build: $b }) { id } }`,
        { p: project, b: createBuild.name },
      );
      return deployRelease.id as string;
    },
  };
}

const stageOf = async (project: string): Promise<Stage> => (await api.ok<{ stage: Stage }>(STAGE, { p: project })).stage;
const outpostOf = async (slug: string): Promise<{ status: string; history: { kind: string; message: string }[] }> =>
  (await api.ok(OUTPOST, { s: slug })).outpost;

function waitForStatus(slug: string, status: string, ms: number, what: string): Promise<true> {
  return eventually(async () => ((await outpostOf(slug)).status === status ? true : undefined), ms, `${status}: ${what}`, 100);
}

/** Until the Stage runs `releaseId` (DEPLOYED, web RUNNING and HEALTHY) and its link is ONLINE and in sync. */
function waitForDeployed(project: string, releaseId: string, ms: number, output: () => string): Promise<Stage> {
  return eventually(
    async () => {
      const stage = await stageOf(project);
      const web = stage.components.find((c) => c.name === "web");
      const ok =
        stage.currentRelease?.id === releaseId &&
        stage.currentRelease.state === "DEPLOYED" &&
        web?.state === "RUNNING" &&
        web.health === "HEALTHY" &&
        stage.outpost.status === "ONLINE" &&
        stage.outpost.inSync;
      return ok ? stage : undefined;
    },
    ms,
    `Release ${releaseId} DEPLOYED on an ONLINE Outpost:\n${output()}`,
    100,
  );
}

/** A TCP proxy to the API that can stop forwarding (holding every byte, closing nothing) and start again. */
async function startProxy(target: number): Promise<{ port: number; setForwarding(on: boolean): void }> {
  let forwarding = true;
  const pipes: (() => void)[] = [];
  const server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: target });
    const held: [Socket, Buffer][] = [];
    const relay = (to: Socket) => (chunk: Buffer) => (forwarding ? to.write(chunk) : held.push([to, chunk]));
    client.on("data", relay(upstream));
    upstream.on("data", relay(client));
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    pipes.push(() => {
      for (const [to, chunk] of held.splice(0)) if (!to.destroyed) to.write(chunk);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  proxies.push(server);
  return {
    port: (server.address() as { port: number }).port,
    setForwarding(on) {
      forwarding = on;
      if (on) for (const flush of pipes) flush();
    },
  };
}

describe("Outposts with a real pergola-agent", () => {
  it("runs a Release deployed before the agent ever connected once the agent starts", async () => {
    const { slug, token } = await createOutpost();
    const { project, deploy } = await createEdgeStage(slug);
    const releaseId = await deploy();
    const waiting = await stageOf(project);
    expect(waiting.currentRelease).toMatchObject({ state: "PENDING", message: expect.stringContaining("never connected") });

    const agent = startAgent(token, freshDir());
    const stage = await waitForDeployed(project, releaseId, 20_000, agent.output);
    expect(stage.outpost).toEqual({ status: "ONLINE", inSync: true });
    expect(stage.components).toMatchObject([{ name: "web", state: "RUNNING", health: "HEALTHY" }]);
  });

  it("goes OFFLINE when the agent is SIGKILLed, keeps the last health, waits with a new Release, and converges with one process on restart", async () => {
    const { slug, token } = await createOutpost();
    const { project, marker, deploy } = await createEdgeStage(slug);
    const dataDir = freshDir();
    const first = startAgent(token, dataDir);
    await waitForDeployed(project, await deploy(), 20_000, first.output);

    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    await waitForStatus(slug, "OFFLINE", 25_000, "after SIGKILL");
    expect((await outpostOf(slug)).history.map((h) => h.kind)).toContain("disconnected");
    expect((await stageOf(project)).components).toMatchObject([{ name: "web", health: "UNKNOWN", lastKnownHealth: "HEALTHY" }]);

    const second = await deploy();
    expect((await stageOf(project)).currentRelease).toMatchObject({
      id: second,
      state: "PENDING",
      message: expect.stringMatching(/waiting for Outpost .* offline since/),
    });

    const restarted = startAgent(token, dataDir);
    await waitForDeployed(project, second, 20_000, restarted.output);
    expect((await outpostOf(slug)).status).toBe("ONLINE");
    expect(listServiceProcesses(marker)).toHaveLength(1);
  });

  it("goes OFFLINE when the agent is frozen (heartbeats missed) and ONLINE when it thaws", async () => {
    const { slug, token } = await createOutpost();
    const agent = startAgent(token, freshDir());
    await waitForStatus(slug, "ONLINE", 10_000, `the agent connected:\n${agent.output()}`);

    agent.child.kill("SIGSTOP");
    await waitForStatus(slug, "OFFLINE", 10_000, "3 s without a heartbeat");
    expect((await outpostOf(slug)).history[0]).toMatchObject({ kind: "heartbeat-missed" });

    agent.child.kill("SIGCONT");
    await waitForStatus(slug, "ONLINE", 10_000, `the agent thawed:\n${agent.output()}`);
  });

  it("survives a partition: OFFLINE while nothing gets through, ONLINE after, the service never started twice", async () => {
    const { slug, token } = await createOutpost();
    const { project, marker, deploy } = await createEdgeStage(slug);
    const proxy = await startProxy(Number(new URL(api.server.url).port));
    const agent = startAgent(token, freshDir(), `http://127.0.0.1:${proxy.port}`);
    await waitForDeployed(project, await deploy(), 20_000, agent.output);
    const before = listServiceProcesses(marker);
    expect(before).toHaveLength(1);

    proxy.setForwarding(false);
    await waitForStatus(slug, "OFFLINE", 10_000, "partitioned");
    proxy.setForwarding(true);
    await waitForStatus(slug, "ONLINE", 15_000, `the partition healed:\n${agent.output()}`);
    expect(listServiceProcesses(marker)).toEqual(before);
    const stage = await stageOf(project);
    expect(stage.components).toMatchObject([{ name: "web", state: "RUNNING", health: "HEALTHY" }]);
  });

  it("says so when its token is rejected and keeps retrying; a rotated token closes its socket", async () => {
    const wrong = startAgent(`pgl_${randomBytes(24).toString("hex")}`, freshDir());
    await eventually(
      () => ((wrong.output().match(/token rejected/g)?.length ?? 0) >= 2 ? true : undefined),
      10_000,
      `two rejections:\n${wrong.output()}`,
      100,
    );
    expect(wrong.child.exitCode).toBeNull();
    expect(wrong.output()).toMatch(/"level":50.*token rejected by the server/);

    const { slug, token } = await createOutpost();
    const agent = startAgent(token, freshDir());
    await waitForStatus(slug, "ONLINE", 10_000, `the agent connected:\n${agent.output()}`);
    await api.ok(`mutation($s: String!) { rotateOutpostToken(slug: $s) { agentToken } }`, { s: slug });
    await waitForStatus(slug, "OFFLINE", 5_000, "the old token's socket closed");
    await eventually(
      async () => ((await outpostOf(slug)).history.some((h) => h.kind === "token-rejected") ? true : undefined),
      10_000,
      `token-rejected in the history:\n${agent.output()}`,
      100,
    );
    expect(agent.output()).toContain("token rejected");
    expect(agent.child.exitCode).toBeNull();
  });
});

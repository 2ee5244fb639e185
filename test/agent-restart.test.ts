/**
 * The agent killed with SIGKILL and started again on the same data dir: the built
 * `pergola-agent` as a real child process against a real API. The killed agent's service
 * lives on as an orphan; the new agent stops it before it applies the desired state, so the
 * Stage converges with exactly one process of the service, and SIGTERM leaves none.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../apps/api/src/auth/token.service.js";
import { makeArchive } from "../apps/api/src/testing/archive.js";
import { createTestProject, freshDatabaseOptions, startTestApi, type TestApi } from "../apps/api/src/testing/harness.js";

const agentCli = fileURLToPath(new URL("../apps/agent/dist/cli.js", import.meta.url));
const agentToken = generateToken();
/** In the service's argv, so that /proc tells its processes from every other one on the host. */
const marker = `--marker=pergola-restart-${randomBytes(6).toString("hex")}`;
const dataDir = mkdtempSync(join(tmpdir(), "pergola-agent-restart-"));

const SERVER_JS = `
require("node:http").createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT), process.env.HOST);
process.on("SIGTERM", () => process.exit(0));
`;
const MANIFEST = {
  version: "v1",
  components: [
    { name: "web", command: [process.execPath, "server.js", marker], ports: [8080], health: { http: { path: "/", port: 8080 } } },
  ],
};
const STAGE = `query($p: String!) { stage(project: $p, slug: "dev") { components { name state health observedAt } } }`;

let api: TestApi;
let database: Awaited<ReturnType<typeof freshDatabaseOptions>>;
const agents: ChildProcess[] = [];

beforeAll(async () => {
  // A database of its own: the local agent runs every local Stage, and on a shared PostgreSQL
  // it would run (and report on) the Stages of every other test.
  database = await freshDatabaseOptions();
  api = await startTestApi({ database: database.options, localAgentToken: agentToken });
});

afterAll(async () => {
  for (const agent of agents) if (agent.exitCode === null && agent.signalCode === null) agent.kill("SIGKILL");
  // Whatever a failed run left behind.
  for (const pid of listServiceProcesses()) process.kill(pid, "SIGKILL");
  await api?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function startAgentProcess(): { child: ChildProcess; output(): string } {
  const child = spawn(process.execPath, [agentCli, "--server", api.server.url, "--data-dir", dataDir], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", PERGOLA_AGENT_TOKEN: agentToken },
    stdio: ["ignore", "pipe", "pipe"],
  });
  agents.push(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return { child, output: () => output };
}

/** The live processes whose argv holds the marker: the service's, however many there are. */
function listServiceProcesses(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        // A zombie (killed, not yet reaped) is not running, and has an empty cmdline anyway.
        if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))) return false;
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function isAlive(pid: number): boolean {
  return listServiceProcesses().includes(pid);
}

/** Polls `probe` until it returns a value (neither the API nor /proc sends these as events); rejects after `timeoutMs`. */
async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, message: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type Web = { name: string; state: string; health: string; observedAt: string | null };

/** The web Component once the API has it RUNNING and HEALTHY, observed after `since`. */
async function getHealthyWeb(project: string, since: Date): Promise<Web | undefined> {
  const { stage } = await api.ok<{ stage: { components: Web[] } }>(STAGE, { p: project });
  const web = stage.components.find((c) => c.name === "web");
  const fresh = web?.observedAt !== null && web?.observedAt !== undefined && new Date(web.observedAt) >= since;
  return web?.state === "RUNNING" && web.health === "HEALTHY" && fresh ? web : undefined;
}

describe("pergola-agent after a crash", () => {
  it("stops the Components the killed agent left running before it starts them again: one process, none after SIGTERM", async () => {
    const project = await createTestProject(api);
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV }) { slug } }`, { p: project });
    const upload = await fetch(`${api.server.url}/artifacts?project=${project}`, {
      method: "POST",
      headers: { authorization: `Bearer ${api.adminToken}` },
      body: new Uint8Array(await makeArchive({ "server.js": SERVER_JS })),
    });
    expect(upload.status).toBe(201);
    const { sha256 } = (await upload.json()) as { sha256: string };
    await api.ok(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
      i: { project, manifest: MANIFEST, artifact: sha256 },
    });
    await api.ok(`mutation($p: String!) { deployRelease(input: { project: $p, stage: "dev", build: "b1" }) { id } }`, { p: project });

    const first = startAgentProcess();
    const startedAt = new Date();
    await waitFor(() => getHealthyWeb(project, startedAt), `the first agent runs web:\n${first.output()}`);
    const [orphan, ...others] = listServiceProcesses();
    expect(others).toEqual([]);

    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    // Nothing stopped the service: it outlives its agent.
    expect(isAlive(orphan!)).toBe(true);

    const second = startAgentProcess();
    const restartedAt = new Date();
    await waitFor(() => getHealthyWeb(project, restartedAt), `the second agent runs web:\n${second.output()}`);
    const running = listServiceProcesses();
    expect(running).toHaveLength(1);
    expect(running[0]).not.toBe(orphan);
    expect(isAlive(orphan!)).toBe(false);
    expect(second.output()).toContain("stopped a process the previous agent left running");
    expect(second.output()).toContain(`"pid":${orphan}`);

    second.child.kill("SIGTERM");
    const [code] = (await once(second.child, "exit")) as [number | null];
    expect(code).toBe(0);
    expect(listServiceProcesses()).toEqual([]);
  }, 120_000);
});

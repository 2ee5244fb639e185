/**
 * A real API and a real agent for end-to-end tests of the runtime through the API: the API on
 * a database of its own (PGlite from the snapshot, or a new PostgreSQL database), the agent
 * in-process (`startAgent`, short timings) or as its own process (`pergola-agent`, dist/cli.js).
 *
 * The database is the test's own because every Stage belongs to the built-in `local` Outpost:
 * on a shared PostgreSQL an agent would pick up every other test's Stages, fail to fetch their
 * artifacts (they live in another API's data dir) and fail their Releases.
 *
 * With `outpost`, the agent is a remote Outpost's instead, as one runs on another host: the admin
 * registers the Outpost, the agent connects with its token and serves the Stages' links at a
 * gateway of its own (`Stack.gatewayUrl`); Stages placed there (`createStage(…, { outpostUri })`)
 * run on it, and no agent runs the local Outpost's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { create } from "tar";
import { onTestFailed, onTestFinished } from "vitest";
import { parse } from "yaml";
import { startAgent, type Agent, type AgentOptions } from "../../apps/agent/src/agent.js";
import type { AgentLogger } from "../../apps/agent/src/ports.js";
import { makeArchive } from "../../apps/api/src/testing/archive.js";
import {
  createTestProject,
  freshDatabaseOptions,
  startTestApi,
  uniqueSlug,
  withTimeout,
  type TestApi,
} from "../../apps/api/src/testing/harness.js";
import { generateToken } from "../../apps/api/src/auth/token.service.js";
import type { ServerOptions } from "../../apps/api/src/server.js";

/** The node running the tests: Components do not depend on PATH. */
export const NODE = process.execPath;

/** Short timings: the production defaults are seconds to minutes. */
export const FAST_RUNTIME: NonNullable<AgentOptions["runtime"]> = {
  restart: { initialMs: 100, maxMs: 400, stableMs: 1500, crashLoopAfter: 3 },
  retry: { initialMs: 100, maxMs: 400 },
};

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  fields: Record<string, unknown>;
  at: number;
}

/** An AgentLogger (pino's call shapes: `(fields, msg)` or `(msg)`) that keeps every entry. */
export function createRecordingLogger(): AgentLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry["level"]) =>
    ((first: unknown, second?: unknown) => {
      const fields = typeof first === "object" && first !== null ? (first as Record<string, unknown>) : {};
      const msg = typeof first === "string" ? first : typeof second === "string" ? second : "";
      entries.push({ level, msg, fields, at: Date.now() });
    }) as never;
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export interface Stack {
  api: TestApi;
  /** The API's data dir: artifacts under `artifacts/<aa>/<sha256>.tar.gz`. */
  apiDataDir: string;
  /** The agent's data dir: `runtime/storage/<project>/<stage>/<component>/<volume>`, `artifacts/<sha256>/`. */
  agentDataDir: string;
  /** With `outpost`: the Outpost the agent runs (`outpost://<slug>`). */
  outpost?: { slug: string; uri: string };
  /** With `outpost`: where the agent's gateway serves the Stages' links, once it listens. */
  gatewayUrl?: Promise<string>;
  /** With `health` (in-process agent): the URL the agent serves /healthz and /metrics below, once it listens. */
  agentHealthUrl?: Promise<string>;
  /** What the agent logged (in-process agent), or its output lines (agent process). */
  log: LogEntry[];
  /** The standard volume `volume` of a Component, as the process runtime keeps it on the agent's host. */
  storagePath(project: string, stage: string, component: string, volume: string, file?: string): string;
  /** Stops the agent (its Components stop with it) and starts a new one on the same data dir, as after an agent restart. */
  restartAgent(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** More options of the API's server (say, a small `maxArtifactBytes`). */
  api?: Partial<ServerOptions>;
  /** Passed to `startAgent` (in-process agent only). */
  connection?: AgentOptions["connection"];
  runtime?: AgentOptions["runtime"];
  /** Passed to `startAgent` (in-process agent only): how often it samples and ships Components' usage. */
  usageIntervalMs?: number;
  /** Passed to `startAgent` (in-process agent only): serve /healthz and /metrics on a free loopback port. */
  health?: boolean;
  /** The agent is a remote Outpost's (in-process agent only): registered by the admin, its links served by the agent. */
  outpost?: boolean;
  /**
   * Runs `pergola-agent` (apps/agent/dist/cli.js) as its own process instead, with its clock
   * this many milliseconds ahead (test/support/clock-offset.mjs), so that a once-a-minute cron
   * comes due when the test wants it to. Its Components run on the real clock.
   */
  agentProcess?: { clockOffsetMs: number };
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HELLO = join(ROOT, "examples/hello");

/** Starts the API and the agent; the end of the test (pass or fail) closes both and removes their data. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const database = await freshDatabaseOptions();
  const apiDataDir = mkdtempSync(join(tmpdir(), "pergola-e2e-api-"));
  const agentDataDir = mkdtempSync(join(tmpdir(), "pergola-e2e-agent-"));
  const localToken = generateToken();
  const api = await startTestApi({
    // An Outpost's heartbeats taken in, and its silence noticed, quickly.
    ...(options.outpost && { outposts: { flushMs: 20, monitorMs: 200 } }),
    ...options.api,
    database: database.options,
    localAgentToken: localToken,
    dataDir: apiDataDir,
  });
  const outpost = options.outpost ? await createOutpost(api) : undefined;
  const token = outpost?.token ?? localToken;
  const logger = createRecordingLogger();
  const launch = (): Agent =>
    options.agentProcess
      ? spawnAgent(api.server.url, token, agentDataDir, options.agentProcess.clockOffsetMs, logger.entries)
      : startAgent({
          server: api.server.url,
          token,
          dataDir: agentDataDir,
          logger,
          runtime: options.runtime ?? FAST_RUNTIME,
          connection: { backoff: { initialMs: 100, maxMs: 1000, jitter: 0.2 }, ...options.connection },
          usageIntervalMs: options.usageIntervalMs,
          health: options.health ? { host: "127.0.0.1", port: 0 } : undefined,
          ...(outpost && { publicUrl: "http://127.0.0.1", gatewayListen: { host: "127.0.0.1", port: 0 } }),
        });
  let agent = launch();
  onTestFailed(() => {
    const tail = logger.entries.slice(-80).map((e) => `${new Date(e.at).toISOString()} ${e.level} ${e.msg} ${JSON.stringify(e.fields)}`);
    console.error(`agent log (last ${tail.length} entries):\n${tail.join("\n")}`);
  });
  let closing: Promise<void> | undefined;
  const stack: Stack = {
    api,
    apiDataDir,
    agentDataDir,
    outpost: outpost && { slug: outpost.slug, uri: `outpost://${outpost.slug}` },
    get gatewayUrl() {
      return agent.gatewayUrl;
    },
    agentHealthUrl: agent.healthUrl,
    log: logger.entries,
    storagePath: (project, stage, component, volume, file) =>
      join(agentDataDir, "runtime", "storage", project, stage, component, volume, ...(file ? [file] : [])),
    async restartAgent() {
      await agent.close();
      agent = launch();
    },
    close() {
      closing ??= (async () => {
        await agent.close();
        await api.close();
        await database.drop();
        rmSync(apiDataDir, { recursive: true, force: true });
        rmSync(agentDataDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
  onTestFinished(() => stack.close());
  return stack;
}

/** An Outpost registered by the admin, heartbeating every second; its agent's token. */
async function createOutpost(api: TestApi): Promise<{ slug: string; token: string }> {
  const slug = uniqueSlug("edge");
  const { createOutpost: created } = await api.ok(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken } }`, {
    i: { name: `Outpost ${slug}`, slug, heartbeatIntervalSeconds: 1, offlineAfterSeconds: 5 },
  });
  return { slug, token: created.agentToken };
}

/** `pergola-agent` as a user runs it; close() is SIGTERM, which stops every Component first. */
function spawnAgent(server: string, token: string, dataDir: string, clockOffsetMs: number, log: LogEntry[]): Agent {
  const preload = pathToFileURL(join(ROOT, "test/support/clock-offset.mjs")).href;
  const child: ChildProcess = spawn(
    NODE,
    ["--import", preload, join(ROOT, "apps/agent/dist/cli.js"), "--server", server, "--data-dir", dataDir],
    {
      // The token in the environment, never on a command line (other processes can read those).
      env: {
        PATH: process.env.PATH ?? "",
        LOG_LEVEL: "debug",
        PERGOLA_AGENT_TOKEN: token,
        PERGOLA_TEST_CLOCK_OFFSET_MS: String(clockOffsetMs),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const keep = (level: LogEntry["level"]) => (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
      let fields: Record<string, unknown> = {};
      try {
        fields = JSON.parse(line) as Record<string, unknown>;
      } catch {
        fields = { line };
      }
      log.push({ level, msg: typeof fields.msg === "string" ? fields.msg : "", fields, at: Date.now() });
    }
  };
  child.stdout!.on("data", keep("info"));
  child.stderr!.on("data", keep("error"));
  return {
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const code = await withTimeout(exited, 20_000, "pergola-agent did not stop within 20 s");
      if (code !== 0) throw new Error(`pergola-agent exited with ${code}`);
    },
  };
}

/**
 * Uploads the application `files` as a tar.gz (POST /artifacts?project=) as the admin, for a
 * Project of its own (admins build from any artifact); returns its SHA-256.
 */
export async function uploadApp(api: TestApi, files: Record<string, string>): Promise<string> {
  const body = await makeArchive(files);
  const res = await fetch(`${api.server.url}/artifacts?project=${await createTestProject(api)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${api.adminToken}` },
    body: new Uint8Array(body),
  });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  const { sha256 } = (await res.json()) as { sha256: string };
  if (sha256 !== sha256Of(body)) throw new Error("the API hashed the upload differently");
  return sha256;
}

/** examples/hello as it ships (a service with a visit counter in a standard storage), uploaded for `project`. */
export async function uploadHello(stack: Stack, project: string): Promise<{ sha256: string; manifest: unknown }> {
  const archive = join(stack.apiDataDir, "hello.tar.gz");
  await create({ gzip: true, file: archive, cwd: HELLO, portable: true }, ["."]);
  const res = await fetch(`${stack.api.server.url}/artifacts?project=${project}`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.api.adminToken}` },
    body: readFileSync(archive),
  });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  const { sha256 } = (await res.json()) as { sha256: string };
  return { sha256, manifest: parse(readFileSync(join(HELLO, "pergola.yaml"), "utf8")) };
}

export function sha256Of(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A DEV Stage; with `outpostUri`, on that Outpost (the admin placing it there grants the Outpost to the Project). */
export async function createStage(
  api: TestApi,
  project: string,
  slug: string,
  suspendGraceSeconds?: number,
  place: { outpostUri?: string } = {},
): Promise<void> {
  await api.ok(`mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, {
    i: { project, name: slug, slug, type: "DEV", ...(suspendGraceSeconds !== undefined && { suspendGraceSeconds }), ...place },
  });
}

export async function createBuild(api: TestApi, project: string, manifest: unknown, artifact: string): Promise<string> {
  const { createBuild } = await api.ok(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
    i: { project, manifest, artifact },
  });
  return createBuild.name;
}

export async function deploy(api: TestApi, project: string, stage: string, build: string): Promise<{ id: string; number: number }> {
  const { deployRelease } = await api.ok(`mutation($i: DeployReleaseInput!) { deployRelease(input: $i) { id number } }`, {
    i: { project, stage, build },
  });
  return deployRelease;
}

export async function getCursor(api: TestApi, project: string): Promise<string> {
  return (await api.ok(`query($p: String!) { project(slug: $p) { cursor } }`, { p: project })).project.cursor;
}

export interface StageView {
  id: string;
  state: string;
  health: string;
  currentRelease: { id: string; number: number; state: string; message: string | null } | null;
  components: {
    name: string;
    kind: string;
    state: string;
    health: string;
    restarts: number;
    message: string | null;
    observedAt: string | null;
  }[];
}

export async function getStage(api: TestApi, project: string, stage: string): Promise<StageView> {
  const { stage: view } = await api.ok(
    `query($p: String!, $s: String!) { stage(project: $p, slug: $s) { id state health currentRelease { id number state message }
      components { name kind state health restarts message observedAt } } }`,
    { p: project, s: stage },
  );
  return view;
}

/** Whether `pid` is a live process (a zombie is not): the runtime tests' own check. */
export { isAlive } from "../../packages/runtime/src/process/process.test-utils.js";

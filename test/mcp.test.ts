/**
 * `pergola mcp` as an AI assistant's MCP client runs it: the built CLI (apps/cli/bin/pergola.js)
 * spawned by the SDK's own Client over StdioClientTransport, logged in with `pergola login`
 * into a temporary XDG_CONFIG_HOME, against a real API on a database of its own and a real
 * agent (in-process, short timings) that runs the Releases. Every test makes its own Project.
 * Waits are on events (the tools' own waits follow subscriptions; the test's on a
 * subscription), with timeouts.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../apps/agent/src/agent.js";
import { generateToken } from "../apps/api/src/auth/token.service.js";
import { freshDatabaseOptions, startTestApi, subscribe, uniqueSlug, withTimeout, type TestApi } from "../apps/api/src/testing/harness.js";
import { createRecordingLogger, FAST_RUNTIME } from "./support/stack.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "apps/cli/bin/pergola.js");

const READ_TOOLS = [
  "list_projects",
  "list_stages",
  "get_stage",
  "list_components",
  "read_logs",
  "list_releases",
  "list_builds",
  "fleet_health",
  "list_backups",
];
/** The changes that need confirm on a PROD Stage. */
const WRITE_TOOLS = ["deploy_release", "promote_release", "rollback_stage", "suspend_stage", "resume_stage", "restore_backup"];
/** A change that needs none: it leaves the Stage as it is. */
const BACKUP_TOOL = "create_backup";

let api: TestApi;
let agent: Agent;
let endpoint: string;
let work: string;
/** The admin's saved login (pergola login --access-key). */
let configHome: string;
let dropDatabase: () => Promise<void>;

/** The environment `pergola` runs in: nothing of the test runner's but PATH. */
function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: work, XDG_CONFIG_HOME: configHome, NO_COLOR: "1", ...extra };
}

/** Runs `pergola args…` and expects exit 0; returns stdout. */
async function pergola(args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c));
  child.stderr.on("data", (c: Buffer) => (stderr += c));
  const code = await withTimeout(
    new Promise<number | null>((resolve) => child.on("close", resolve)),
    30_000,
    `pergola ${args.join(" ")} did not exit`,
  );
  if (code !== 0) throw new Error(`pergola ${args.join(" ")} exited ${code}\nstdout: ${stdout}\nstderr: ${stderr}`);
  return stdout;
}

/** `pergola mcp` under the SDK's Client; closed when the test ends (`finished`: the test's own onTestFinished). */
async function connect(finished: (fn: () => Promise<void>) => void, env: Record<string, string> = {}): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "mcp"],
    cwd: ROOT,
    env: cliEnv(env),
    stderr: "pipe",
  });
  const client = new Client({ name: "pergola-mcp-test", version: "1.0.0" });
  await client.connect(transport);
  finished(() => client.close());
  // The client checks each result against the tool's outputSchema once it has listed the tools.
  await client.listTools();
  return client;
}

/** Calls a tool that must succeed: its typed result and its text. */
async function answer(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ result: any; text: string }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  expect(textOf(result)).not.toBe("");
  return { result: result.structuredContent, text: textOf(result) };
}

/** Calls a tool that must succeed: its typed result. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  return (await answer(client, name, args)).result;
}

/** Calls a tool that must fail: its error text. */
async function refused(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError, `${name} should have failed, answered ${JSON.stringify(result.structuredContent)}`).toBe(true);
  expect(result.structuredContent).toBeUndefined();
  return textOf(result);
}

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("");
}

/**
 * An app whose `web` service answers its VERSION on /, and says "<VERSION> up" when it listens;
 * its health probe makes a DEPLOYED Release one that answers.
 */
function appDir(version: string): string {
  const dir = mkdtempSync(join(work, "app-"));
  writeFileSync(
    join(dir, "pergola.yaml"),
    `version: v1\ncomponents:\n  - name: web\n    command: [node, server.js]\n    env:\n      - name: VERSION\n        value: ${version}\n    ports: [8080]\n    ingresses:\n      - host: app\n        port: 8080\n    health:\n      http: { path: /, port: 8080 }\n      interval: 1s\n      timeout: 1s\n`,
  );
  writeFileSync(
    join(dir, "server.js"),
    `require("http").createServer((req, res) => res.end(process.env.VERSION)).listen(8080, process.env.HOST, () => console.log(process.env.VERSION + " up"));
process.on("SIGTERM", () => process.exit(0));`,
  );
  return dir;
}

async function newProject(stages: [string, "dev" | "qa" | "prod"][]): Promise<string> {
  const project = uniqueSlug("mcp");
  await pergola(["create", "project", project]);
  for (const [stage, type] of stages) await pergola(["create", "stage", stage, "--type", type, "-p", project]);
  return project;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "pergola-mcp-"));
  configHome = join(work, "config");
  const database = await freshDatabaseOptions();
  dropDatabase = database.drop;
  const apiDataDir = join(work, "api");
  mkdirSync(apiDataDir);
  const token = generateToken();
  api = await startTestApi({ database: database.options, localAgentToken: token, dataDir: apiDataDir });
  endpoint = api.server.url;
  agent = startAgent({
    server: endpoint,
    token,
    dataDir: join(work, "agent"),
    logger: createRecordingLogger(),
    runtime: FAST_RUNTIME,
    connection: { backoff: { initialMs: 100, maxMs: 1000, jitter: 0.2 } },
  });
  await pergola(["login", "--endpoint", endpoint, "--access-key", api.adminToken]);
});

afterAll(async () => {
  await agent?.close();
  await api?.close();
  await dropDatabase?.();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.concurrent("pergola mcp", () => {
  it("lists its tools, each with a described input schema, a result schema and annotations", async ({ onTestFinished }) => {
    const client = await connect(onTestFinished);
    expect(client.getServerVersion()).toMatchObject({ name: "pergola", version: "0.1.0" });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...READ_TOOLS, ...WRITE_TOOLS, BACKUP_TOOL].sort());
    for (const tool of tools) {
      expect(tool.description, tool.name).toMatch(/\w{3,}/);
      expect(tool.inputSchema.type, tool.name).toBe("object");
      for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {}))
        expect((schema as { description?: string }).description, `${tool.name}.${field}`).toMatch(/\w{3,}/);
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(READ_TOOLS.includes(tool.name));
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const name of WRITE_TOOLS) {
      expect(byName[name]!.inputSchema.properties, name).toHaveProperty("confirm.type", "boolean");
      expect(byName[name]!.inputSchema.required ?? [], name).not.toContain("confirm");
    }
    expect(byName.suspend_stage!.annotations).toMatchObject({ destructiveHint: true });
    expect(byName.rollback_stage!.annotations).toMatchObject({ destructiveHint: true });
    expect(byName.resume_stage!.annotations).toMatchObject({ destructiveHint: false });
    expect(byName.create_backup!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(byName.create_backup!.inputSchema.properties).not.toHaveProperty("confirm");
    expect(byName.restore_backup!.annotations).toMatchObject({ destructiveHint: true });
    expect(byName.deploy_release!.inputSchema.required).toEqual(["project", "stage"]);
    expect(byName.read_logs!.inputSchema.required).toEqual(["project", "stage", "component"]);
    expect(byName.list_stages!.outputSchema).toHaveProperty("properties.stages.items.properties.type.enum", ["DEV", "QA", "PROD"]);
  });

  it("a Stage's day, from listing to rollback: deploy, logs, suspend, resume, promote to PROD only with confirm, roll back", {
    timeout: 180_000,
  }, async ({ onTestFinished }) => {
    const project = await newProject([
      ["dev", "dev"],
      ["prod", "prod"],
    ]);
    await pergola(["push", "build", "-p", project, "--dir", appDir("v1")]);
    await pergola(["push", "build", "-p", project, "--dir", appDir("v2")]);
    const link = async () => {
      const res = await fetch(`${endpoint}/s/${project}/dev/app/`);
      return `${res.status} ${await res.text()}`;
    };
    const client = await connect(onTestFinished);

    const { projects } = await call(client, "list_projects", { first: 100 });
    expect(projects.find((p: { slug: string }) => p.slug === project)).toMatchObject({
      stages: [
        { slug: "dev", type: "DEV" },
        { slug: "prod", type: "PROD" },
      ],
    });
    const listed = await call(client, "list_stages", { project });
    expect(listed).toMatchObject({ nextCursor: null, stages: [{ slug: "dev", state: "RUNNING", currentRelease: null }, { slug: "prod" }] });
    expect((await call(client, "list_stages", { project, type: "PROD" })).stages.map((s: { slug: string }) => s.slug)).toEqual(["prod"]);
    const { builds } = await call(client, "list_builds", { project });
    expect(builds.map((b: { name: string }) => b.name)).toEqual(["b2", "b1"]);

    // Deploy b1, then b2; each waited on until DEPLOYED.
    expect(await call(client, "deploy_release", { project, stage: "dev", build: "b1", waitSeconds: 50 })).toMatchObject({
      release: { number: 1, state: "DEPLOYED", build: { name: "b1" } },
    });
    expect(await call(client, "deploy_release", { project, stage: "dev", build: "b2", waitSeconds: 50 })).toMatchObject({
      release: { number: 2, state: "DEPLOYED", build: { name: "b2" }, author: { name: "admin" } },
    });
    expect(await link()).toBe("200 v2");
    expect((await call(client, "get_stage", { project, stage: "dev" })).stage).toMatchObject({
      type: "DEV",
      state: "RUNNING",
      liveRelease: { number: 2, state: "DEPLOYED", build: { name: "b2" } },
    });
    expect((await call(client, "list_components", { project, stage: "dev" })).components).toEqual([
      expect.objectContaining({ name: "web", kind: "SERVICE", state: "RUNNING", restarts: 0 }),
    ]);

    // The Component's output as the agent ships it (the last lines first, then each batch).
    const logs = subscribe<{ componentLogs: { lines: string[] } }>(
      api.ws(),
      `subscription($p: String!) { componentLogs(project: $p, stage: "dev", component: "web", tail: 50) { lines } }`,
      { p: project },
    );
    onTestFinished(async () => logs.close());
    let seen = 0;
    const untilSeen = async (line: string, times: number) => {
      while (seen < times) seen += (await logs.next(30_000)).componentLogs.lines.filter((l) => l === line).length;
    };
    // Once the agent has shipped "v2 up", read_logs has it.
    await untilSeen("v2 up", 1);
    expect(await call(client, "read_logs", { project, stage: "dev", component: "web", tail: 10 })).toMatchObject({
      component: "web",
      state: "RUNNING",
      lines: expect.arrayContaining(["v2 up"]),
    });

    // Suspend (its link answers 503), then resume (it answers again).
    expect(await call(client, "suspend_stage", { project, stage: "dev", waitSeconds: 50 })).toMatchObject({
      stage: { slug: "dev", state: "SUSPENDED" },
    });
    expect(await link()).toMatch(/^503 /);
    expect(await call(client, "resume_stage", { project, stage: "dev", waitSeconds: 50 })).toMatchObject({
      stage: { slug: "dev", state: "RUNNING", liveRelease: { number: 2 } },
    });
    await untilSeen("v2 up", 2);
    expect(await link()).toBe("200 v2");

    // PROD: refused without confirm, and nothing is sent; with it, done.
    for (const [tool, args] of [
      ["promote_release", { project, from: "dev", to: "prod" }],
      ["deploy_release", { project, stage: "prod", build: "b1" }],
      ["rollback_stage", { project, stage: "prod", confirm: false }],
      ["suspend_stage", { project, stage: "prod" }],
    ] as const)
      expect(await refused(client, tool, args)).toMatch(
        new RegExp(
          `^CONFIRMATION_REQUIRED: Stage "prod" of Project "${project}" is a PROD Stage, so nothing was changed\\. Ask the user .*call ${tool} again with confirm: true`,
        ),
      );
    expect(await call(client, "list_releases", { project, stage: "prod" })).toEqual({ releases: [], nextCursor: null });
    expect((await call(client, "get_stage", { project, stage: "prod" })).stage).toMatchObject({ state: "RUNNING", currentRelease: null });
    expect(await call(client, "promote_release", { project, from: "dev", to: "prod", confirm: true, waitSeconds: 50 })).toMatchObject({
      release: { number: 1, state: "DEPLOYED", build: { name: "b2" } },
    });

    // Roll dev back to b1: a new Release, the one before superseded.
    expect(await call(client, "rollback_stage", { project, stage: "dev", waitSeconds: 50 })).toMatchObject({
      release: { number: 3, state: "DEPLOYED", build: { name: "b1" } },
    });
    expect(await link()).toBe("200 v1");
    const { releases } = await call(client, "list_releases", { project, stage: "dev" });
    expect(releases.map((r: { number: number; state: string; build: { name: string } }) => [r.number, r.build.name, r.state])).toEqual([
      [3, "b1", "DEPLOYED"],
      [2, "b2", "SUPERSEDED"],
      [1, "b1", "SUPERSEDED"],
    ]);
  });

  it("the API's refusals are tool errors with its code and message, and the server goes on", async ({ onTestFinished }) => {
    const project = await newProject([["dev", "dev"]]);
    const client = await connect(onTestFinished);
    const missing = `Stage "nope" in Project "${project}" not found`;
    expect(await refused(client, "get_stage", { project, stage: "nope" })).toBe(`NOT_FOUND: ${missing}`);
    expect(await refused(client, "suspend_stage", { project, stage: "nope", confirm: true })).toBe(`NOT_FOUND: ${missing}`);
    expect(await refused(client, "list_releases", { project, stage: "nope" })).toMatch(/^NOT_FOUND: Stage "nope"/);
    expect(await refused(client, "read_logs", { project, stage: "dev", component: "web" })).toBe(
      `NOT_FOUND: Component "web" on Stage "dev" in Project "${project}" not found`,
    );
    expect(await refused(client, "list_stages", { project: "no-such-project" })).toBe('NOT_FOUND: Project "no-such-project" not found');
    expect(await refused(client, "list_stages", { project, after: "not-a-cursor" })).toMatch(/^BAD_USER_INPUT: /);
    expect(await refused(client, "deploy_release", { project, stage: "dev", build: "b9" })).toMatch(/^(NOT_FOUND|BAD_USER_INPUT): .*b9/);
    // The SDK checks the input schema before the tool runs.
    expect(await refused(client, "read_logs", { project, stage: "dev", component: "web", tail: 500 })).toMatch(/Input validation error/);

    // A Stage without a Release suspends at once; a second suspend is the state machine's refusal.
    expect(await call(client, "suspend_stage", { project, stage: "dev" })).toMatchObject({ stage: { state: "SUSPENDED" } });
    expect(await refused(client, "suspend_stage", { project, stage: "dev" })).toMatch(/^STATE_CONFLICT: Stage "dev" is SUSPENDED/);
    expect(await call(client, "resume_stage", { project, stage: "dev" })).toMatchObject({ stage: { state: "RUNNING" } });
    expect(await refused(client, "resume_stage", { project, stage: "dev" })).toMatch(/^STATE_CONFLICT: /);
  });

  it("the fleet's health across Projects; a PROD Stage backed up, suspended, restored (only with confirm) and resumed: examples/hello's count back", {
    timeout: 180_000,
  }, async ({ onTestFinished }) => {
    const project = await newProject([["live", "prod"]]);
    await pergola(["push", "build", "-p", project, "--dir", join(ROOT, "examples/hello")]);
    const visit = async () => /Visit number (\d+)\./.exec(await (await fetch(`${endpoint}/s/${project}/live/hello/`)).text())?.[1];
    const client = await connect(onTestFinished);
    const fleetStage = async (args: Record<string, unknown>) =>
      (await call(client, "fleet_health", args)).stages.find((s: { project: string }) => s.project === project);

    expect(await fleetStage({})).toMatchObject({ stage: "live", type: "PROD", state: "RUNNING", health: "UNKNOWN", outpost: null });
    const [build] = (await call(client, "list_builds", { project })).builds;
    expect(
      await call(client, "deploy_release", { project, stage: "live", build: build.name, confirm: true, waitSeconds: 50 }),
    ).toMatchObject({
      release: { state: "DEPLOYED" },
    });
    const fleet = await answer(client, "fleet_health", { health: ["HEALTHY"], type: "PROD" });
    expect(fleet.result.stages).toContainEqual(expect.objectContaining({ project, stage: "live", health: "HEALTHY" }));
    expect(fleet.result.total).toBeGreaterThanOrEqual(fleet.result.stages.length);
    expect(fleet.text).toContain(`${project}/live [PROD]: RUNNING, HEALTHY since`);
    expect(await fleetStage({ health: ["UNHEALTHY", "DEGRADED"] })).toBeUndefined();
    for (const n of ["1", "2"]) expect(await visit()).toBe(n);

    // A backup changes nothing of the Stage: no confirm, even on PROD.
    const { backup } = await call(client, "create_backup", { project, stage: "live", displayName: "two visits", waitSeconds: 50 });
    expect(backup).toMatchObject({ displayName: "two visits", state: "READY", storages: [{ name: "web/data", ready: true }] });
    expect(Number(backup.size)).toBeGreaterThan(0);
    expect(await visit()).toBe("3");

    // A restore replaces the storage: PROD asks first, and the Stage must be suspended.
    expect(await refused(client, "restore_backup", { project, stage: "live", backup: backup.id })).toMatch(/^CONFIRMATION_REQUIRED: /);
    expect(await refused(client, "restore_backup", { project, stage: "live", backup: backup.id, confirm: true })).toMatch(
      /^STATE_CONFLICT: .*not suspended/,
    );
    await call(client, "suspend_stage", { project, stage: "live", confirm: true, waitSeconds: 50 });
    const restored = await answer(client, "restore_backup", { project, stage: "live", backup: backup.id, confirm: true, waitSeconds: 50 });
    expect(restored.result.backup).toMatchObject({ id: backup.id, restoreState: "DONE", restoreMessage: null });
    expect(restored.text).toMatch(/resume_stage/);
    expect(await call(client, "resume_stage", { project, stage: "live", confirm: true, waitSeconds: 50 })).toMatchObject({
      stage: { state: "RUNNING" },
    });
    await withTimeout(
      (async () => {
        // RUNNING comes before the service answers again.
        for (;;) {
          const n = await visit().catch(() => undefined);
          if (n) return expect(n).toBe("3");
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })(),
      30_000,
      "hello never answered after the resume",
    );
    expect((await call(client, "list_backups", { project, stage: "live" })).backups).toEqual([
      expect.objectContaining({ id: backup.id, state: "READY", restoreState: "DONE" }),
    ]);
  });

  it("a Release that FAILS, and one still PENDING when waitSeconds runs out, are results, not tool errors", async ({ onTestFinished }) => {
    const project = await newProject([["dev", "dev"]]);
    const dockerOnly = mkdtempSync(join(work, "app-"));
    writeFileSync(join(dockerOnly, "pergola.yaml"), "version: v1\ncomponents:\n  - name: db\n    docker:\n      image: postgres:16\n");
    await pergola(["push", "build", "-p", project, "--dir", dockerOnly]);
    await pergola(["push", "build", "-p", project, "--dir", appDir("v1")]);
    // A PROD Stage on an Outpost whose agent never connects: its Release waits.
    const outpost = uniqueSlug("op");
    await pergola(["create", "outpost", outpost, "--id", outpost]);
    await pergola(["create", "stage", "far", "--type", "prod", "-p", project, "--outpost-uri", `outpost://${outpost}`]);
    const client = await connect(onTestFinished);

    expect(await call(client, "deploy_release", { project, stage: "dev", build: "b1", waitSeconds: 50 })).toMatchObject({
      release: { number: 1, state: "FAILED", message: expect.stringMatching(/docker/i) },
    });
    const pending = await answer(client, "deploy_release", { project, stage: "far", build: "b2", confirm: true, waitSeconds: 1 });
    expect(pending.result).toMatchObject({ release: { number: 1, state: "PENDING", build: { name: "b2" } } });
    expect(pending.text).toMatch(
      /: PENDING \(waiting for Outpost .*never connected\) — made, but not followed to its end: timed out after 1s/,
    );
    expect((await call(client, "get_stage", { project, stage: "far" })).stage).toMatchObject({
      type: "PROD",
      isOutpost: true,
      outpost: { outpost: { slug: outpost } },
      currentRelease: { number: 1, state: "PENDING" },
    });
  });

  it("uses the stored login: a read-only access key reads, and gets FORBIDDEN on a change; no login or a wrong key is a tool error", async ({
    onTestFinished,
  }) => {
    const project = await newProject([["dev", "dev"]]);
    const created = JSON.parse(await pergola(["create", "access-key", uniqueSlug("mcp-ro"), "--read-only", "-o", "json"]));
    const readOnlyHome = join(work, uniqueSlug("read-only"));
    await pergola(["login", "--endpoint", endpoint, "--access-key", created.token], { XDG_CONFIG_HOME: readOnlyHome });
    const [readOnly, nobody, wrongKey] = await Promise.all([
      connect(onTestFinished, { XDG_CONFIG_HOME: readOnlyHome }),
      connect(onTestFinished, { XDG_CONFIG_HOME: join(work, uniqueSlug("empty")) }),
      connect(onTestFinished, { PERGOLA_ACCESS_KEY: "pgl_wrong" }),
    ]);
    expect((await call(readOnly, "list_stages", { project })).stages).toHaveLength(1);
    expect(await refused(readOnly, "suspend_stage", { project, stage: "dev" })).toBe("FORBIDDEN: This access key is read-only");
    expect((await call(readOnly, "get_stage", { project, stage: "dev" })).stage.state).toBe("RUNNING");
    expect(await refused(nobody, "list_projects", {})).toMatch(/^no access key: run pergola login/);
    // PERGOLA_ACCESS_KEY overrides the saved login, as for every command.
    expect(await refused(wrongKey, "list_projects", {})).toMatch(
      /^UNAUTHENTICATED: Unknown, disabled or expired access key or session \(pergola mcp uses the login saved by pergola login/,
    );
  });

  it("writes nothing but the protocol on stdout, and exits 0 when its client closes stdin", async () => {
    const child = spawn(process.execPath, [CLI, "mcp"], { cwd: ROOT, env: cliEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let answered = () => {};
    child.stdout.on("data", (c: Buffer) => {
      stdout += c;
      if (stdout.includes('"id":2')) answered();
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const send = (message: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    send({
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    send({ method: "notifications/initialized" });
    send({ id: 2, method: "tools/call", params: { name: "list_projects", arguments: {} } });
    await withTimeout(new Promise<void>((resolve) => (answered = resolve)), 15_000, `no answer to tools/call\nstderr: ${stderr}`);
    child.stdin.end();
    expect(await withTimeout(exited, 15_000, `pergola mcp did not exit\nstderr: ${stderr}`)).toBe(0);
    const messages = stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(messages.map((m) => [m.jsonrpc, m.id])).toEqual([
      ["2.0", 1],
      ["2.0", 2],
    ]);
    expect(messages[1].result.structuredContent.projects).toEqual(expect.any(Array));
    expect(stderr).toContain(`pergola mcp: serving ${endpoint} over stdio`);
  });
});

/**
 * The agent's links gateway against the real process runtime: a small node HTTP + WebSocket
 * app in a temp dir, run by the Reconciler from a desired state handed to LinkStages (as the
 * Connection would), and the gateway on port 0. Waits are on the runtime's change events.
 */
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProcessRuntime, type ComponentStatus } from "@pergola/runtime";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startAgent } from "./agent.js";
import type { DesiredRelease, DesiredStage } from "./desired-state.js";
import { createGateway, type Gateway } from "./gateway.js";
import { LinkStages } from "./link-stages.js";
import { Reconciler } from "./reconciler.js";

const NODE = process.execPath;
const logger = pino({ level: "silent" });
// Each run its own Project: Components' loopback addresses derive from the Stage key.
const project = `links-${process.pid}-${Date.now().toString(36)}`;

const SERVER_JS = `
const http = require("http");
const { WebSocketServer } = require(${JSON.stringify(createRequire(import.meta.url).resolve("ws"))});
const server = http.createServer((req, res) =>
  res.end("app saw " + req.url + " (forwarded for " + (req.headers["x-forwarded-for"] ? "a client" : "nobody") + ")"));
new WebSocketServer({ server }).on("connection", (ws, req) => ws.on("message", (m) => ws.send("echo " + m + " at " + req.url)));
server.listen(Number(process.env.PORT), process.env.HOST);
process.on("SIGTERM", () => process.exit(0));
`;

// Port 8081 is declared but nobody listens there: the Component runs, the link cannot reach it.
const WEB = {
  name: "web",
  command: [NODE, "server.js"],
  ports: [8080, 8081],
  ingresses: [
    { host: "app", port: 8080 },
    { host: "deaf", port: 8081 },
  ],
  health: { http: { path: "/", port: 8080 }, interval: "1s", timeout: "1s" },
};
const CRASHING = { name: "web", command: [NODE, "-e", "process.exit(3)"], ports: [8080], ingresses: [{ host: "app", port: 8080 }] };

function createStage(slug: string, component: object, overrides: Partial<DesiredStage> = {}): DesiredStage {
  return {
    stageId: `id-${slug}`,
    key: `${project}/${slug}`,
    generation: 1,
    suspended: false,
    graceSeconds: 1,
    release: {
      id: `rel-${slug}`,
      manifest: { version: "v1", components: [component] },
      artifact: "ab".repeat(32),
      config: { env: {}, files: {} },
      controls: [],
    },
    ...overrides,
  };
}

let root: string;
let runtime: ProcessRuntime;
let reconciler: Reconciler;
let stages: LinkStages;
let gateway: Gateway;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "pergola-gateway-"));
  mkdirSync(join(root, "app"));
  writeFileSync(join(root, "app", "server.js"), SERVER_JS);
  // A long restart back-off keeps a crashed service STARTING for the whole test.
  runtime = new ProcessRuntime({
    dataDir: join(root, "runtime"),
    restart: { initialMs: 60_000, maxMs: 60_000, stableMs: 3000, crashLoopAfter: 3 },
  });
  reconciler = new Reconciler({
    runtime,
    logger,
    report: async () => ({ accepted: true, reason: null }),
    fetchRelease: async () => join(root, "app"),
  });
  stages = new LinkStages(reconciler, runtime);
  gateway = await createGateway({ publicUrl: "http://agent.example:8000", listen: { host: "127.0.0.1", port: 0 }, stages, logger });
});

afterAll(async () => {
  await gateway?.close();
  await reconciler?.close();
  await runtime?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Resolves with the first status of the Component that satisfies `predicate`, now or from a change event. */
function waitForComponent(key: string, predicate: (status: ComponentStatus) => boolean, timeoutMs = 20_000): Promise<ComponentStatus> {
  return new Promise((resolve, reject) => {
    const done = (status?: ComponentStatus) => {
      clearTimeout(timer);
      runtime.off("change", listener);
      if (status) resolve(status);
      else reject(new Error(`timed out; status of ${key}: ${JSON.stringify(runtime.status(key))}`));
    };
    const listener = (stageKey: string, status: ComponentStatus) => {
      if (stageKey === key && predicate(status)) done(status);
    };
    const timer = setTimeout(() => done(), timeoutMs);
    runtime.on("change", listener);
    const now = runtime.status(key).find(predicate);
    if (now) done(now);
  });
}

function get(path: string, host?: string, base = gateway.url): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    request({ host: url.hostname, port: url.port, path, agent: false, timeout: 10_000, headers: host ? { host } : {} }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    })
      .on("error", reject)
      .end();
  });
}

/** Opens a WebSocket through the gateway; resolves with the socket, or rejects with the status it was refused with. */
async function openSocket(path: string): Promise<WebSocket> {
  const ws = new WebSocket(`${gateway.url.replace("http", "ws")}${path}`);
  const refused = once(ws, "unexpected-response").then(([, res]) => {
    throw new Error(`refused with ${(res as { statusCode: number }).statusCode}`);
  });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no WebSocket within 5 s")), 5_000).unref());
  await Promise.race([once(ws, "open"), refused, timeout]);
  return ws;
}

describe("the agent's links gateway", () => {
  it("serves the Component over both link forms, HTTP and WebSocket", async () => {
    stages.applyFull([createStage("dev", WEB)]);
    await waitForComponent(`${project}/dev`, (s) => s.health === "HEALTHY");

    expect(await get(`/s/${project}/dev/app/hello?x=1`)).toEqual({ status: 200, body: "app saw /hello?x=1 (forwarded for a client)" });
    const port = new URL(gateway.url).port;
    expect(await get("/anything", `app.dev.${project}.localhost:${port}`)).toEqual({
      status: 200,
      body: "app saw /anything (forwarded for a client)",
    });

    const ws = await openSocket(`/s/${project}/dev/app/socket`);
    ws.send("ping");
    const [reply] = (await Promise.race([once(ws, "message"), once(ws, "close")])) as [Buffer];
    expect(String(reply)).toBe("echo ping at /socket");
    ws.close();

    const deaf = await get(`/s/${project}/dev/deaf/`);
    expect(deaf.status).toBe(502);
    expect(deaf.body).toContain("does not answer");
  });

  it("answers 404 for an unknown Stage, an unknown host and what is not a link", async () => {
    stages.applyChanges([createStage("known", WEB, { release: null })], []);
    for (const path of [`/s/${project}/nowhere/app/`, `/s/${project}/known/app/`, `/s/other-project/dev/app/`]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(response.body).toContain("No such link");
    }
    expect((await get(`/s/${project}/dev/nope/`)).status).toBe(404);
    expect((await get("/")).status).toBe(404);
    await expect(openSocket(`/s/${project}/nowhere/app/`)).rejects.toThrow("refused with 502");
  });

  it("answers 502 while the Component is not running", async () => {
    stages.applyChanges([createStage("broken", CRASHING)], []);
    await waitForComponent(`${project}/broken`, (s) => s.state === "STARTING" && s.pid === null);
    const response = await get(`/s/${project}/broken/app/`);
    expect(response.status).toBe(502);
    expect(response.body).toContain("Component not running");
    expect(response.body).toContain("is starting, not running");
    await expect(openSocket(`/s/${project}/broken/app/`)).rejects.toThrow("refused with 502");
  });

  it("answers 503 as soon as the Stage is suspended, and the Component again once resumed", async () => {
    stages.applyChanges([createStage("pause", WEB)], []);
    await waitForComponent(`${project}/pause`, (s) => s.health === "HEALTHY");
    expect((await get(`/s/${project}/pause/app/`)).status).toBe(200);

    stages.applyChanges([createStage("pause", WEB, { generation: 2, suspended: true })], []);
    const suspended = await get(`/s/${project}/pause/app/`);
    expect(suspended.status).toBe(503);
    expect(suspended.body).toContain(`The Stage “pause” of “${project}” is suspended.`);
    await expect(openSocket(`/s/${project}/pause/app/`)).rejects.toThrow("refused with 503");
    await waitForComponent(`${project}/pause`, (s) => s.state === "SUSPENDED");

    stages.applyChanges([createStage("pause", WEB, { generation: 3 })], []);
    await waitForComponent(`${project}/pause`, (s) => s.state === "RUNNING" && s.health === "HEALTHY");
    expect((await get(`/s/${project}/pause/app/again`)).body).toBe("app saw /again (forwarded for a client)");
  });

  it("answers 503 while the Component is stopped (stopComponent), and serves it again once started", async () => {
    const release = (controls: DesiredRelease["controls"]) => ({ ...createStage("held", WEB).release!, controls });
    stages.applyChanges([createStage("held", WEB)], []);
    await waitForComponent(`${project}/held`, (s) => s.health === "HEALTHY");
    stages.applyChanges(
      [createStage("held", WEB, { generation: 2, release: release([{ name: "web", stopped: true, restarts: 0, runs: 0 }]) })],
      [],
    );
    await waitForComponent(`${project}/held`, (s) => s.state === "STOPPED");
    const stopped = await get(`/s/${project}/held/app/`);
    expect(stopped.status).toBe(503);
    expect(stopped.body).toContain("is stopped. It answers again once it is started.");
    await expect(openSocket(`/s/${project}/held/app/`)).rejects.toThrow("refused with 503");

    stages.applyChanges(
      [createStage("held", WEB, { generation: 3, release: release([{ name: "web", stopped: false, restarts: 0, runs: 0 }]) })],
      [],
    );
    await waitForComponent(`${project}/held`, (s) => s.state === "RUNNING" && s.health === "HEALTHY");
    expect((await get(`/s/${project}/held/app/`)).status).toBe(200);
  });

  it("is served by startAgent with a public URL, refuses a taken port, and closes cleanly", async () => {
    const dataDir = join(root, "agent");
    // No API listens at the server URL: the agent keeps retrying, its gateway serves regardless.
    const agent = startAgent({
      server: "http://127.0.0.1:1",
      token: "pgl_test",
      publicUrl: "http://127.0.0.1:0",
      gatewayListen: { port: 0 },
      dataDir,
      logger,
    });
    const url = await agent.gatewayUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await get(`/s/${project}/dev/app/`, undefined, url)).status).toBe(404);

    const taken = createGateway({ publicUrl: url, stages, logger });
    await expect(taken).rejects.toThrow(/EADDRINUSE/);

    await agent.close();
    await expect(get("/", undefined, url)).rejects.toThrow(/ECONNREFUSED/);
  });
});

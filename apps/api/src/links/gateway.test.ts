/**
 * Shareable links through the gateway, to a real HTTP + WebSocket server the test starts (the
 * test also plays the agent, reporting the Component RUNNING at that address).
 */
import { once } from "node:events";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { generateToken } from "../auth/token.service.js";
import { uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, subscribe, withTimeout, type TestApi } from "../testing/harness.js";

const agentToken = generateToken();
let api: TestApi;
let app: Server;
let port: number;
const seen: string[] = [];

beforeAll(async () => {
  // Links under an operator's wildcard domain (PERGOLA_LINKS_DOMAIN); *.localhost keeps working.
  api = await startTestApi({ localAgentToken: agentToken, linksDomain: "apps.example.test" });
  app = createServer((req, res) => {
    seen.push(req.url!);
    res.end(`app saw ${req.url} (forwarded for ${req.headers["x-forwarded-for"] ? "a client" : "nobody"})`);
  });
  new WebSocketServer({ server: app }).on("connection", (ws) => ws.on("message", (m) => ws.send(`echo ${m}`)));
  app.listen(0, "127.0.0.1");
  await once(app, "listening");
  port = (app.address() as AddressInfo).port;
});
afterAll(async () => {
  await api?.close();
  app?.closeAllConnections();
  app?.close();
});

function get(path: string, host?: string): Promise<{ status: number; body: string }> {
  const base = new URL(api.server.url);
  return new Promise((resolve, reject) => {
    request({ host: base.hostname, port: base.port, path, headers: host ? { host } : {} }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    })
      .on("error", reject)
      .end();
  });
}

describe("shareable links", () => {
  it("serve the Component over both link forms, HTTP and WebSocket; 503 when suspended, 502 when down", async () => {
    const project = await createTestProject(api);
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV }) { slug } }`, { p: project });
    const manifest = { version: "v1", components: [{ name: "web", command: "node", ports: [port], ingresses: [{ host: "app", port }] }] };
    await api.ok(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
      i: { project, manifest, artifact: await uploadArtifact(api) },
    });
    const agent = subscribe(api.ws(agentToken), `subscription { desiredState { stages { stageId key generation release { id } } } }`, {});
    await api.ok(`mutation($p: String!) { deployRelease(input: { project: $p, stage: "dev", build: "b1" }) { id } }`, { p: project });
    let desired: any;
    do
      desired = (await agent.next()).desiredState.stages.find(
        (s: { key: string; release: unknown }) => s.key === `${project}/dev` && s.release,
      );
    while (!desired);
    // As an agent does: a report the API refuses for an older generation is sent again for the newer one.
    const report = async (state: string) => {
      for (;;) {
        const { reportStatus } = await api.ok(
          `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted reason } }`,
          {
            i: {
              stageId: desired.stageId,
              releaseId: desired.release.id,
              observedGeneration: desired.generation,
              components: [{ name: "web", kind: "SERVICE", state, health: "HEALTHY", restarts: 0, host: "127.0.0.1" }],
            },
          },
          agentToken,
        );
        if (reportStatus.accepted) return;
        expect(reportStatus.reason).toMatch(/older than the Stage's/);
        do
          desired =
            (await agent.next(10_000)).desiredState.stages.find(
              (s: { key: string; release: unknown }) => s.key === `${project}/dev` && s.release,
            ) ?? desired;
        while (!desired);
      }
    };

    expect((await get(`/s/${project}/dev/app/`)).status).toBe(502);
    await report("RUNNING");

    expect(await get(`/s/${project}/dev/app/hello?x=1`)).toEqual({ status: 200, body: "app saw /hello?x=1 (forwarded for a client)" });
    for (const domain of ["apps.example.test", "localhost"]) {
      expect(await get("/anything", `app.dev.${project}.${domain}:${new URL(api.server.url).port}`)).toEqual({
        status: 200,
        body: "app saw /anything (forwarded for a client)",
      });
    }
    // Another domain is not a link: the API answers it itself.
    expect((await get("/anything", `app.dev.${project}.elsewhere.test`)).body).not.toContain("app saw");
    expect((await get(`/s/${project}/dev/nope/`)).status).toBe(404);
    // The path is read once, normalized, and that is what the Component receives.
    expect(await get(`/s/${project}/dev/app/x/%2e%2e/hello?x=1`)).toEqual({
      status: 200,
      body: "app saw /hello?x=1 (forwarded for a client)",
    });
    expect((await get(`/s/${project}/dev/app/x%2f..%2fhello`)).status).toBe(400);
    expect((await get(`/s/${project}/dev/app/${"a".repeat(9000)}`)).status).toBe(414);
    expect((await get(`/s/${project}/dev/app/../nope/`)).status).toBe(404);

    const { stage } = await api.ok(`query($p: String!) { stage(project: $p, slug: "dev") { components { links } } }`, { p: project });
    expect(stage.components[0].links).toEqual([
      `${api.server.url}/s/${project}/dev/app/`,
      `http://app.dev.${project}.apps.example.test:${new URL(api.server.url).port}/`,
    ]);

    const ws = new WebSocket(`${api.server.wsUrl.replace("/graphql", "")}/s/${project}/dev/app/socket`);
    await withTimeout(once(ws, "open"), 5_000, "no WebSocket through the link");
    ws.send("ping");
    const [reply] = (await withTimeout(once(ws, "message"), 5_000, "no echo")) as [Buffer];
    expect(String(reply)).toBe("echo ping");
    ws.close();

    await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p: project });
    const suspended = await get(`/s/${project}/dev/app/`);
    expect(suspended.status).toBe(503);
    expect(suspended.body).toContain("is suspended");
    agent.close();
  });
});

/**
 * `npm start` as a user runs it (scripts/start.mjs: the API on embedded PGlite and the local
 * agent), and the quick start of the README: upload examples/hello, register a Build, set its
 * greeting, deploy, follow the link; change the config, see the drift, release it; suspend and
 * resume; stop, with no process left behind.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createClient } from "graphql-ws";
import { parse } from "yaml";
import { eventually, freshDatabaseOptions, subscribe } from "../apps/api/src/testing/harness.js";
import { ROOT as root, graphqlClient, spawnPergola, type PergolaProcess } from "./support/processes.js";

const dataDir = mkdtempSync(join(tmpdir(), "pergola-start-"));
let pergola: PergolaProcess;
let url: string;
let gql: ReturnType<typeof graphqlClient>["gql"];
// Preset, as automation would: on a shared PostgreSQL an admin already exists and no file is written.
const token = `pgl_${"t".repeat(8)}${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;

let database: Awaited<ReturnType<typeof freshDatabaseOptions>>;

beforeAll(async () => {
  // A database of its own: the local agent runs every local Stage it sees, other tests' too.
  database = await freshDatabaseOptions();
  pergola = await spawnPergola({
    dataDir,
    timeoutMs: 60_000,
    env: {
      PERGOLA_ADMIN_TOKEN: token,
      // In the suite's PostgreSQL run, `npm start` runs on PostgreSQL too.
      ...(database.options.url ? { DATABASE_URL: database.options.url } : {}),
    },
  });
  url = pergola.api;
  gql = graphqlClient(url, token).gql;
}, 90_000);

afterAll(async () => {
  await pergola?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  await database?.drop();
});

describe("npm start with the local agent", () => {
  it("deploys examples/hello, serves its link, follows config changes, suspends and resumes, stops clean", async () => {
    const client = createClient({
      url: `${url.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authToken: token },
      retryAttempts: 0,
    });
    const { createProject } = await gql(`mutation($n: String!) { createProject(input: { name: $n }) { slug cursor } }`, {
      n: `Hello ${Date.now()}`,
    });
    const p = createProject.slug;
    await gql(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV }) { slug } }`, { p });
    const components = subscribe(
      client,
      `subscription($p: String!, $a: String) { componentChanged(project: $p, stage: "dev", after: $a) { component { name state health } } }`,
      { p, a: createProject.cursor },
    );
    const stages = subscribe(client, `subscription($p: String!, $a: String) { stageChanged(project: $p, after: $a) { stage { state } } }`, {
      p,
      a: createProject.cursor,
    });
    const releases = subscribe(
      client,
      `subscription($p: String!, $a: String) { releaseChanged(project: $p, stage: "dev", after: $a) { release { number state } } }`,
      { p, a: createProject.cursor },
    );
    /** Waits for the web service to be RUNNING and HEALTHY (its HTTP probe answered). */
    const webHealthy = async () => {
      for (let web: { state: string; health: string } | undefined; !(web?.state === "RUNNING" && web.health === "HEALTHY"); ) {
        const { component } = (await components.next(60_000)).componentChanged;
        if (component.name === "web") web = component;
      }
    };

    const archive = join(dataDir, "hello.tar.gz");
    await create({ gzip: true, file: archive, cwd: join(root, "examples/hello"), portable: true }, ["."]);
    const upload = await fetch(`${url}/artifacts?project=${p}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: readFileSync(archive),
    });
    const { sha256 } = (await upload.json()) as { sha256: string };
    const manifest = parse(readFileSync(join(root, "examples/hello/pergola.yaml"), "utf8"));
    const { createBuild } = await gql(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
      i: { project: p, branch: "master", artifact: sha256, manifest },
    });
    expect(createBuild.name).toBe("master_b1");
    await gql(
      `mutation($p: String!) { addConfigData(input: { project: $p, stage: "dev", env: [{ name: "GREETING", value: "Hello from npm start" }] }) { version } }`,
      { p },
    );
    await gql(`mutation($p: String!) { deployRelease(input: { project: $p, stage: "dev", build: "master_b1" }) { number } }`, { p });

    await webHealthy();
    const STAGE = `query($p: String!) { stage(project: $p, slug: "dev") { state health configDrift currentRelease { state } components { name state host links } } }`;
    const { stage } = await gql(STAGE, { p });
    expect(stage).toMatchObject({ state: "RUNNING", health: "HEALTHY", currentRelease: { state: "DEPLOYED" } });
    const web = stage.components.find((c: { name: string }) => c.name === "web");
    const link = web.links[0];
    expect(link).toBe(`${url}/s/${p}/dev/hello/`);
    expect(await (await fetch(link)).text()).toContain("<h1>Hello from npm start</h1><p>Visit number 1.</p>");
    // The output of each Component reaches the API: the service's first line, the job's.
    const LOGS = `query($p: String!) { stage(project: $p, slug: "dev") { components { name logs(tail: 5) } } }`;
    const logs = await eventually(
      async () => {
        const list: { name: string; logs: string[] }[] = (await gql(LOGS, { p })).stage.components;
        const of = (name: string) => list.find((c) => c.name === name)?.logs.join("\n") ?? "";
        return of("web").includes("hello listening on") && of("migrate").includes("migrating for release") ? list : undefined;
      },
      10_000,
      "the Components' output did not reach the API",
    );
    expect(logs.find((c) => c.name === "web")!.logs.length).toBeLessThanOrEqual(5);

    await gql(
      `mutation($p: String!) { addConfigData(input: { project: $p, stage: "dev", env: [{ name: "GREETING", value: "Bonjour" }] }) { version } }`,
      { p },
    );
    expect((await gql(STAGE, { p })).stage.configDrift).toBe(true);
    expect(await (await fetch(link)).text()).toContain("Hello from npm start");
    await gql(`mutation($p: String!) { deployRelease(input: { project: $p, stage: "dev", config: "default" }) { number } }`, { p });
    while ((await releases.next(30_000)).releaseChanged.release.number !== 2);
    await webHealthy();
    expect(await (await fetch(link)).text()).toContain("<h1>Bonjour</h1><p>Visit number 3.</p>");

    await gql(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p });
    while ((await stages.next(30_000)).stageChanged.stage.state !== "SUSPENDED");
    const suspended = await fetch(link);
    expect(suspended.status).toBe(503);
    await gql(`mutation($p: String!) { resumeStage(project: $p, slug: "dev") { state } }`, { p });
    while ((await stages.next(30_000)).stageChanged.stage.state !== "RUNNING");
    await webHealthy();
    // Storage survived the new Release and the suspension: the count goes on (3 visits so far).
    expect(await (await fetch(link)).text()).toContain("<h1>Bonjour</h1><p>Visit number 4.</p>");
    for (const sub of [components, stages, releases]) sub.close();
    await client.dispose();

    expect((await pergola.stop()).code).toBe(0);
    // Everything stopped: the API is gone, and so is the service (on its own address).
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await expect(fetch(`http://${web.host}:8080/`)).rejects.toThrow();
  }, 120_000);
});

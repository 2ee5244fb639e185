/**
 * Two API replicas behind Debian's HAProxy with deploy/haproxy.cfg (round-robin, no sticky
 * sessions), on PostgreSQL. Through the balancer: sign-in, upload and Build on whichever replica,
 * a deploy to the agent connected through it, its logs and link, the dashboard (standalone, on
 * another origin: PERGOLA_ALLOWED_ORIGINS) live in Chromium, subscriptions. Then one replica is
 * SIGKILLed while 200 subscribers follow the Project's events and a writer keeps changing a Stage: every subscriber reconnects through the balancer and
 * resumes from its cursor with no gap and no duplicate, and every acknowledged change is seen.
 * A replica that gets SIGTERM answers 503 on /readyz and leaves the rotation before it closes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { generateToken } from "../apps/api/src/auth/token.service.js";
import { makeArchive } from "../apps/api/src/testing/archive.js";
import { SIMPLE_MANIFEST } from "../apps/api/src/testing/builds.js";
import { freshDatabaseOptions, uniqueSlug, withTimeout } from "../apps/api/src/testing/harness.js";
import { describeWithPostgres } from "../apps/api/src/testing/postgres-only.js";
import { freePort, requestApi, spawnApi, type ApiProcess } from "../apps/api/src/testing/process.js";
import { browserTestsEnabled, launchChromium } from "./e2e/support/browser.js";
import { signIn, UI_TIMEOUT } from "./e2e/support/page.js";
import { ROOT, spawnLogged, type Spawned } from "./support/processes.js";

const HAPROXY = existsSync("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy";
const SUBSCRIBERS = 200;
const token = generateToken();
/** The local Outpost's agent, which connects through the balancer like any remote one. */
const agentToken = generateToken();
const env: Record<string, string> = {
  PERGOLA_LOCAL_AGENT_TOKEN: agentToken,
  PERGOLA_ADMIN_TOKEN: token,
  // Replicas on one database need one key for secret Configuration values.
  PERGOLA_SECRET_KEY: randomBytes(32).toString("base64"),
  PERGOLA_DRAIN_SECONDS: "5",
};
let replicas: ApiProcess[] = [];
let fresh: Awaited<ReturnType<typeof freshDatabaseOptions>> | undefined;
/** The Project whose Stage "dev" the agent runs (deployed through the balancer). */
let deployed: { project: string; restarts: number; link: string } | undefined;
let agent: Spawned | undefined;
/** The dashboard's standalone server, its API the balancer. */
let dashboard: Spawned | undefined;
let dashboardUrl: string;
const agentDir = mkdtempSync(join(tmpdir(), "pergola-lb-agent-"));
/** Each replica's port, fixed: HAProxy's configuration names them, and a replica comes back on its own. */
let ports: number[] = [];
let haproxy: ChildProcess | undefined;
let lb: string;

/** The replicas that answer through the balancer, by X-Pergola-Server, over `requests` requests. */
async function servers(requests: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < requests; i++) {
    const response = await fetch(`${lb}/healthz`);
    if (response.status === 200) seen.add(response.headers.get("x-pergola-server") ?? "?");
  }
  return seen;
}

const SERVER_JS = `
require("node:http").createServer((req, res) => res.end("hello through the balancer")).listen(Number(process.env.PORT), process.env.HOST, () => console.log("listening"));
process.on("SIGTERM", () => process.exit(0));
`;
const WEB_MANIFEST = {
  version: "v1",
  components: [
    {
      name: "web",
      command: [process.execPath, "server.js"],
      ports: [8080],
      ingresses: [{ host: "web", port: 8080 }],
      health: { http: { path: "/", port: 8080 }, interval: "1s", timeout: "1s" },
    },
  ],
};

type StageView = {
  state: string;
  health: string;
  currentRelease: { number: number; state: string } | null;
  components: { state: string; health: string; links: string[]; restarts: number }[];
};

/** The Stage once its Release is DEPLOYED and its Component healthy, asked through the balancer. */
async function runningStage(project: string): Promise<StageView> {
  for (;;) {
    const { stage } = await gql<{ stage: StageView }>(
      `query($p: String!) { stage(project: $p, slug: "dev") { state health currentRelease { number state } components { state health links restarts } } }`,
      { p: project },
    );
    if (stage.currentRelease?.state === "DEPLOYED" && stage.components[0]?.health === "HEALTHY") return stage;
  }
}

async function stageIn(project: string, state: string): Promise<void> {
  for (;;) {
    const { stage } = await gql<{ stage: { state: string } }>(`query($p: String!) { stage(project: $p, slug: "dev") { state } }`, {
      p: project,
    });
    if (stage.state === state) return;
  }
}

/** Settles once exactly `names` answer through the balancer. */
async function inRotation(names: string[]): Promise<void> {
  for (;;) {
    const seen = await servers(4).catch(() => new Set<string>());
    if (seen.size === names.length && names.every((n) => seen.has(n))) return;
  }
}

/** A GraphQL request through the balancer. */
const gql = <T = any>(query: string, variables: Record<string, unknown> = {}, bearer = token) =>
  requestApi<T>({ graphqlUrl: `${lb}/graphql` }, bearer, query, variables);

describeWithPostgres("two API replicas behind HAProxy", () => {
  beforeAll(async () => {
    // A database of its own: its agent runs the built-in local Outpost's Stages, and another
    // test's agent on the shared database would run them too.
    fresh = await freshDatabaseOptions();
    env.DATABASE_URL = fresh.options.url!;
    ports = [await freePort(), await freePort()];
    const port = await freePort();
    lb = `http://127.0.0.1:${port}`;
    // What users and agents are told: the balancer's address, not a replica's.
    env.PERGOLA_PUBLIC_URL = lb;
    // The dashboard's pages come from another origin than the API's: their sockets must be let in.
    const dashboardPort = await freePort();
    dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
    env.PERGOLA_ALLOWED_ORIGINS = dashboardUrl;
    replicas = await Promise.all(ports.map((port) => spawnApi({ ...env, PORT: String(port) })));
    haproxy = spawn(HAPROXY, ["-f", join(ROOT, "deploy/haproxy.cfg"), "-db"], {
      env: {
        PATH: process.env.PATH ?? "",
        PERGOLA_LB_BIND: `127.0.0.1:${port}`,
        PERGOLA_API_1: `127.0.0.1:${ports[0]}`,
        PERGOLA_API_2: `127.0.0.1:${ports[1]}`,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let errors = "";
    haproxy.stderr!.on("data", (chunk) => (errors += chunk));
    const exited = new Promise<never>((_, reject) =>
      haproxy!.once("exit", (code) => reject(new Error(`haproxy exited (${code}): ${errors}`))),
    );
    // Both replicas in rotation: round-robin answers from each.
    await withTimeout(Promise.race([exited, inRotation(["api1", "api2"])]), 15_000, "HAProxy did not bring both replicas into rotation");
    dashboard = spawnLogged(process.execPath, [join(ROOT, "apps/dashboard/.next/standalone/apps/dashboard/server.js")], {
      PATH: process.env.PATH ?? "",
      PORT: String(dashboardPort),
      HOSTNAME: "127.0.0.1",
      PERGOLA_API_URL: lb,
      NEXT_TELEMETRY_DISABLED: "1",
    });
    await dashboard.waitFor(/Ready/, 30_000, "the dashboard's standalone server to start");
    agent = spawnLogged(process.execPath, [join(ROOT, "apps/agent/dist/cli.js"), "--server", lb, "--data-dir", agentDir], {
      PATH: process.env.PATH ?? "",
      PERGOLA_AGENT_TOKEN: agentToken,
      LOG_LEVEL: "warn",
    });
  }, 60_000);
  afterAll(async () => {
    await dashboard?.stop();
    await agent?.stop();
    rmSync(agentDir, { recursive: true, force: true });
    if (haproxy && haproxy.exitCode === null) {
      const exited = new Promise((resolve) => haproxy!.once("exit", resolve));
      haproxy.kill("SIGTERM");
      await exited;
    }
    await Promise.all(replicas.map((r) => r.stop()));
    await fresh?.drop();
  });

  it("signs in, uploads, builds and serves through the balancer, whichever replica answers", async () => {
    expect(await servers(6)).toEqual(new Set(["api1", "api2"]));
    const email = `${uniqueSlug("u")}@example.com`;
    const password = randomBytes(12).toString("base64url");
    await gql(`mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`, {
      i: { email, name: "Team member", password, isAdmin: true },
    });
    const { signIn } = await gql(`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, {
      e: email,
      p: password,
    });
    const project = uniqueSlug("p");
    await gql(
      `mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }`,
      { i: { name: project, slug: project } },
      signIn.token,
    );
    // Upload through one replica, build and download through whichever comes next, several times.
    for (let i = 0; i < 4; i++) {
      const upload = await fetch(`${lb}/artifacts?project=${project}`, {
        method: "POST",
        headers: { authorization: `Bearer ${signIn.token}` },
        body: await makeArchive({ "server.js": `build ${i} of ${project}` }),
      });
      expect(upload.status).toBe(201);
      const { sha256 } = (await upload.json()) as { sha256: string };
      const { createBuild } = await gql(
        `mutation($i: CreateBuildInput!) { createBuild(input: $i) { name artifact { sha256 } } }`,
        { i: { project, manifest: SIMPLE_MANIFEST, artifact: sha256 } },
        signIn.token,
      );
      expect(createBuild.artifact.sha256).toBe(sha256);
      const download = await fetch(`${lb}/artifacts/${sha256}`, { headers: { authorization: `Bearer ${signIn.token}` } });
      expect(download.status).toBe(200);
    }
  });

  it("deploys through the balancer to the agent connected through it: the Stage runs, its logs and its link answer", async () => {
    const project = uniqueSlug("p");
    await gql(`mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }`, { i: { name: project, slug: project } });
    await gql(`mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, { i: { project, name: "dev", type: "DEV" } });
    const upload = await fetch(`${lb}/artifacts?project=${project}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: await makeArchive({ "server.js": SERVER_JS }),
    });
    const { sha256 } = (await upload.json()) as { sha256: string };
    const { createBuild } = await gql(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
      i: { project, manifest: WEB_MANIFEST, artifact: sha256 },
    });
    await gql(`mutation($i: DeployReleaseInput!) { deployRelease(input: $i) { number } }`, {
      i: { project, stage: "dev", build: createBuild.name },
    });
    const stage = await withTimeout(runningStage(project), 60_000, "the Stage did not run its Release through the balancer");
    expect(stage.currentRelease).toMatchObject({ number: 1, state: "DEPLOYED" });
    expect(stage.components[0]).toMatchObject({ state: "RUNNING", health: "HEALTHY" });
    const link = stage.components[0]!.links.find((l: string) => l.includes("/s/"))!;
    // The link names the balancer (PERGOLA_PUBLIC_URL), and answers on whichever replica it picks.
    expect(link.startsWith(`${lb}/s/`)).toBe(true);
    deployed = { project, restarts: stage.components[0]!.restarts, link };
    const linked = await fetch(link);
    expect(await linked.text()).toBe("hello through the balancer");
    const logged = await withTimeout(
      (async () => {
        for (;;) {
          const { stage: s } = await gql(`query($p: String!) { stage(project: $p, slug: "dev") { components { logs(tail: 5) } } }`, {
            p: project,
          });
          if (s.components[0].logs.some((line: string) => line.includes("listening"))) return true;
        }
      })(),
      20_000,
      "the Component's log line did not reach the API",
    );
    expect(logged).toBe(true);
  });

  it.runIf(browserTestsEnabled())("serves the dashboard through the balancer: sign-in, the Stage the agent runs, live", async () => {
    const chromium = await launchChromium();
    try {
      const page = await (await chromium.newContext()).newPage();
      await signIn(page, dashboardUrl, token);
      // Straight to the Project: the shared database's Project list runs to many pages.
      await page.goto(`${dashboardUrl}/projects/${deployed!.project}`);
      const row = page.getByRole("row").filter({ hasText: "dev" });
      await row.getByText("RUNNING").waitFor({ timeout: UI_TIMEOUT });
      await row.getByText("DEPLOYED").waitFor({ timeout: UI_TIMEOUT });
      // Live through the balancer's WebSocket: a change made through the API shows without reload.
      await gql(`mutation($p: String!) { updateStage(input: { project: $p, slug: "dev", name: "renamed-through-lb" }) { name } }`, {
        p: deployed!.project,
      });
      await page.getByText("renamed-through-lb").waitFor({ timeout: UI_TIMEOUT });
    } finally {
      await chromium.close();
    }
  });

  it("takes a draining replica out of rotation before it closes, and back in when it returns", async () => {
    const draining = replicas[1]!;
    const exited = new Promise((resolve) => draining.child.once("exit", resolve));
    draining.child.kill("SIGTERM");
    // /readyz answers 503 at once: the balancer stops sending it work while it still serves.
    await withTimeout(inRotation(["api1"]), 4_000, "the draining replica stayed in rotation");
    expect(draining.child.exitCode).toBeNull();
    await withTimeout(exited, 15_000, "the draining replica did not exit");
    replicas[1] = await spawnApi({ ...env, PORT: String(ports[1]) });
    await withTimeout(inRotation(["api1", "api2"]), 10_000, "the replica did not come back into rotation");
  });

  it("keeps 200 subscribers whole when a replica is SIGKILLed: they resume from their cursors, no gap, no duplicate, no acknowledged change lost", async () => {
    const project = uniqueSlug("p");
    const { createProject } = await gql(`mutation($i: CreateProjectInput!) { createProject(input: $i) { cursor } }`, {
      i: { name: project, slug: project },
    });
    await gql(`mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, { i: { project, name: "web", type: "DEV" } });

    // Each subscriber follows the Project's events from its last cursor, reconnecting (through the
    // balancer) whenever its socket ends, as the dashboard and CLI do.
    type Follower = { cursors: bigint[]; names: string[]; reconnects: number; stop(): void; done?: Promise<void> };
    const follow = (): Follower => {
      let last = createProject.cursor as string;
      let stopped = false;
      let client: ReturnType<typeof createClient> | undefined;
      const follower: Follower = {
        cursors: [],
        names: [],
        reconnects: -1,
        stop() {
          stopped = true;
          void client?.dispose();
        },
      };
      const run = async () => {
        while (!stopped) {
          follower.reconnects++;
          client = createClient({
            url: `${lb.replace("http", "ws")}/graphql`,
            webSocketImpl: WebSocket,
            connectionParams: { authToken: token },
            retryAttempts: 0,
            lazy: true,
          });
          await new Promise<void>((resolve) => {
            client!.subscribe<{ events: { cursor: string; subject: { name?: string } | null } }>(
              {
                query: `subscription($p: String!, $after: String) { events(project: $p, after: $after) { cursor subject { ... on StageSnapshot { name } } } }`,
                variables: { p: project, after: last },
              },
              {
                next: ({ data }) => {
                  if (!data) return;
                  last = data.events.cursor;
                  follower.cursors.push(BigInt(last));
                  if (data.events.subject?.name) follower.names.push(data.events.subject.name);
                },
                error: () => resolve(),
                complete: () => resolve(),
              },
            );
          });
          await client.dispose();
        }
      };
      follower.done = run();
      return follower;
    };
    const followers = Array.from({ length: SUBSCRIBERS }, follow);

    // A writer that counts only what was acknowledged; a change refused while the replica dies
    // (its connection cut) is not acknowledged and is not counted.
    const acknowledged: string[] = [];
    let writing = true;
    let attempt = 0;
    const writer = (async () => {
      while (writing) {
        const name = `n${attempt++}`;
        try {
          await gql(`mutation($i: UpdateStageInput!) { updateStage(input: $i) { name } }`, { i: { project, slug: "web", name } });
          acknowledged.push(name);
        } catch {
          // not acknowledged
        }
      }
    })();
    const seenByAll = (count: number) =>
      (async () => {
        while (acknowledged.length < count || !followers.every((f) => acknowledged.slice(0, count).every((n) => f.names.includes(n)))) {
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
    await withTimeout(seenByAll(20), 30_000, "the subscribers did not see the first 20 changes");

    // The agent's socket is on api1 now: while api2 drained (the test before), any socket on it was
    // closed and came back through the balancer to api1. So this kill makes the agent reconnect too.
    const victim = replicas[0]!;
    const killed = new Promise((resolve) => victim.child.once("exit", resolve));
    victim.child.kill("SIGKILL");
    await killed;
    const afterKill = acknowledged.length;
    await withTimeout(seenByAll(afterKill + 30), 60_000, "the subscribers did not all see 30 more changes after the kill");
    writing = false;
    await writer;
    await withTimeout(seenByAll(acknowledged.length), 30_000, "the subscribers did not all see the last changes");
    for (const f of followers) f.stop();
    await Promise.all(followers.map((f) => f.done));

    expect(followers.reduce((n, f) => n + f.reconnects, 0)).toBeGreaterThan(0);
    if (process.env.PERGOLA_TEST_FIGURES) {
      console.info(
        `haproxy kill: ${followers.reduce((n, f) => n + f.reconnects, 0)} reconnects of ${SUBSCRIBERS} subscribers, ${acknowledged.length} acknowledged changes of ${attempt} tried, ${followers[0]!.cursors.length} events each`,
      );
    }
    for (const f of followers) {
      // Contiguous cursors: no gap, no duplicate.
      f.cursors.forEach((cursor, i) => {
        if (i > 0) expect(cursor).toBe(f.cursors[i - 1]! + 1n);
      });
      for (const name of acknowledged) expect(f.names).toContain(name);
    }
    // The replica that is left answers everything now.
    expect(await servers(4)).toEqual(new Set(["api2"]));
    // The Stage the agent runs stayed as it was: the same Release, not restarted, its link answering.
    const stage = await runningStage(deployed!.project);
    expect(stage.currentRelease).toMatchObject({ number: 1, state: "DEPLOYED" });
    expect(stage.components[0]!.restarts).toBe(deployed!.restarts);
    expect(await (await fetch(deployed!.link)).text()).toBe("hello through the balancer");
    // And its agent is connected again, through the balancer: it carries out a suspend and a resume.
    const p = deployed!.project;
    await gql(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p });
    await withTimeout(stageIn(p, "SUSPENDED"), 30_000, "the agent did not suspend the Stage after the kill");
    await gql(`mutation($p: String!) { resumeStage(project: $p, slug: "dev") { state } }`, { p });
    expect((await withTimeout(runningStage(p), 60_000, "the agent did not resume the Stage after the kill")).currentRelease!.number).toBe(
      1,
    );
  }, 180_000);
});

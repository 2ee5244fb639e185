/**
 * `npm start` as a user or a supervisor runs it: SIGTERM or SIGINT to the npm process itself
 * (not to the script behind it) stops the API, the local agent, the dashboard and the
 * Components: npm exits 0, every port is released, no process is left. And a taken port is
 * said in one line naming the variable that picks another (PORT, DASHBOARD_PORT), exit 1.
 */
import { execSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createClient } from "graphql-ws";
import { parse } from "yaml";
import { freshDatabaseOptions, subscribe, withTimeout } from "../apps/api/src/testing/harness.js";
import { ROOT as root, alive, descendants, freePort, graphqlClient, spawnLogged, spawnPergola, type Spawned } from "./support/processes.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Whether something accepts connections on host:port. */
function listening(host: string, port: number): Promise<boolean> {
  return fetch(`http://${host}:${port}/`, { signal: AbortSignal.timeout(5_000) }).then(
    () => true,
    () => false,
  );
}

/** A fresh data dir and database; `env` for what is run in them, removed after the file. */
async function fresh(): Promise<Record<string, string>> {
  const database = await freshDatabaseOptions();
  const dataDir = mkdtempSync(join(tmpdir(), "pergola-npm-start-"));
  cleanups.push(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  });
  return {
    HOME: process.env.HOME ?? dataDir,
    PERGOLA_DATA_DIR: dataDir,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    ...(database.options.url ? { DATABASE_URL: database.options.url } : {}),
  };
}

/** `command args` in a fresh data dir and database, with its whole tree killed after the file. */
async function start(command: string, args: string[], env: Record<string, string>): Promise<Spawned> {
  const run = spawnLogged(command, args, { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn", ...(await fresh()), ...env });
  cleanups.push(() => run.kill());
  return run;
}

/** Deploys examples/hello on a new Project's Stage "dev" and resolves once its web Component runs and answers its probe. */
async function deployHello(api: string, token: string): Promise<void> {
  const { gql } = graphqlClient(api, token);
  const { createProject } = await gql(`mutation { createProject(input: { name: "Signals" }) { slug cursor } }`);
  const p = createProject.slug;
  await gql(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV }) { slug } }`, { p });
  const client = createClient({
    url: `${api.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authToken: token },
    retryAttempts: 0,
  });
  try {
    const components = subscribe(
      client,
      `subscription($p: String!, $a: String) { componentChanged(project: $p, stage: "dev", after: $a) { component { name state health } } }`,
      { p, a: createProject.cursor },
    );
    const dir = mkdtempSync(join(tmpdir(), "pergola-hello-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const archive = join(dir, "hello.tar.gz");
    await create({ gzip: true, file: archive, cwd: join(root, "examples/hello"), portable: true }, ["."]);
    const upload = await fetch(`${api}/artifacts?project=${p}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: readFileSync(archive),
    });
    const { sha256 } = (await upload.json()) as { sha256: string };
    const manifest = parse(readFileSync(join(root, "examples/hello/pergola.yaml"), "utf8"));
    const { createBuild } = await gql(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
      i: { project: p, branch: "master", artifact: sha256, manifest },
    });
    await gql(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "dev", build: $b }) { number } }`, {
      p,
      b: createBuild.name,
    });
    for (;;) {
      const { component } = (await components.next(60_000)).componentChanged;
      if (component.name === "web" && component.state === "RUNNING" && component.health === "HEALTHY") break;
    }
    components.close();
  } finally {
    await client.dispose();
  }
}

describe("npm start", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`stops everything, Components included, on ${signal} to the npm process`, async () => {
      const [apiPort, dashboardPort] = [await freePort(), await freePort()];
      const token = `pgl_sig${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
      // `--no-build`: the suite has built already; a build here would rewrite dist/ under other tests.
      const env = await fresh();
      const run = await spawnPergola({
        npm: true,
        args: ["--no-build"],
        dashboard: true,
        dataDir: env.PERGOLA_DATA_DIR!,
        env: { ...env, PORT: String(apiPort), DASHBOARD_PORT: String(dashboardPort), PERGOLA_ADMIN_TOKEN: token },
      });
      cleanups.push(() => run.kill());
      const api = `http://127.0.0.1:${apiPort}`;
      await deployHello(api, token);
      const tree = descendants(run.child.pid!);
      const commands = tree.map((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim());
      expect(
        commands.filter((c) => /\bserver\.js\b/.test(c)).length,
        `the web Component's process among\n${commands.join("\n")}\n${execSync('ps -eo pid,ppid,user,cmd | grep -v grep | grep -E "server.js|agent"').toString()}`,
      ).toBeGreaterThan(0);
      expect(await listening("127.0.0.1", apiPort)).toBe(true);
      expect(await listening("127.0.0.1", dashboardPort)).toBe(true);

      run.child.kill(signal);
      const { code } = await withTimeout(run.exited, 45_000, `npm start did not stop within 45 s of ${signal}:\n${run.output()}`);
      expect(code, run.output().slice(-3000)).toBe(0);
      expect(tree.filter(alive), "processes left behind").toEqual([]);
      expect(await listening("127.0.0.1", apiPort)).toBe(false);
      expect(await listening("127.0.0.1", dashboardPort)).toBe(false);
    }, 240_000);
  }

  describe("with a port taken", () => {
    let taken: Server;
    let port: number;
    afterAll(() => new Promise<void>((resolve) => (taken ? taken.close(() => resolve()) : resolve())));

    it("says which variable picks another, in one line, and exits 1", async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
      port = (taken.address() as { port: number }).port;
      const free = await freePort();
      for (const [variable, env] of [
        ["PORT", { PORT: String(port), DASHBOARD_PORT: String(free) }],
        ["DASHBOARD_PORT", { PORT: String(free), DASHBOARD_PORT: String(port) }],
      ] as const) {
        const run = await start(process.execPath, ["scripts/start.mjs"], env);
        const { code } = await withTimeout(run.exited, 30_000, `start.mjs did not exit:\n${run.output()}`);
        expect(code).toBe(1);
        expect(run.output().trim().split("\n")).toEqual([
          `Port ${port} on 127.0.0.1 (the ${variable === "PORT" ? "API's" : "dashboard's"}) is already in use: set ${variable} to pick another, e.g. ${variable}=${port + 1} npm start`,
        ]);
      }
    });

    it("the API alone (npm start -w @pergola/api) says the same of PORT", async () => {
      const run = await start(process.execPath, ["apps/api/dist/index.js"], { PORT: String(port) });
      const { code } = await withTimeout(run.exited, 60_000, `the API did not exit:\n${run.output()}`);
      expect(code).toBe(1);
      expect(run.output().trim().split("\n")).toEqual([
        `Port ${port} on 127.0.0.1 is already in use: set PORT to pick another (e.g. PORT=4001 npm start).`,
      ]);
    });
  });
});

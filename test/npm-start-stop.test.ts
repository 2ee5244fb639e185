/**
 * `npm start` as a user or a supervisor runs it: SIGTERM or SIGINT to the npm process itself
 * (not to the script behind it) stops the API, the local agent, the dashboard and the
 * Components: npm exits 0, every port is released, no process is left. And a taken port is
 * said in one line naming the variable that picks another (PORT, DASHBOARD_PORT), exit 1.
 */
import { execSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "tar";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createClient } from "graphql-ws";
import { parse } from "yaml";
import { freshDatabaseOptions, subscribe, withTimeout } from "../apps/api/src/testing/harness.js";
import { freePort } from "./e2e/support/pergola.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Every live descendant of `pid`, from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Whether something accepts connections on host:port. */
function listening(host: string, port: number): Promise<boolean> {
  return fetch(`http://${host}:${port}/`, { signal: AbortSignal.timeout(5_000) }).then(
    () => true,
    () => false,
  );
}

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function start(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  const database = await freshDatabaseOptions();
  const dataDir = mkdtempSync(join(tmpdir(), "pergola-npm-start-"));
  cleanups.push(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  });
  const child = spawn(command, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? dataDir,
      PERGOLA_DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      ...(database.options.url ? { DATABASE_URL: database.options.url } : {}),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // Each one and its process group (a Component is a group of its own).
      for (const pid of descendants(child.pid!)) {
        for (const target of [-pid, pid]) {
          try {
            process.kill(target, "SIGKILL");
          } catch {
            // gone, or not a group leader
          }
        }
      }
      child.kill("SIGKILL");
      await exited;
    }
  });
  return { child, output: () => output, exited };
}

function waitFor(run: Run, pattern: RegExp, ms: number, what: string): Promise<RegExpExecArray> {
  return withTimeout(
    new Promise<RegExpExecArray>((resolve, reject) => {
      const look = () => {
        const match = pattern.exec(run.output());
        if (match) resolve(match);
      };
      run.child.stdout!.on("data", look);
      look();
      void run.exited.then(({ code }) => reject(new Error(`exited with ${code} before ${what}:\n${run.output()}`)));
    }),
    ms,
    `${what} did not happen:\n${run.output()}`,
  );
}

/** Deploys examples/hello on a new Project's Stage "dev" and resolves once its web Component runs and answers its probe. */
async function deployHello(api: string, token: string): Promise<void> {
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${api}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const { createProject } = await gql(`mutation { createProject(input: { name: "Signals" }) { slug cursor } }`);
  const p = createProject.slug;
  await gql(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV }) { slug } }`, { p });
  const client = createClient({ url: `${api.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, connectionParams: { authToken: token }, retryAttempts: 0 });
  try {
    const components = subscribe(client, `subscription($p: String!, $a: String) { componentChanged(project: $p, stage: "dev", after: $a) { component { name state health } } }`, { p, a: createProject.cursor });
    const dir = mkdtempSync(join(tmpdir(), "pergola-hello-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const archive = join(dir, "hello.tar.gz");
    await create({ gzip: true, file: archive, cwd: join(root, "examples/hello"), portable: true }, ["."]);
    const upload = await fetch(`${api}/artifacts?project=${p}`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: readFileSync(archive) });
    const { sha256 } = (await upload.json()) as { sha256: string };
    const manifest = parse(readFileSync(join(root, "examples/hello/pergola.yaml"), "utf8"));
    const { createBuild } = await gql(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, { i: { project: p, branch: "master", artifact: sha256, manifest } });
    await gql(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "dev", build: $b }) { number } }`, { p, b: createBuild.name });
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
      const run = await start("npm", ["start", "--", "--no-build"], { PORT: String(apiPort), DASHBOARD_PORT: String(dashboardPort), PERGOLA_ADMIN_TOKEN: token });
      await waitFor(run, /Dashboard\s+http:\/\/\S+/, 90_000, "the dashboard's line");
      const api = `http://127.0.0.1:${apiPort}`;
      await deployHello(api, token);
      const tree = descendants(run.child.pid!);
      const commands = tree.map((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim());
      expect(commands.filter((c) => /\bserver\.js\b/.test(c)).length, `the web Component's process among\n${commands.join("\n")}\n${execSync("ps -eo pid,ppid,user,cmd | grep -v grep | grep -E \"server.js|agent\"").toString()}`).toBeGreaterThan(0);
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
      expect(run.output().trim().split("\n")).toEqual([`Port ${port} on 127.0.0.1 is already in use: set PORT to pick another (e.g. PORT=4001 npm start).`]);
    });
  });
});

/**
 * Pergola as `npm start` runs it (scripts/start.mjs: the API, the local agent and the
 * dashboard), for the browser tests: a fresh data dir, free ports, a preset admin token and, in
 * the suite's PostgreSQL run, a database of its own (the local agent runs every local Stage it
 * sees, other tests' too). `stop()` ends it with SIGTERM, as Ctrl-C would, and checks that no
 * process it started is left.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "tar";
import { parse } from "yaml";
import { freshDatabaseOptions, withTimeout } from "../../../apps/api/src/testing/harness.js";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export interface Pergola {
  /** The API's base URL (no path): `<api>/graphql`, `<api>/artifacts`. */
  api: string;
  /** The dashboard's base URL. */
  dashboard: string;
  /** The preset admin token. */
  token: string;
  dataDir: string;
  /** Everything start.mjs and its children printed so far (for failure messages). */
  output(): string;
  /** Makes a change through the API (not the page); throws on GraphQL errors. */
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Like gql, but returns the errors instead of throwing. */
  gqlRaw(query: string, variables?: Record<string, unknown>): Promise<{ data?: any; errors?: { message: string; extensions?: any }[] }>;
  /** Uploads examples/hello as an artifact and registers it as a Build of `project`; returns the Build's name. */
  createHelloBuild(project: string): Promise<string>;
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Every live descendant of `pid` (from /proc), so that stop() can check none outlives it. */
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
    // A zombie is dead for our purposes.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** `env`: more environment for npm start (PERGOLA_OIDC_* for SSO). */
export async function startPergola(options: { env?: Record<string, string> } = {}): Promise<Pergola> {
  const database = await freshDatabaseOptions();
  const dataDir = mkdtempSync(join(tmpdir(), "pergola-e2e-"));
  const token = `pgl_e2e${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  const dashboardPort = await freePort();
  const child: ChildProcess = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? dataDir,
      PERGOLA_DATA_DIR: dataDir,
      PORT: "0",
      DASHBOARD_PORT: String(dashboardPort),
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PERGOLA_ADMIN_TOKEN: token,
      // In the suite's PostgreSQL run, `npm start` runs on PostgreSQL too.
      ...(database.options.url ? { DATABASE_URL: database.options.url } : {}),
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const cleanup = async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  };

  let urls: { api: string; dashboard: string };
  try {
    urls = await withTimeout(
      new Promise<{ api: string; dashboard: string }>((resolve, reject) => {
        const look = () => {
          const api = /Pergola API\s+(http:\/\/\S+?)\/graphql/.exec(output)?.[1];
          const dashboard = /Dashboard\s+(http:\/\/\S+?)\/?(\s|$)/.exec(output)?.[1];
          if (api && dashboard) resolve({ api, dashboard });
        };
        child.stdout!.on("data", look);
        void exited.then((code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
      }),
      90_000,
      "npm start did not print the API's and the dashboard's URLs",
    );
  } catch (error) {
    child.kill("SIGTERM");
    await exited;
    await cleanup();
    throw new Error(`${(error as Error).message}\n--- npm start output ---\n${output}`);
  }

  const gqlRaw: Pergola["gqlRaw"] = async (query, variables = {}) => {
    const res = await fetch(`${urls.api}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: any; errors?: { message: string; extensions?: any }[] };
  };
  const gql: Pergola["gql"] = async (query, variables) => {
    const body = await gqlRaw(query, variables);
    if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
    return body.data;
  };

  let stopping: Promise<void> | undefined;
  return {
    ...urls,
    token,
    dataDir,
    output: () => output,
    gql,
    gqlRaw,
    async createHelloBuild(project) {
      const archive = join(dataDir, `hello-${Date.now()}.tar.gz`);
      await create({ gzip: true, file: archive, cwd: join(ROOT, "examples/hello"), portable: true }, ["."]);
      const upload = await fetch(`${urls.api}/artifacts?project=${encodeURIComponent(project)}`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: readFileSync(archive) });
      if (!upload.ok) throw new Error(`POST /artifacts: ${upload.status} ${await upload.text()}`);
      const { sha256 } = (await upload.json()) as { sha256: string };
      const manifest = parse(readFileSync(join(ROOT, "examples/hello/pergola.yaml"), "utf8"));
      const { createBuild } = await gql(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
        i: { project, branch: "master", artifact: sha256, manifest },
      });
      return createBuild.name as string;
    },
    stop() {
      stopping ??= (async () => {
        const tree = child.pid ? descendants(child.pid) : [];
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        const code = await withTimeout(exited, 30_000, "npm start did not stop within 30 s of SIGTERM");
        const left = tree.filter(alive);
        for (const pid of left) process.kill(pid, "SIGKILL");
        await cleanup();
        if (code !== 0) throw new Error(`npm start exited with ${code} on SIGTERM:\n${output.slice(-4000)}`);
        if (left.length > 0) throw new Error(`processes left after npm start stopped: ${left.join(", ")}`);
        for (const url of [urls.api, urls.dashboard]) {
          const answered = await fetch(`${url}/`).then(
            () => true,
            () => false,
          );
          if (answered) throw new Error(`${url} still answers after npm start stopped`);
        }
      })();
      return stopping;
    },
  };
}

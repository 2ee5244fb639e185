/**
 * Pergola as `npm start` runs it (scripts/start.mjs: the API, the local agent and the
 * dashboard), for the browser tests: a fresh data dir, free ports, a preset admin token and, in
 * the suite's PostgreSQL run, a database of its own (the local agent runs every local Stage it
 * sees, other tests' too). `stop()` ends it with SIGTERM, as Ctrl-C would, and checks that no
 * process it started is left.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";
import { parse } from "yaml";
import { freshDatabaseOptions } from "../../../apps/api/src/testing/harness.js";
import { ROOT, alive, descendants, freePort, graphqlClient, spawnPergola, type PergolaProcess } from "../../support/processes.js";

export { ROOT };

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

export { freePort };

/** `env`: more environment for npm start (PERGOLA_OIDC_* for SSO). */
export async function startPergola(options: { env?: Record<string, string> } = {}): Promise<Pergola> {
  const database = await freshDatabaseOptions();
  const dataDir = mkdtempSync(join(tmpdir(), "pergola-e2e-"));
  const token = `pgl_e2e${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  const dashboardPort = await freePort();
  const cleanup = async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  };
  let run: PergolaProcess;
  try {
    run = await spawnPergola({
      dataDir,
      dashboard: true,
      env: {
        HOME: process.env.HOME ?? dataDir,
        DASHBOARD_PORT: String(dashboardPort),
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        PERGOLA_ADMIN_TOKEN: token,
        // In the suite's PostgreSQL run, `npm start` runs on PostgreSQL too.
        ...(database.options.url ? { DATABASE_URL: database.options.url } : {}),
        ...options.env,
      },
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
  const urls = { api: run.api, dashboard: run.dashboard! };
  const { raw: gqlRaw, gql } = graphqlClient(urls.api, token);

  let stopping: Promise<void> | undefined;
  return {
    ...urls,
    token,
    dataDir,
    output: run.output,
    gql,
    gqlRaw,
    async createHelloBuild(project) {
      const archive = join(dataDir, `hello-${Date.now()}.tar.gz`);
      await create({ gzip: true, file: archive, cwd: join(ROOT, "examples/hello"), portable: true }, ["."]);
      const upload = await fetch(`${urls.api}/artifacts?project=${encodeURIComponent(project)}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: readFileSync(archive),
      });
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
        const tree = run.child.pid ? descendants(run.child.pid) : [];
        const { code } = await run.stop(30_000);
        const left = tree.filter(alive);
        for (const pid of left) process.kill(pid, "SIGKILL");
        await cleanup();
        if (code !== 0) throw new Error(`npm start exited with ${code} on SIGTERM:\n${run.output().slice(-4000)}`);
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

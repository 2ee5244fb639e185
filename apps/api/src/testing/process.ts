/**
 * Runs the built API (`apps/api/dist/index.js`) as a real child process, the way `npm start`
 * does, and stops it (and checks it stopped) at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withTimeout } from "./harness.js";

const entry = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

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

/** A GraphQL request to `api` (a process, or any `{ graphqlUrl }`) with `token`; its data, or an Error with the errors. */
export async function requestApi<T = any>(
  api: Pick<ApiProcess, "graphqlUrl">,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(api.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

export interface ApiProcess {
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/** `nodeArgs`: flags for node before the entry point (e.g. `--inspect=127.0.0.1:0` for a test that forces a GC). */
export async function spawnApi(env: Record<string, string>, nodeArgs: string[] = []): Promise<ApiProcess> {
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      LOG_LEVEL: "warn",
      PERGOLA_DATA_DIR: mkdtempSync(join(tmpdir(), "pergola-api-")),
      // As npm start runs it (scripts/start.mjs).
      MALLOC_ARENA_MAX: "2",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = await withTimeout(
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = /Pergola API\s+(http:\/\/[^\s/]+)\/graphql/.exec(output);
        if (match) resolve(match[1]!);
      };
      child.stdout!.on("data", check);
      child.once("exit", (code) => reject(new Error(`API exited with ${code}:\n${output}`)));
    }),
    30_000,
    "API process did not start",
  );
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `${url.replace(/^http/, "ws")}/graphql`,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      return withTimeout(exited, 10_000, "API process did not stop on SIGTERM");
    },
  };
}

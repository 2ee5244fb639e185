/** Shared by the process runtime's tests: temp apps, specs, and event-driven waits. */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { validateManifest } from "../manifest/validate-manifest.js";
import type { Manifest } from "../manifest/manifest.type.js";
import { ProcessRuntime, type ProcessRuntimeOptions } from "./process-runtime.js";
import type { ComponentStatus, ReleaseSpec } from "./runtime.type.js";

/** The node running the tests, so no test depends on PATH. */
export const NODE = process.execPath;

/** Short timings for tests; the production defaults are seconds. */
export const FAST: Omit<ProcessRuntimeOptions, "dataDir"> = {
  restart: { initialMs: 50, maxMs: 200, stableMs: 3000, crashLoopAfter: 3 },
  retry: { initialMs: 50, maxMs: 200 },
  drainMs: 100,
};

export interface Sandbox {
  root: string;
  appDir: string;
  dataDir: string;
  runtime: ProcessRuntime;
  /** Writes files into the app dir. */
  writeApp(files: Record<string, string>): void;
  dispose(): Promise<void>;
}

export function createSandbox(options: Omit<ProcessRuntimeOptions, "dataDir"> = FAST): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "pergola-runtime-"));
  const appDir = join(root, "app");
  const dataDir = join(root, "data");
  mkdirSync(appDir);
  const runtime = new ProcessRuntime({ ...options, dataDir });
  return {
    root,
    appDir,
    dataDir,
    runtime,
    writeApp(files) {
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(appDir, name)), { recursive: true });
        writeFileSync(join(appDir, name), text);
      }
    },
    async dispose() {
      await runtime.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The manifest as a file would have it (kebab-case keys), normalized; a test with an invalid one fails here. */
export function toManifest(value: unknown): Manifest {
  const result = validateManifest(value);
  if (!result.valid) throw new Error(JSON.stringify(result.problems));
  return result.manifest;
}

export function createSpec(sandbox: Sandbox, manifest: unknown, overrides: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return {
    stageKey: "shop/test",
    releaseId: "r1",
    manifest: toManifest(manifest),
    appDir: sandbox.appDir,
    config: { env: {}, files: {} },
    suspended: false,
    graceSeconds: 5,
    ...overrides,
  };
}

/**
 * Resolves with the first status of `component` (current or reported by a "change" event)
 * that satisfies `predicate`; rejects after `timeoutMs` with the last status seen.
 */
export function waitForStatus(
  runtime: ProcessRuntime,
  stageKey: string,
  component: string,
  predicate: (status: ComponentStatus) => boolean,
  timeoutMs = 20_000,
): Promise<ComponentStatus> {
  return new Promise((resolve, reject) => {
    let last = runtime.status(stageKey).find((s) => s.name === component);
    const done = (error?: Error) => {
      clearTimeout(timer);
      runtime.off("change", listener);
      if (error) reject(error);
      else resolve(last as ComponentStatus);
    };
    const listener = (key: string, status: ComponentStatus) => {
      if (key !== stageKey || status.name !== component) return;
      last = status;
      if (predicate(status)) done();
    };
    const timer = setTimeout(() => done(new Error(`timed out; last status of ${component}: ${JSON.stringify(last)}`)), timeoutMs);
    runtime.on("change", listener);
    if (last && predicate(last)) done();
  });
}

/**
 * Resolves with the first truthy value of `probe`, checked every 20 ms; rejects after
 * `timeoutMs` with `message`. For what sends no event, such as another process's children.
 */
export async function waitFor<T>(probe: () => T | undefined | null | false, message: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`timed out: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const inState =
  (...states: ComponentStatus["state"][]) =>
  (status: ComponentStatus) =>
    states.includes(status.state);

/** Whether `pid` is a live process. A zombie (killed, not yet reaped by a container's PID 1) is not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** GET http://host:port/path → the body (rejects on any error). */
export function httpGet(host: string, port: number, path = "/"): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host, port, path, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

/** A tiny HTTP server for `node server.js`: answers its HOST and the env var named by the path. */
export const SERVER_JS = `
const http = require("http");
http.createServer((req, res) => res.end(JSON.stringify({ host: process.env.HOST, value: process.env[req.url.slice(1)] ?? null })))
  .listen(Number(process.env.PORT), process.env.HOST, () => console.log("listening on " + process.env.HOST));
process.on("SIGTERM", () => process.exit(0));
`;

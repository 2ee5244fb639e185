/**
 * `startAgent`: the Outpost Agent as a factory. It wires the process runtime, the artifact
 * fetcher, the Reconciler and the graphql-ws Connection, and returns `{ close() }`; `cli.ts`
 * only reads flags and env and calls it.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fetchArtifact, ProcessRuntime, type ProcessRuntimeOptions } from "@pergola/runtime";
import { pino } from "pino";
import { Connection } from "./connection.js";
import { Reconciler, type AgentLogger } from "./reconciler.js";

export interface AgentOptions {
  /** The API's URL, `http(s)://host:port`. */
  server: string;
  /** The Outpost's agent token. */
  token: string;
  /** Where this agent's gateway serves links (remote Outposts; not served yet, see README). */
  publicUrl?: string;
  /** `<dataDir>/runtime` holds storage and run dirs, `<dataDir>/artifacts` the unpacked Builds. */
  dataDir: string;
  /** Default: pino at level info. */
  logger?: AgentLogger;
  /** Passed to the process runtime (restart and retry timings, base env). */
  runtime?: Omit<ProcessRuntimeOptions, "dataDir">;
}

export interface Agent {
  /** Stops the connection, then every Component (grace, then SIGKILL to each group): no orphans. */
  close(): Promise<void>;
}

export function startAgent(options: AgentOptions): Agent {
  const logger = options.logger ?? pino({ level: "info" });
  const dataDir = resolve(options.dataDir);
  const artifactsDir = join(dataDir, "artifacts");
  mkdirSync(artifactsDir, { recursive: true });
  const runtime = new ProcessRuntime({ ...options.runtime, dataDir: join(dataDir, "runtime") });

  let connection: Connection | undefined;
  const reconciler = new Reconciler({
    runtime,
    logger,
    fetchRelease: (_stage, release) =>
      fetchArtifact({ serverUrl: options.server, token: options.token, sha256: release.artifact, cacheDir: artifactsDir }),
    report: (report) => {
      if (!connection) return Promise.reject(new Error("not connected yet"));
      return connection.report(report);
    },
  });
  connection = new Connection({ server: options.server, token: options.token, target: reconciler, logger });
  connection.start();
  logger.info({ server: options.server, dataDir, publicUrl: options.publicUrl }, "pergola-agent started");

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await connection.close();
        await reconciler.close();
        await runtime.close();
        logger.info("pergola-agent stopped");
      })();
      return closing;
    },
  };
}

/** SIGINT/SIGTERM close the agent (every Component stopped) and exit 0; a second signal exits at once. */
export function closeOnSignals(agent: Agent, logger: AgentLogger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting without waiting");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping every Stage");
    agent.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "could not stop cleanly");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}


/**
 * `startAgent`: the Outpost Agent as a factory. It wires the process runtime, the artifact
 * fetcher, the Reconciler, the graphql-ws Connection and (with a public URL) the links
 * gateway and (with a health port) /healthz, and returns `{ close() }`; `cli.ts` only reads
 * flags and env and calls it.
 */
import { chmodSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  fetchArtifact,
  findUnpassableAncestor,
  ProcessRuntime,
  secureDataDir,
  type ArchiveLimits,
  type ProcessRuntimeOptions,
  type ReapedProcess,
} from "@pergola/runtime";
import { pino } from "pino";
import { Connection, type ConnectionOptions } from "./connection.js";
import { createGateway, type GatewayOptions } from "./gateway.js";
import { createHealthServer, getHealth, type HealthServerOptions } from "./health.js";
import { createAgentMetrics } from "./metrics.js";
import { UsageSampler } from "./usage-sampler.js";
import { LinkStages } from "./link-stages.js";
import type { AgentLogger } from "./ports.js";
import { Reconciler } from "./reconciler.js";
import { StageBackups } from "./backups.js";
import { StagePurges } from "./purges.js";
import { AGENT_VERSION, VERSION } from "./version.js";

export { AGENT_VERSION } from "./version.js";

export interface AgentOptions {
  /** The API's URL, `http(s)://host:port`. */
  server: string;
  /** The Outpost's agent token. */
  token: string;
  /** Where this agent's gateway serves the Stages' links (remote Outposts). Unset: no gateway. */
  publicUrl?: string;
  /** Where the gateway listens instead of the public URL's host and port (port 0 in tests). */
  gatewayListen?: GatewayOptions["listen"];
  /** Where /healthz listens (health.ts); host default 127.0.0.1, port 0 picks one. Unset: no /healthz. */
  health?: HealthServerOptions["listen"];
  /** `<dataDir>/runtime` holds storage and run dirs, `<dataDir>/artifacts` the unpacked Builds. */
  dataDir: string;
  /** Default: pino at level info. */
  logger?: AgentLogger;
  /**
   * Passed to the process runtime (restart and retry timings, base env, `runAs`). With
   * `runAs: "stage-user"` (what `pergola-agent` does as root) each Stage runs as a user of its
   * own; the data dir is then 0711 (Stage users pass through to their own directories, cannot
   * list it) and every ancestor must let them pass, or the agent refuses to start.
   */
  runtime?: Omit<ProcessRuntimeOptions, "dataDir">;
  /**
   * Passed to the graphql-ws connection: `backoff` (reconnects: 1 s doubling to 30 s, ±20 %),
   * `resyncMs` (how often to resubscribe for a full desired state: 5 min) and `reportTimeoutMs` (30 s).
   */
  connection?: Pick<ConnectionOptions, "backoff" | "resyncMs" | "reportTimeoutMs">;
  /** Limits on a Release's archive once inflated, checked before it is unpacked. Default DEFAULT_ARCHIVE_LIMITS (1 GiB, 100,000 entries). */
  artifactLimits?: Partial<ArchiveLimits>;
  /** How often each Component's CPU, memory and open files are sampled and shipped (usage-sampler.ts), ms. Default 10 s. */
  usageIntervalMs?: number;
}

export interface Agent {
  /** Stops the connection, then every Component (grace, then SIGKILL to each group): no orphans. */
  close(): Promise<void>;
  /** With `publicUrl`: the URL the links gateway listens on, once it does; rejects if it cannot listen. */
  gatewayUrl?: Promise<string>;
  /** With `health`: the URL /healthz is below, once it listens; rejects if it cannot listen. */
  healthUrl?: Promise<string>;
}

export function startAgent(options: AgentOptions): Agent {
  const logger = options.logger ?? pino({ level: "info" });
  const dataDir = resolve(options.dataDir);
  const stageUsers = options.runtime?.runAs === "stage-user";
  secureDataDir(dataDir, stageUsers);
  const blocked = stageUsers ? findUnpassableAncestor(dataDir) : undefined;
  if (blocked) {
    throw new Error(
      `The Stages' users cannot reach ${dataDir}: ${blocked} does not let others pass (no o+x). ` +
        `Run "chmod o+x ${blocked}" or choose a --data-dir elsewhere (such as /var/lib/pergola-agent).`,
    );
  }
  // Unpacked Builds of every Project: the agent's alone (Stage users get copies of their own).
  const artifactsDir = join(dataDir, "artifacts");
  mkdirSync(artifactsDir, { recursive: true, mode: 0o700 });
  chmodSync(artifactsDir, 0o700);
  const runtime = new ProcessRuntime({ ...options.runtime, dataDir: join(dataDir, "runtime") });

  let connection: Connection | undefined;
  const backups = new StageBackups({
    runtimeDataDir: join(dataDir, "runtime"),
    serverUrl: options.server,
    token: options.token,
    logger,
    limits: options.artifactLimits,
    report: (report) => {
      if (!connection) return Promise.reject(new Error("not connected yet"));
      return connection.reportBackup(report);
    },
  });
  const purges = new StagePurges({
    runtimeDataDir: join(dataDir, "runtime"),
    logger,
    removeUser: (stageId) => runtime.removeStageUser(stageId),
    acknowledge: (stageId) => {
      if (!connection) return Promise.reject(new Error("not connected yet"));
      return connection.acknowledgePurge(stageId);
    },
  });
  const reconciler = new Reconciler({
    runtime,
    logger,
    backups,
    purge: (purged) => purges.purge(purged),
    fetchRelease: (_stage, release) =>
      fetchArtifact({
        serverUrl: options.server,
        token: options.token,
        sha256: release.artifact,
        cacheDir: artifactsDir,
        limits: options.artifactLimits,
      }),
    report: (report) => {
      if (!connection) return Promise.reject(new Error("not connected yet"));
      return connection.report(report);
    },
  });
  // The gateway reads the desired state on its way to the Reconciler, and the runtime's status.
  const links = options.publicUrl ? new LinkStages(reconciler, runtime) : undefined;
  const gateway =
    options.publicUrl && links
      ? createGateway({
          publicUrl: options.publicUrl,
          listen: options.gatewayListen,
          stages: links,
          logger,
          // The API does not see this traffic: the Stage's reports carry it (auto-suspend).
          onForward: (key) => reconciler.noteTraffic(key, Date.now()),
        })
      : undefined;
  // The Stages still run without it: say so loudly, and keep going.
  const gatewayUrl = gateway?.then((g) => g.url);
  gatewayUrl?.catch((error: unknown) => logger.error({ err: error, publicUrl: options.publicUrl }, "cannot serve the Stages' links"));
  connection = new Connection({
    ...options.connection,
    server: options.server,
    token: options.token,
    target: links ?? reconciler,
    logger,
    agentVersion: AGENT_VERSION,
    publicUrl: options.publicUrl,
  });
  const connected = connection;
  const usage = new UsageSampler({
    stages: () => reconciler.appliedStages(),
    status: (stageKey) => runtime.status(stageKey),
    send: (samples) => connected.reportUsage(samples),
    logger,
    intervalMs: options.usageIntervalMs,
  });
  usage.start();
  const health = options.health
    ? createHealthServer({
        listen: options.health,
        logger,
        getHealth: () => getHealth(connected.getState(), VERSION),
        metrics: createAgentMetrics({
          link: () => {
            const health = getHealth(connected.getState(), VERSION);
            return { outpost: health.outpost, up: health.status === "ok" };
          },
          components: () =>
            reconciler
              .appliedStageKeys()
              .flatMap((stage) => runtime.status(stage).map((c) => ({ stage, component: c.name, state: c.state, restarts: c.restarts }))),
          usage: () => usage.now(),
        }),
      })
    : undefined;
  // Like the gateway: the Stages run without it, so say so loudly and keep going.
  const healthUrl = health?.then((h) => h.url);
  healthUrl?.catch((error: unknown) => logger.error({ err: error, listen: options.health }, "cannot serve /healthz"));
  logger.info(
    { server: options.server, dataDir, publicUrl: options.publicUrl, runAs: options.runtime?.runAs ?? "self" },
    "pergola-agent started",
  );

  let closing: Promise<void> | undefined;
  // A previous agent on this data dir that was killed (SIGKILL, OOM) left its Components
  // running. They are stopped before the agent connects: the desired state would start them
  // again beside the old ones. (The runtime's apply waits for this too; here it is logged.)
  void runtime.recover().then(
    (reaped) => {
      logReaped(logger, reaped);
      if (!closing) connection.start();
    },
    (error: unknown) => {
      logger.error({ err: error }, "could not read the PID records: Components a crashed agent left running may run twice");
      if (!closing) connection.start();
    },
  );

  return {
    gatewayUrl,
    healthUrl,
    close() {
      closing ??= (async () => {
        usage.stop();
        await connection.close();
        await gateway?.then(
          (g) => g.close(),
          () => undefined,
        );
        await health?.then(
          (h) => h.close(),
          () => undefined,
        );
        await reconciler.close();
        await runtime.close();
        logger.info("pergola-agent stopped");
      })();
      return closing;
    },
  };
}

function logReaped(logger: AgentLogger, reaped: ReapedProcess[]): void {
  for (const { record, outcome, file } of reaped) {
    const fields = { outcome, pid: record?.pid, stage: record?.stageKey, component: record?.component, release: record?.releaseId };
    if (outcome === "stopped" || outcome === "killed") logger.warn(fields, "stopped a process the previous agent left running");
    else logger.debug({ ...fields, file }, "deleted a PID record of the previous agent");
  }
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

/**
 * Prometheus metrics (prom-client), served at /metrics (metrics.routes.ts). Two kinds:
 *  - the fleet (Stages, Components and their usage, Outposts): gauges read from the database when scraped (cached
 *    a few seconds, fleet.ts), so every replica reports the same whichever saw the change;
 *  - this process: its own Node metrics, GraphQL operations, sockets, subscriptions, deploy
 *    durations it saw end, event delivery lag. Prometheus adds them up across replicas.
 */
import type { Db } from "@pergola/db/client";
import { COMPONENT_STATES, HEALTHS, STAGE_STATES } from "@pergola/schema";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { cached, readFleet } from "./fleet.js";

export interface MetricsOptions {
  /** How long one read of the fleet serves the scrapes (ms). Default 5 s. */
  fleetTtlMs?: number;
}

export type OperationType = "query" | "mutation" | "subscription";

export interface Metrics {
  /** The text Prometheus scrapes, and its content type. */
  scrape(): Promise<{ body: string; contentType: string }>;
  /** One GraphQL operation ended (HTTP or socket): its type, whether it had errors, how long it took. */
  operation(type: OperationType, failed: boolean, seconds: number): void;
  /** Sockets open on this process. */
  sockets: Gauge;
  /** Subscriptions live on this process, by root field. */
  subscriptions: Gauge<"field">;
  /** A Release went from PENDING to DEPLOYED in `seconds` (observed by the process that saw it). */
  deployed(seconds: number): void;
  /** Events handed live to their subscribers' sockets now: the lag since each one's commit. */
  delivered(rows: readonly { at: Date }[]): void;
}

/**
 * Node's own metrics (CPU, memory, event loop, GC), once per process: prom-client watches the
 * event loop and GC for each registry they are collected into, and tests run many servers in
 * one process.
 */
let processRegistry: Registry | undefined;

export function createMetrics(db: Db, options: MetricsOptions = {}): Metrics {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  const registry = new Registry();
  const fleet = cached(() => readFleet(db), options.fleetTtlMs ?? 5_000);
  const registers = [registry];

  new Gauge({
    name: "pergola_stage_health",
    help: "A Stage's health: 1 for its current value, 0 for the others.",
    labelNames: ["project", "stage", "type", "health"],
    registers,
    async collect() {
      const { stages } = await fleet();
      this.reset();
      for (const s of stages) setOneHot(this, { project: s.project, stage: s.stage, type: s.type }, "health", HEALTHS, s.health);
    },
  });
  new Gauge({
    name: "pergola_stage_state",
    help: "A Stage's state: 1 for its current value, 0 for the others.",
    labelNames: ["project", "stage", "state"],
    registers,
    async collect() {
      const { stages } = await fleet();
      this.reset();
      for (const s of stages) setOneHot(this, { project: s.project, stage: s.stage }, "state", STAGE_STATES, s.state);
    },
  });
  new Gauge({
    name: "pergola_component_state",
    help: "The state of each Component of the Release serving a Stage: 1 for its current value, 0 for the others.",
    labelNames: ["project", "stage", "component", "state"],
    registers,
    async collect() {
      const { stages } = await fleet();
      this.reset();
      for (const s of stages) {
        for (const c of s.components)
          setOneHot(this, { project: s.project, stage: s.stage, component: c.name }, "state", COMPONENT_STATES, c.state);
      }
    },
  });
  new Counter({
    name: "pergola_component_restarts_total",
    help: "Restarts of each Component of the Release serving a Stage, since that Release started it.",
    labelNames: ["project", "stage", "component"],
    registers,
    async collect() {
      const { stages } = await fleet();
      this.reset();
      for (const s of stages) for (const c of s.components) this.inc({ project: s.project, stage: s.stage, component: c.name }, c.restarts);
    },
  });
  new Counter({
    name: "pergola_component_cpu_seconds_total",
    help: "CPU seconds used by each Component's processes since its process last started (starts again at 0 on a restart), as its agent last sampled them (within the last minute).",
    labelNames: ["project", "stage", "component"],
    registers,
    async collect() {
      const { usage } = await fleet();
      this.reset();
      for (const u of usage) this.inc({ project: u.project, stage: u.stage, component: u.component }, u.cpuSecondsTotal);
    },
  });
  new Gauge({
    name: "pergola_component_memory_bytes",
    help: "Resident memory of each Component's processes (the sum of their RSS), as its agent last sampled it (within the last minute).",
    labelNames: ["project", "stage", "component"],
    registers,
    async collect() {
      const { usage } = await fleet();
      this.reset();
      for (const u of usage) this.set({ project: u.project, stage: u.stage, component: u.component }, u.memoryBytes);
    },
  });
  new Gauge({
    name: "pergola_outpost_up",
    help: "1 while the Outpost's agent is connected and heartbeating (ONLINE), else 0.",
    labelNames: ["outpost"],
    registers,
    async collect() {
      const { outposts } = await fleet();
      this.reset();
      for (const o of outposts) this.set({ outpost: o.outpost }, o.status === "ONLINE" ? 1 : 0);
    },
  });
  new Gauge({
    name: "pergola_outpost_heartbeat_age_seconds",
    help: "Seconds since the Outpost's last heartbeat (absent before its first).",
    labelNames: ["outpost"],
    registers,
    async collect() {
      const { outposts } = await fleet();
      this.reset();
      for (const o of outposts) if (o.heartbeatAge !== null) this.set({ outpost: o.outpost }, o.heartbeatAge);
    },
  });

  const operations = new Counter({
    name: "pergola_graphql_operations_total",
    help: "GraphQL operations this process answered, by type and status (ok, or error when the answer had errors).",
    labelNames: ["type", "status"],
    registers,
  });
  const durations = new Histogram({
    name: "pergola_graphql_operation_duration_seconds",
    help: "How long this process took to answer a GraphQL query or mutation (a subscription: to start it).",
    labelNames: ["type"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const deployDurations = new Histogram({
    name: "pergola_release_deploy_duration_seconds",
    help: "From a Release's creation (PENDING) to DEPLOYED, as seen by the process that took the report that made it so.",
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
    registers,
  });
  const lag = new Histogram({
    name: "pergola_event_delivery_lag_seconds",
    help: "From an event's commit to its live delivery to this process's subscribed sockets (replays not counted).",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const scraped = [processRegistry, registry];
  return {
    async scrape() {
      const merged = Registry.merge(scraped);
      return { body: await merged.metrics(), contentType: merged.contentType };
    },
    operation(type, failed, seconds) {
      operations.inc({ type, status: failed ? "error" : "ok" });
      durations.observe({ type }, seconds);
    },
    sockets: new Gauge({ name: "pergola_ws_connections", help: "WebSocket connections open on this process.", registers }),
    subscriptions: new Gauge({
      name: "pergola_subscriptions",
      help: "GraphQL subscriptions live on this process, by root field.",
      labelNames: ["field"],
      registers,
    }),
    deployed: (seconds) => deployDurations.observe(seconds),
    delivered(rows) {
      const now = Date.now();
      for (const row of rows) lag.observe(Math.max(0, (now - row.at.getTime()) / 1000));
    },
  };
}

/** One series per value of `label`: 1 for `current`, 0 for the others (so a query can ask for either). */
function setOneHot<L extends string>(
  gauge: Gauge<L>,
  labels: Partial<Record<L, string>>,
  label: L,
  values: readonly string[],
  current: string,
): void {
  for (const value of values) gauge.set({ ...labels, [label]: value } as Record<L, string>, value === current ? 1 : 0);
}

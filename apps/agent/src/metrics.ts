/**
 * The agent's own Prometheus metrics, at /metrics beside /healthz (health.ts): its process
 * (prom-client's defaults), its link to the API, and the state and resource usage of each
 * Component it runs, as it sees them — what a monitor on the Outpost's host can read when the
 * API cannot be reached.
 */
import { COMPONENT_STATES } from "@pergola/schema";
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import type { ComponentUsageNow } from "./usage-sampler.js";

export interface AgentMetricsSource {
  /** The Outpost its token acts for (null until the server said), and whether /healthz says ok. */
  link(): { outpost: string | null; up: boolean };
  /** The Stages this agent runs, and each one's Components as its runtime reports them. */
  components(): { stage: string; component: string; state: string; restarts: number }[];
  /** What each Component's processes used at the last sampling (usage-sampler.ts); empty before the first. */
  usage(): ComponentUsageNow[];
}

export function createAgentMetrics(source: AgentMetricsSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({
    name: "pergola_agent_connected",
    help: "1 while the agent's socket to the API is open and its heartbeats are accepted, else 0.",
    labelNames: ["outpost"],
    registers,
    collect() {
      const { outpost, up } = source.link();
      this.reset();
      this.set({ outpost: outpost ?? "" }, up ? 1 : 0);
    },
  });
  new Gauge({
    name: "pergola_agent_component_state",
    help: "The state of each Component this agent runs: 1 for its current value, 0 for the others.",
    labelNames: ["stage", "component", "state"],
    registers,
    collect() {
      this.reset();
      for (const c of source.components()) {
        for (const state of COMPONENT_STATES) this.set({ stage: c.stage, component: c.component, state }, c.state === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: "pergola_agent_component_restarts",
    help: "Restarts of each Component this agent runs, since its Release started it.",
    labelNames: ["stage", "component"],
    registers,
    collect() {
      this.reset();
      for (const c of source.components()) this.set({ stage: c.stage, component: c.component }, c.restarts);
    },
  });
  new Counter({
    name: "pergola_agent_component_cpu_seconds_total",
    help: "CPU seconds used by each Component's process tree since its process last started (starts again at 0 on a restart), at the last sampling.",
    labelNames: ["stage", "component"],
    registers,
    collect() {
      this.reset();
      for (const u of source.usage()) this.inc({ stage: u.stage, component: u.component }, u.cpuSecondsTotal);
    },
  });
  new Gauge({
    name: "pergola_agent_component_memory_bytes",
    help: "Resident memory of each Component's process tree (the sum of its processes' RSS), at the last sampling.",
    labelNames: ["stage", "component"],
    registers,
    collect() {
      this.reset();
      for (const u of source.usage()) this.set({ stage: u.stage, component: u.component }, u.memoryBytes);
    },
  });
  new Gauge({
    name: "pergola_agent_component_open_files",
    help: "Open file descriptors of each Component's process tree, at the last sampling.",
    labelNames: ["stage", "component"],
    registers,
    collect() {
      this.reset();
      for (const u of source.usage()) this.set({ stage: u.stage, component: u.component }, u.openFiles);
    },
  });
  return registry;
}

/** The agent's metrics from what it knows: its link to the API, the Components it runs and their usage. */
import { describe, expect, it } from "vitest";
import { createAgentMetrics } from "./metrics.js";

describe("createAgentMetrics", () => {
  it("reports the link and each Component's state, restarts and usage", async () => {
    let running = true;
    const registry = createAgentMetrics({
      link: () => ({ outpost: "edge-7", up: true }),
      components: () => [
        { stage: "shop/prod", component: "web", state: running ? "RUNNING" : "CRASHLOOP", restarts: running ? 0 : 4 },
        { stage: "shop/prod", component: "nightly", state: "SCHEDULED", restarts: 0 },
      ],
      usage: () => [{ stage: "shop/prod", component: "web", cpuSecondsTotal: running ? 12.5 : 0.25, memoryBytes: 73400320, openFiles: 17 }],
    });
    let text = await registry.metrics();
    expect(text).toContain('pergola_agent_connected{outpost="edge-7"} 1');
    expect(text).toContain('pergola_agent_component_state{stage="shop/prod",component="web",state="RUNNING"} 1');
    expect(text).toContain('pergola_agent_component_state{stage="shop/prod",component="web",state="CRASHLOOP"} 0');
    expect(text).toContain('pergola_agent_component_state{stage="shop/prod",component="nightly",state="SCHEDULED"} 1');
    running = false;
    text = await registry.metrics();
    expect(text).toContain('pergola_agent_component_state{stage="shop/prod",component="web",state="CRASHLOOP"} 1');
    expect(text).toContain('pergola_agent_component_restarts{stage="shop/prod",component="web"} 4');
    // A restarted process starts its CPU seconds again: the counter follows the sample, Prometheus's rate() sees a reset.
    expect(text).toContain('pergola_agent_component_cpu_seconds_total{stage="shop/prod",component="web"} 0.25');
    expect(text).toContain('pergola_agent_component_memory_bytes{stage="shop/prod",component="web"} 73400320');
    expect(text).toContain('pergola_agent_component_open_files{stage="shop/prod",component="web"} 17');
  });
});

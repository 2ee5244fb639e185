/** The agent's metrics from what it knows: its link to the API and the Components it runs. */
import { describe, expect, it } from "vitest";
import { createAgentMetrics } from "./metrics.js";

describe("createAgentMetrics", () => {
  it("reports the link and each Component's state and restarts", async () => {
    let running = true;
    const registry = createAgentMetrics({
      link: () => ({ outpost: "edge-7", up: true }),
      components: () => [
        { stage: "shop/prod", component: "web", state: running ? "RUNNING" : "CRASHLOOP", restarts: running ? 0 : 4 },
        { stage: "shop/prod", component: "nightly", state: "SCHEDULED", restarts: 0 },
      ],
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
  });
});

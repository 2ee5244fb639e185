/**
 * /metrics: the fleet's gauges read from the database (a Stage's state and health, an Outpost's),
 * this process's operations and sockets, and the optional bearer token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";

let api: TestApi;
let guarded: TestApi;
beforeAll(async () => {
  [api, guarded] = await Promise.all([startTestApi(), startTestApi({ metricsToken: "scrape-me-0123456789" })]);
});
afterAll(() => Promise.all([api?.close(), guarded?.close()]));

async function scrape(target: TestApi, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`${target.server.url}/metrics`, { headers });
  return { status: response.status, text: await response.text() };
}

/** The value of one series in the text format, or undefined. */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("/metrics", () => {
  it("reports each Stage's state and health, Node's own metrics, and what this process answered", async () => {
    const project = await createTestProject(api);
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "web", type: PROD }) { slug } }`, { p: project });
    const subscription = subscribe(api.ws(), `subscription($p: String!, $a: String) { stageChanged(project: $p, after: $a) { cursor } }`, {
      p: project,
      a: "0",
    });
    // The socket's subscription is live once the replayed event comes through it; then one event
    // is delivered live (the delivery lag counts live events only).
    await subscription.next(5_000);
    await api.ok(`mutation($p: String!) { updateStage(input: { project: $p, slug: "web", name: "Web" }) { name } }`, { p: project });
    await subscription.next(5_000);

    const { status, text } = await scrape(api);
    expect(status).toBe(200);
    expect(seriesValue(text, `pergola_stage_state{project="${project}",stage="web",state="RUNNING"}`)).toBe(1);
    expect(seriesValue(text, `pergola_stage_state{project="${project}",stage="web",state="SUSPENDED"}`)).toBe(0);
    // No Release yet: nobody has seen it healthy.
    expect(seriesValue(text, `pergola_stage_health{project="${project}",stage="web",type="PROD",health="UNKNOWN"}`)).toBe(1);
    expect(seriesValue(text, `pergola_stage_health{project="${project}",stage="web",type="PROD",health="HEALTHY"}`)).toBe(0);
    expect(seriesValue(text, `pergola_graphql_operations_total{type="mutation",status="ok"}`)).toBeGreaterThanOrEqual(2);
    expect(seriesValue(text, "pergola_ws_connections")).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, `pergola_subscriptions{field="stageChanged"}`)).toBe(1);
    expect(seriesValue(text, "pergola_event_delivery_lag_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);

    subscription.close();
    // A subscription that ended is no longer counted.
    const after = await (async () => {
      for (;;) {
        const scraped = await scrape(api);
        if (seriesValue(scraped.text, `pergola_subscriptions{field="stageChanged"}`) === 0) return scraped.text;
      }
    })();
    expect(seriesValue(after, `pergola_subscriptions{field="stageChanged"}`)).toBe(0);
  });

  it("counts a refused operation as an error", async () => {
    const before = seriesValue((await scrape(api)).text, `pergola_graphql_operations_total{type="mutation",status="error"}`) ?? 0;
    await api.gql(`mutation { updateStage(input: { project: "no-such-project", slug: "web", name: "x" }) { name } }`);
    expect(seriesValue((await scrape(api)).text, `pergola_graphql_operations_total{type="mutation",status="error"}`)).toBe(before + 1);
  });

  it("asks for the bearer token when one is set", async () => {
    expect((await scrape(guarded)).status).toBe(401);
    expect((await scrape(guarded, { authorization: "Bearer wrong" })).status).toBe(401);
    const { status, text } = await scrape(guarded, { authorization: "Bearer scrape-me-0123456789" });
    expect(status).toBe(200);
    expect(text).toMatch(/^# TYPE pergola_stage_health gauge$/m);
  });
});

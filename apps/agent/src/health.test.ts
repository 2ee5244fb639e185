import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { ConnectionState } from "./connection.js";
import { createHealthServer, getHealth, type Health, type HealthServer } from "./health.js";

const state = (over: Partial<ConnectionState>): ConnectionState => ({
  connected: true,
  accepted: true,
  outpost: "edge-7",
  refused: null,
  ...over,
});

describe("getHealth", () => {
  it("is ok only when connected with heartbeats accepted", () => {
    expect(getHealth(state({}), "1.2.3")).toEqual({ status: "ok", outpost: "edge-7", connected: true, version: "1.2.3" });
    expect(getHealth(state({ accepted: false, outpost: null }), "1.2.3")).toMatchObject({ status: "connecting", connected: true });
    expect(getHealth(state({ connected: false, accepted: false }), "1.2.3")).toEqual({
      status: "disconnected",
      outpost: "edge-7",
      connected: false,
      version: "1.2.3",
    });
    expect(getHealth(state({ accepted: false, refused: "superseded" }), "1.2.3")).toMatchObject({
      status: "refused",
      reason: "superseded",
    });
  });
});

describe("createHealthServer", () => {
  let server: HealthServer | undefined;
  afterEach(() => server?.close());

  it("answers GET and HEAD /healthz with 200 or 503 as the health says, 404 elsewhere, 405 to other methods", async () => {
    let health: Health = getHealth(state({}), "1.2.3");
    server = await createHealthServer({ listen: { port: 0 }, getHealth: () => health, logger: pino({ level: "silent" }) });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const ok = await fetch(`${server.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    expect(await ok.json()).toEqual({ status: "ok", outpost: "edge-7", connected: true, version: "1.2.3" });

    health = getHealth(state({ connected: false, accepted: false }), "1.2.3");
    const down = await fetch(`${server.url}/healthz?verbose=1`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: "disconnected", connected: false });
    const head = await fetch(`${server.url}/healthz`, { method: "HEAD" });
    expect(head.status).toBe(503);
    expect(await head.text()).toBe("");

    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`, { method: "POST" })).status).toBe(405);
  });

  it("rejects when it cannot listen", async () => {
    server = await createHealthServer({
      listen: { port: 0 },
      getHealth: () => getHealth(state({}), "1"),
      logger: pino({ level: "silent" }),
    });
    const port = Number(new URL(server.url).port);
    await expect(
      createHealthServer({ listen: { port }, getHealth: () => getHealth(state({}), "1"), logger: pino({ level: "silent" }) }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});

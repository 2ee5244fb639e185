/**
 * One timer pings every socket; a socket that did not answer the previous ping is closed, one
 * that answers stays open.
 */
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestApi, withTimeout, type TestApi } from "../testing/harness.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ socketKeepAlive: 100 });
});
afterAll(() => api?.close());

describe("WebSocket keep-alive", () => {
  it("closes a socket that does not answer pings and keeps one that does", async () => {
    const answering = new WebSocket(api.server.wsUrl, "graphql-transport-ws");
    const silent = new WebSocket(api.server.wsUrl, "graphql-transport-ws", { autoPong: false });
    try {
      await withTimeout(Promise.all([once(answering, "open"), once(silent, "open")]), 5_000, "sockets not open");
      let pings = 0;
      answering.on("ping", () => pings++);
      const [code] = (await withTimeout(once(silent, "close"), 5_000, "the silent socket was left open")) as [number];
      expect(code).toBe(1006); // terminated, no close frame
      // The answering socket outlived the same pings, and more.
      const pinged = once(answering, "ping");
      await withTimeout(pinged, 5_000, "no further ping");
      expect(pings).toBeGreaterThanOrEqual(2);
      expect(answering.readyState).toBe(WebSocket.OPEN);
    } finally {
      answering.terminate();
      silent.terminate();
    }
  });
});

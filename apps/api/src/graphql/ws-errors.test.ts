/**
 * A WebSocket client that breaks the protocol (a message above maxPayload) is closed with the
 * code that says so (1009) and logged at debug: nothing printed as an internal error.
 */
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { pino } from "pino";
import WebSocket from "ws";
import { startTestApi, withTimeout, type TestApi } from "../testing/harness.js";

type Line = { level: number; msg: string };
let onLine: (line: Line) => void = () => {};
let api: TestApi;
beforeAll(async () => {
  const logger = pino({ level: "debug" }, { write: (line: string) => onLine(JSON.parse(line) as Line) });
  api = await startTestApi({ logger });
});
afterAll(() => api?.close());

describe("WebSocket errors", () => {
  it("closes a socket whose message is above the maximum size with 1009, logging at debug and printing nothing", async () => {
    const printed = vi.spyOn(console, "error");
    const brokeProtocol = new Promise<Line>((resolve) => (onLine = (line) => /broke the protocol/.test(line.msg) && resolve(line)));
    try {
      const ws = new WebSocket(api.server.wsUrl, "graphql-transport-ws");
      ws.on("error", () => {});
      const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
      await withTimeout(once(ws, "open"), 5_000, "socket not open");
      ws.send(JSON.stringify({ type: "ping", payload: { pad: "x".repeat(100 * 1024) } }));
      expect(await withTimeout(closed, 5_000, "socket left open")).toBe(1009);
      expect(await withTimeout(brokeProtocol, 5_000, "nothing logged")).toMatchObject({ level: 20 });
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  });
});

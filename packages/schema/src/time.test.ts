import { describe, expect, it } from "vitest";
import { ago, backoffDelay, formatDelay, parseDuration } from "./time.js";

describe("parseDuration", () => {
  it.each([
    ["10s", 10_000],
    ["500ms", 500],
    ["1m30s", 90_000],
    ["1.5s", 1_500],
    [" 2h ", 7_200_000],
  ])("%s → %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "10", "soon", "5m later", "s", "-1s", "1d"])("refuses %j", (text) => expect(parseDuration(text)).toBeUndefined());
});

describe("backoffDelay", () => {
  const backoff = { initialMs: 100, maxMs: 1_000 };
  it("doubles from the first delay up to the cap", () => {
    expect([0, 1, 2, 3, 4, 40].map((attempt) => backoffDelay(attempt, backoff))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });
  it("spreads by the jitter, both ways", () => {
    expect(backoffDelay(0, { ...backoff, jitter: 0.2 }, () => 0)).toBe(80);
    expect(backoffDelay(0, { ...backoff, jitter: 0.2 }, () => 1)).toBe(120);
  });
});

describe("formatDelay and ago", () => {
  it("reads as people write", () => {
    expect(formatDelay(250)).toBe("250ms");
    expect(formatDelay(1_540)).toBe("1.5s");
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(ago("2026-01-01T11:59:31Z", now)).toBe("29 seconds ago");
    expect(ago("2026-01-01T11:57:00Z", now)).toBe("3 minutes ago");
    expect(ago("2025-12-31T11:00:00Z", now)).toBe("yesterday");
    expect(ago("2025-12-30T12:00:00Z", now)).toBe("2 days ago");
    expect(ago(null, now)).toBe("never");
    expect(ago(undefined, now, "-")).toBe("-");
  });
});

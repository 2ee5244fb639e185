import { describe, expect, it } from "vitest";
import { getBackoffDelay } from "./backoff.js";

describe("getBackoffDelay", () => {
  const backoff = { initialMs: 1000, maxMs: 30_000 };

  it("doubles from the initial delay up to the maximum", () => {
    const middle = () => 0.5; // no jitter
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((n) => getBackoffDelay(n, backoff, middle))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it("stays within ±20 % jitter", () => {
    expect(getBackoffDelay(0, backoff, () => 0)).toBe(800);
    expect(getBackoffDelay(0, backoff, () => 1)).toBe(1200);
    expect(getBackoffDelay(10, backoff, () => 1)).toBe(36_000);
  });
});

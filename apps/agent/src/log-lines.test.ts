import { describe, expect, it } from "vitest";
import { fitLines, LOG_LINE_CHARS } from "./log-lines.js";

describe("fitLines", () => {
  it("keeps the newest lines within the budget, cuts long ones and shows a NUL as U+FFFD", () => {
    expect(fitLines(["old", "new"], 4)).toEqual(["new"]);
    expect(fitLines(["x".repeat(LOG_LINE_CHARS + 5)], 10_000)).toEqual([`${"x".repeat(LOG_LINE_CHARS)}…`]);
    expect(fitLines(["a\0b\0"], 100)).toEqual(["a\ufffdb\ufffd"]);
  });
});

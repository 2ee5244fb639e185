import { describe, expect, it } from "vitest";
import { serializeError } from "./logger.js";

describe("serializeError", () => {
  it("drops the SQL parameters drizzle puts in its errors, also in causes", () => {
    const cause = new Error('Failed query: insert into "x" values ($1)\nparams: s3cr3t-value');
    const error = Object.assign(new Error('Failed query: insert into "x" values ($1)\nparams: s3cr3t-value'), {
      params: ["s3cr3t-value"],
      cause,
    });
    const text = JSON.stringify(serializeError(error));
    expect(text).not.toContain("s3cr3t-value");
    expect(text).toContain('insert into \\"x\\"');
    expect(text).toContain("[redacted]");
  });
});

import { describe, expect, it } from "vitest";
import { deriveSlug, slugProblem, suggestFreeSlug } from "./slug.js";

describe("the dashboard's Stage ID rule (same as the API's)", () => {
  it("derives DNS labels from names", () => {
    expect(deriveSlug("My New Stage")).toBe("my-new-stage");
    expect(deriveSlug("  Straße & Ærø ")).toBe("strasse-aero");
    expect(deriveSlug("!!!")).toBe("");
    expect(deriveSlug("a".repeat(70))).toHaveLength(63);
  });
  it("names what is wrong with an edited ID", () => {
    expect(slugProblem("ok-1")).toBeUndefined();
    expect(slugProblem("-bad")).toBeDefined();
    expect(slugProblem("")).toBe("must not be empty");
  });
  it("suggests the free ID the API would offer", () => {
    expect(suggestFreeSlug("web", new Set(["web"]))).toBe("web-2");
    expect(suggestFreeSlug("web", new Set(["web", "web-2", "web-3"]))).toBe("web-4");
    const long = "a".repeat(63);
    expect(suggestFreeSlug(long, new Set([long]))).toBe(`${"a".repeat(61)}-2`);
    expect(slugProblem(suggestFreeSlug(`${"a".repeat(61)}-b`, new Set()))).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { deriveSlug, resolveSlug, slugProblem, suggestFreeSlug } from "./slug.js";

describe("Stage ID derivation", () => {
  it.each([
    ["My New Stage", "my-new-stage"],
    ["  Production  ", "production"],
    ["Café Crème", "cafe-creme"],
    ["Größe Ørsted Łódź", "grosse-orsted-lodz"],
    ["QA / staging (eu-west)", "qa-staging-eu-west"],
    ["hello_world.v2", "hello-world-v2"],
    ["🚀 Launch 🚀 Pad", "launch-pad"],
    ["2024 Release", "2024-release"],
    ["---dashes---", "dashes"],
    ["ÀÉÎÕÜ", "aeiou"],
  ])("%j → %j", (name, slug) => {
    expect(deriveSlug(name)).toBe(slug);
    expect(slugProblem(slug)).toBeUndefined();
  });

  it("cuts a 100-character name to a valid 63-character label", () => {
    const slug = deriveSlug(`${"a".repeat(62)} ${"b".repeat(37)}`);
    expect(slug).toBe("a".repeat(62));
    expect(slug.length).toBeLessThanOrEqual(63);
    expect(slugProblem(slug)).toBeUndefined();
    expect(deriveSlug("x".repeat(100))).toHaveLength(63);
  });

  it("refuses a name that slugs to nothing, naming the field", () => {
    for (const name of ["🚀🚀", "!!!", "  ", "中文"]) {
      expect(() => resolveSlug("slug", name, undefined)).toThrowError(/slug: cannot be derived/);
    }
  });

  it("validates an explicit ID as a DNS label", () => {
    expect(resolveSlug("slug", "Whatever", "custom-id")).toBe("custom-id");
    for (const bad of ["Upper", "-lead", "trail-", "under_score", "x".repeat(64), ""]) {
      expect(() => resolveSlug("slug", "n", bad)).toThrowError(/^slug: /);
    }
  });

  it("suggests the first free ID, still a valid label", () => {
    expect(suggestFreeSlug("dev", new Set(["dev"]))).toBe("dev-2");
    expect(suggestFreeSlug("dev", new Set(["dev", "dev-2", "dev-3"]))).toBe("dev-4");
    const long = "y".repeat(63);
    const suggestion = suggestFreeSlug(long, new Set([long]));
    expect(suggestion).toHaveLength(63);
    expect(slugProblem(suggestion)).toBeUndefined();
  });
});

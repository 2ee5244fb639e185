import { Kind } from "graphql";
import { describe, expect, it } from "vitest";
import { UnsignedInt64 } from "./scalars.js";

describe("UnsignedInt64", () => {
  it("writes byte counts past 32 and 53 bits as exact decimal strings", () => {
    expect(UnsignedInt64.serialize(3 * 2 ** 30)).toBe("3221225472");
    expect(UnsignedInt64.serialize(2n ** 64n - 1n)).toBe("18446744073709551615");
    expect(UnsignedInt64.serialize(0)).toBe("0");
  });

  it("reads strings and integer literals, and refuses what is not a whole number in range", () => {
    expect(UnsignedInt64.parseValue("9007199254740993")).toBe(9007199254740993n);
    expect(UnsignedInt64.parseLiteral({ kind: Kind.INT, value: "42" })).toBe(42n);
    for (const bad of [-1, 1.5, "01", "1e3", "", 2n ** 64n, null]) {
      expect(() => UnsignedInt64.serialize(bad)).toThrow(/UnsignedInt64 cannot represent/);
    }
    expect(() => UnsignedInt64.parseLiteral({ kind: Kind.FLOAT, value: "1.5" })).toThrow(/decimal digits/);
  });
});

import { describe, expect, it } from "vitest";
import { ago } from "./format.js";

describe("ago", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  it("says how long ago in the largest whole unit, through Intl.RelativeTimeFormat", () => {
    expect(ago("2026-01-01T12:00:00Z", now)).toBe("now");
    expect(ago("2026-01-01T11:59:31Z", now)).toBe("29 seconds ago");
    expect(ago("2026-01-01T11:59:00Z", now)).toBe("1 minute ago");
    expect(ago("2026-01-01T11:57:00Z", now)).toBe("3 minutes ago");
    expect(ago("2026-01-01T09:30:00Z", now)).toBe("2 hours ago");
    expect(ago("2025-12-31T11:00:00Z", now)).toBe("yesterday");
    expect(ago("2025-12-29T12:00:00Z", now)).toBe("3 days ago");
  });
  it("never for no time, and no future (clock skew reads as now)", () => {
    expect(ago(null, now)).toBe("never");
    expect(ago("2026-01-01T12:00:05Z", now)).toBe("now");
  });
});

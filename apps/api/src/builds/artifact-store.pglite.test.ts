/** The embedded database has one connection: the postgres artifact store is refused on it, saying why. */
import { describe, expect, it } from "vitest";
import { startTestApi } from "../testing/harness.js";

describe("the artifact store on the embedded database", () => {
  it("refuses the postgres store with the reason", async () => {
    await expect(startTestApi({ artifactStore: { kind: "postgres" } })).rejects.toThrow(
      /the postgres artifact store needs PostgreSQL \(DATABASE_URL\)/,
    );
  });
});

import { describe, expect, it } from "vitest";
import { getGraphqlWsUrl } from "./connection.js";

describe("getGraphqlWsUrl", () => {
  it("turns the API's URL into its graphql-ws URL", () => {
    expect(getGraphqlWsUrl("http://127.0.0.1:4000")).toBe("ws://127.0.0.1:4000/graphql");
    expect(getGraphqlWsUrl("https://pergola.example.com/")).toBe("wss://pergola.example.com/graphql");
    expect(getGraphqlWsUrl("https://example.com/pergola/graphql")).toBe("wss://example.com/pergola/graphql");
  });

  it("refuses what is not an http(s) URL", () => {
    expect(() => getGraphqlWsUrl("ftp://example.com")).toThrow("--server must be an http(s) URL");
    expect(() => getGraphqlWsUrl("example.com")).toThrow();
  });
});

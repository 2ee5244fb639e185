/**
 * SIGTERM with PERGOLA_DRAIN_SECONDS: `/readyz` answers 503 at once, so a balancer stops sending
 * new work, while requests are still answered until the API closes.
 */
import { once } from "node:events";
import { afterAll, describe, expect, it } from "vitest";
import { withTimeout } from "./testing/harness.js";
import { spawnApi, type ApiProcess } from "./testing/process.js";

let api: ApiProcess | undefined;
afterAll(() => api?.stop());

describe("draining on SIGTERM", () => {
  it("answers 503 on /readyz at once, keeps serving, then exits 0", async () => {
    api = await spawnApi({ PERGOLA_DRAIN_SECONDS: "3" });
    expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
    const exited = once(api.child, "exit");
    api.child.kill("SIGTERM");
    const answer = await withTimeout(
      (async () => {
        for (;;) {
          const response = await fetch(`${api!.url}/readyz`);
          if (response.status === 503) return response.json();
        }
      })(),
      2_000,
      "/readyz never answered 503 after SIGTERM",
    );
    expect(answer).toEqual({ status: "draining" });
    expect(api.child.exitCode).toBeNull();
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    const query = await fetch(api.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(await query.json()).toEqual({ data: { __typename: "Query" } });
    const [code] = (await withTimeout(exited, 10_000, "the API did not exit after draining")) as [number | null];
    expect(code).toBe(0);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { createSandbox, createSpec, httpGet, NODE, SERVER_JS, waitForStatus, type Sandbox } from "./process.test-utils.js";

let sandbox: Sandbox;
afterEach(async () => sandbox.dispose());

const isHealthy = (s: { state: string; health: string }) => s.state === "RUNNING" && s.health === "HEALTHY";

describe("loopback addresses and health", () => {
  it("runs two Stages with the same manifest and port side by side, each on its own address", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "server.js": SERVER_JS });
    const manifest = {
      version: "v1",
      components: [
        {
          name: "web",
          command: [NODE, "server.js"],
          ports: [18080],
          env: [{ name: "WHO", "config-ref": "who" }],
          health: { http: { path: "/WHO", port: 18080 }, interval: "1s", timeout: "1s" },
        },
      ],
    };
    const a = createSpec(sandbox, manifest, { stageKey: "shop/a", config: { env: { who: "a" }, files: {} } });
    const b = createSpec(sandbox, manifest, { stageKey: "shop/b", config: { env: { who: "b" }, files: {} } });
    await Promise.all([sandbox.runtime.apply(a), sandbox.runtime.apply(b)]);
    const [webA, webB] = await Promise.all([
      waitForStatus(sandbox.runtime, "shop/a", "web", isHealthy),
      waitForStatus(sandbox.runtime, "shop/b", "web", isHealthy),
    ]);
    expect(webA.host).not.toBe(webB.host);
    expect(webA.observedAt).toBeInstanceOf(Date);
    expect(JSON.parse(await httpGet(webA.host, 18080, "/WHO"))).toEqual({ host: webA.host, value: "a" });
    expect(JSON.parse(await httpGet(webB.host, 18080, "/WHO"))).toEqual({ host: webB.host, value: "b" });
  });

  it("is UNKNOWN before the first probe answers, UNHEALTHY after `threshold` failures, HEALTHY without a probe", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "server.js": SERVER_JS });
    const spec = createSpec(sandbox, {
      version: "v1",
      components: [
        // Listens on 18081 but is probed on 18082, where nothing answers.
        {
          name: "web",
          command: [NODE, "server.js"],
          ports: [18081, 18082],
          health: { http: { port: 18082 }, interval: "1s", timeout: "500ms", threshold: 2 },
        },
        { name: "checked", command: "sleep 60", health: { command: 'test -d "$TMPDIR"', interval: "1s", timeout: "1s" } },
        { name: "plain", command: "sleep 60" },
      ],
    });
    await sandbox.runtime.apply(spec);
    const started = sandbox.runtime.status(spec.stageKey).find((s) => s.name === "web");
    expect(started).toMatchObject({ state: "RUNNING", health: "UNKNOWN", observedAt: null });
    const web = await waitForStatus(sandbox.runtime, spec.stageKey, "web", (s) => s.health !== "UNKNOWN");
    expect(web).toMatchObject({ state: "RUNNING", health: "UNHEALTHY" });
    await waitForStatus(sandbox.runtime, spec.stageKey, "checked", isHealthy);
    const plain = sandbox.runtime.status(spec.stageKey).find((s) => s.name === "plain");
    expect(plain).toMatchObject({ state: "RUNNING", health: "HEALTHY" });
  });

  it("judges a service that starts listening a moment late within its first interval, not one interval later", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "late.js": `setTimeout(() => require("./server.js"), 300);`, "server.js": SERVER_JS });
    const spec = createSpec(sandbox, {
      version: "v1",
      // A 60 s interval: HEALTHY within the wait below can only come from the quick retries.
      components: [
        { name: "web", command: [NODE, "late.js"], ports: [18083], health: { http: { port: 18083 }, interval: "60s", timeout: "1s" } },
      ],
    });
    await sandbox.runtime.apply(spec);
    const web = await waitForStatus(sandbox.runtime, spec.stageKey, "web", (s) => s.health !== "UNKNOWN", 15_000);
    expect(web).toMatchObject({ state: "RUNNING", health: "HEALTHY" });
  });
});

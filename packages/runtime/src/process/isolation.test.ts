/**
 * Components are isolated as the seed says (issue 11, item 7): a working directory of their
 * own, addresses of their own per install, and a probe that only believes their own socket.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { getInstallId } from "./install-id.js";
import type { ComponentStatus } from "./runtime.type.js";
import { createSandbox, createSpec, httpGet, NODE, SERVER_JS, type Sandbox, waitFor, waitForStatus } from "./process.test-utils.js";

const sandboxes: Sandbox[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.dispose()));
});

function newSandbox(): Sandbox {
  const sandbox = createSandbox();
  sandboxes.push(sandbox);
  return sandbox;
}

const isHealthy = (s: ComponentStatus) => s.state === "RUNNING" && s.health === "HEALTHY";

const WEB = {
  version: "v1",
  components: [
    {
      name: "web",
      command: [NODE, "server.js"],
      ports: [18090],
      env: [{ name: "WHO", "config-ref": "who" }],
      health: { http: { path: "/WHO", port: 18090 }, interval: "1s", timeout: "1s" },
    },
  ],
};

/** Two installs (two data dirs) of the same Project, Stage and Component names; the second starts once the first serves. */
async function startTwoInstalls(prepare?: (a: Sandbox, b: Sandbox) => void): Promise<[ComponentStatus, ComponentStatus]> {
  const [a, b] = [newSandbox(), newSandbox()];
  for (const sandbox of [a, b]) sandbox.writeApp({ "server.js": SERVER_JS });
  prepare?.(a, b);
  await a.runtime.apply(createSpec(a, WEB, { config: { env: { who: "a" }, files: {} } }));
  const webA = await waitForStatus(a.runtime, "shop/test", "web", isHealthy);
  await b.runtime.apply(createSpec(b, WEB, { config: { env: { who: "b" }, files: {} } }));
  const webB = await waitForStatus(b.runtime, "shop/test", "web", isHealthy);
  // The first is still itself: not crash-looping on an address the second took.
  expect(a.runtime.status("shop/test")[0]).toMatchObject({ state: "RUNNING", health: "HEALTHY", restarts: 0, pid: webA.pid });
  return [webA, webB];
}

describe("Component isolation", () => {
  it("gives two installs with the same names different addresses, each HEALTHY on its own server", async () => {
    // Started at once: neither listens yet when the other picks its address, so only the install id tells them apart.
    const [a, b] = [newSandbox(), newSandbox()];
    for (const sandbox of [a, b]) sandbox.writeApp({ "server.js": SERVER_JS });
    await Promise.all([
      a.runtime.apply(createSpec(a, WEB, { config: { env: { who: "a" }, files: {} } })),
      b.runtime.apply(createSpec(b, WEB, { config: { env: { who: "b" }, files: {} } })),
    ]);
    const [webA, webB] = await Promise.all([
      waitForStatus(a.runtime, "shop/test", "web", isHealthy),
      waitForStatus(b.runtime, "shop/test", "web", isHealthy),
    ]);
    expect(webA.host).not.toBe(webB.host);
    expect(JSON.parse(await httpGet(webA.host, 18090, "/WHO"))).toEqual({ host: webA.host, value: "a" });
    expect(JSON.parse(await httpGet(webB.host, 18090, "/WHO"))).toEqual({ host: webB.host, value: "b" });
    expect(webA.restarts).toBe(0);
    expect(webB.restarts).toBe(0);
  });

  it("moves an install to the next address when its derived one is taken on the Component's port", async () => {
    // The same install id in both data dirs: both derive the same address; the bind test tells them apart.
    const [webA, webB] = await startTwoInstalls((a, b) => {
      const id = getInstallId(a.dataDir);
      mkdirSync(b.dataDir, { recursive: true });
      writeFileSync(join(b.dataDir, "install-id"), `${id}\n`);
      expect(getInstallId(b.dataDir)).toBe(id);
    });
    expect(webA.host).not.toBe(webB.host);
    expect(JSON.parse(await httpGet(webB.host, 18090, "/WHO"))).toEqual({ host: webB.host, value: "b" });
  });

  it("does not report HEALTHY when the probe reaches a socket of another process", async () => {
    const sandbox = newSandbox();
    const spec = createSpec(sandbox, {
      version: "v1",
      components: [
        {
          name: "web",
          command: "exec sleep 30",
          ports: [18091],
          health: { http: { port: 18091 }, interval: "1s", timeout: "500ms", threshold: 1 },
        },
      ],
    });
    const seen: string[] = [];
    sandbox.runtime.on("change", (_stage, status) => seen.push(status.health));
    await sandbox.runtime.apply(spec);
    const host = sandbox.runtime.status(spec.stageKey)[0]?.host ?? "";
    // This test's own process listens where the Component was told to, and answers 200.
    const foreign = createServer((_req, res) => res.end("not the Component"));
    servers.push(foreign);
    await new Promise<void>((resolve) => foreign.listen(18091, host, resolve));
    expect(await httpGet(host, 18091)).toBe("not the Component");
    await waitForStatus(sandbox.runtime, spec.stageKey, "web", (s) => s.health === "UNHEALTHY");
    expect(seen).not.toContain("HEALTHY");
  });

  it("gives each run a fresh copy of the Build: files written outside storage are gone after suspend and unseen by another Stage", async () => {
    const sandbox = newSandbox();
    sandbox.writeApp({ "index.html": "hello\n" });
    const manifest = {
      version: "v1",
      components: [
        {
          name: "web",
          command: [
            'test -e scratch.txt && echo "saw scratch"',
            'test -e "$PERGOLA_STORAGE_DATA/kept.txt" && echo "saw kept"',
            'echo changed > index.html; touch scratch.txt "$PERGOLA_STORAGE_DATA/kept.txt"',
            "echo started; exec sleep 30",
          ].join("; "),
          storage: [{ name: "data", path: "/data", size: "10Mi" }],
        },
      ],
    };
    const a = createSpec(sandbox, manifest, { stageKey: "shop/a" });
    const started = (stageKey: string, times: number) => () =>
      sandbox.runtime.logs(stageKey, "web", 100).filter((line) => line === "started").length >= times;

    await sandbox.runtime.apply(a);
    await waitFor(started("shop/a", 1), "the first run of shop/a started");
    // Another Stage running the same Build, while the first one's files are changed.
    await sandbox.runtime.apply(createSpec(sandbox, manifest, { stageKey: "shop/b" }));
    await waitFor(started("shop/b", 1), "shop/b started");
    expect(sandbox.runtime.logs("shop/b", "web", 100)).toEqual(["started"]);

    await sandbox.runtime.apply({ ...a, suspended: true });
    await waitForStatus(sandbox.runtime, "shop/a", "web", (s) => s.state === "SUSPENDED");
    await sandbox.runtime.apply({ ...a, suspended: false });
    await waitFor(started("shop/a", 2), "shop/a started again after resume");
    expect(sandbox.runtime.logs("shop/a", "web", 100)).toEqual(["started", "saw kept", "started"]);
    // The Build itself was never written to.
    expect(readFileSync(join(sandbox.appDir, "index.html"), "utf8")).toBe("hello\n");
    expect(existsSync(join(sandbox.appDir, "scratch.txt"))).toBe(false);

    // The next run's copy is made ahead, beside the run dir; it goes with the Stage.
    const stageRun = join(sandbox.dataDir, "run", "shop", "a");
    const spares = () => readdirSync(stageRun).filter((name) => name.startsWith("web.spare-"));
    await waitFor(() => spares().length === 1, "a spare copy of the Build is ready");
    await sandbox.runtime.remove("shop/a");
    expect(spares()).toEqual([]);
  });
});

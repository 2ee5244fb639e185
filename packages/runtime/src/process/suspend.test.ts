import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ComponentStatus } from "./runtime.type.js";
import {
  createSandbox,
  createSpec,
  httpGet,
  inState,
  isAlive,
  NODE,
  SERVER_JS,
  waitForStatus,
  type Sandbox,
} from "./process.test-utils.js";

let sandbox: Sandbox;
afterEach(async () => sandbox.dispose());

/**
 * Ignores SIGTERM: only SIGKILL stops it. Keeps a file in its standard storage; `ready` in its
 * TMPDIR tells the probe (and so the test) that the handler is in place.
 */
const STUBBORN_JS = `
const fs = require("fs"), path = require("path");
process.on("SIGTERM", () => console.log("ignoring SIGTERM"));
fs.writeFileSync(path.join(process.env.PERGOLA_STORAGE_DATA, "pid-" + process.pid), "");
fs.writeFileSync(path.join(process.env.TMPDIR, "ready"), "");
setInterval(() => {}, 1000);
`;
const READY = { command: 'test -e "$TMPDIR/ready"', interval: "1s", timeout: "1s" };

/** A job that runs until the test writes `go` into its storage. */
const WAITING_JOB_JS = `
const fs = require("fs"), path = require("path");
const go = path.join(process.env.PERGOLA_STORAGE_DATA, "go");
process.on("SIGTERM", () => console.log("ignoring SIGTERM"));
const timer = setInterval(() => { if (fs.existsSync(go)) { console.log("done"); clearInterval(timer); } }, 50);
`;

const storage = [{ name: "data", path: "/data", size: "1Mi" }];

const MANIFEST = {
  version: "v1",
  components: [
    { name: "stubborn", command: [NODE, "stubborn.js"], storage, health: READY },
    {
      name: "polite",
      command: [NODE, "server.js"],
      ports: [18090],
      env: [{ name: "WHO", "config-ref": "who" }],
      health: { http: { port: 18090 }, interval: "1s", timeout: "1s" },
    },
    { name: "migrate", command: [NODE, "job.js"], scheduled: "@release", storage },
    { name: "nightly", command: "echo run", scheduled: "0 2 * * *" },
  ],
};

function byName(statuses: ComponentStatus[]): Record<string, ComponentStatus> {
  return Object.fromEntries(statuses.map((s) => [s.name, s]));
}

describe("suspend, resume, Releases and close", () => {
  it("suspends: SIGTERM, SIGKILL after the grace period, running jobs finish; resume restarts with the same env and storage", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "stubborn.js": STUBBORN_JS, "server.js": SERVER_JS, "job.js": WAITING_JOB_JS });
    const spec = createSpec(sandbox, MANIFEST, { graceSeconds: 1, config: { env: { who: "me" }, files: {} } });
    await sandbox.runtime.apply(spec);
    // Both services must have their SIGTERM handlers in place before the suspend.
    const isHealthy = (s: ComponentStatus) => s.health === "HEALTHY";
    await waitForStatus(sandbox.runtime, spec.stageKey, "stubborn", isHealthy);
    await waitForStatus(sandbox.runtime, spec.stageKey, "polite", isHealthy);
    const before = byName(sandbox.runtime.status(spec.stageKey));
    expect(before.stubborn?.state).toBe("RUNNING");
    expect(before.migrate?.state).toBe("RUNNING");
    expect(before.nightly?.state).toBe("SCHEDULED");

    const messages: Record<string, string[]> = {};
    const suspendedAt: Record<string, number> = {};
    sandbox.runtime.on("change", (_key, s) => {
      messages[s.name] = [...(messages[s.name] ?? []), s.message ?? ""];
      if (s.state === "SUSPENDED") suspendedAt[s.name] ??= Date.now();
    });
    const start = Date.now();
    await sandbox.runtime.apply({ ...spec, suspended: true });
    const suspended = byName(sandbox.runtime.status(spec.stageKey));
    expect(suspended.stubborn).toMatchObject({ state: "SUSPENDED", pid: null, health: "UNKNOWN" });
    expect(suspended.polite).toMatchObject({ state: "SUSPENDED", pid: null });
    expect(suspended.nightly?.state).toBe("SUSPENDED");
    expect(sandbox.runtime.runNow(spec.stageKey, "nightly")).toBe(false);
    // The polite one exited on SIGTERM; the stubborn one was killed once the grace period was over.
    expect(messages.polite).toContain("exited with code 0");
    expect(messages.stubborn).toContain("killed by SIGKILL");
    expect((suspendedAt.stubborn ?? 0) - start).toBeGreaterThanOrEqual(950);
    expect(isAlive(before.stubborn?.pid ?? 0)).toBe(false);
    expect(isAlive(before.polite?.pid ?? 0)).toBe(false);

    // The job is still running, and finishes.
    expect(suspended.migrate).toMatchObject({ state: "RUNNING", pid: before.migrate?.pid });
    const jobStorage = join(sandbox.dataDir, "storage", "shop", "test", "migrate", "data");
    writeFileSync(join(jobStorage, "go"), "");
    await waitForStatus(sandbox.runtime, spec.stageKey, "migrate", inState("COMPLETED"));

    await sandbox.runtime.apply({ ...spec, suspended: false });
    const resumed = byName(sandbox.runtime.status(spec.stageKey));
    expect(resumed.stubborn?.state).toBe("RUNNING");
    expect(resumed.stubborn?.pid).not.toBe(before.stubborn?.pid);
    expect(resumed.migrate?.state).toBe("COMPLETED");
    expect(resumed.nightly?.state).toBe("SCHEDULED");
    const stubbornStorage = join(sandbox.dataDir, "storage", "shop", "test", "stubborn", "data");
    expect(existsSync(join(stubbornStorage, `pid-${before.stubborn?.pid}`))).toBe(true);
    const host = resumed.polite?.host ?? "";
    await waitForStatus(sandbox.runtime, spec.stageKey, "polite", (s) => s.health === "HEALTHY");
    expect(JSON.parse(await httpGet(host, 18090, "/WHO"))).toEqual({ host, value: "me" });
  });

  it("changes nothing when the same spec is applied twice; a new Release replaces the old one, keeping storage", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "stubborn.js": STUBBORN_JS });
    const manifest = { version: "v1", components: [{ name: "stubborn", command: [NODE, "stubborn.js"], storage, health: READY }] };
    const spec = createSpec(sandbox, manifest, { graceSeconds: 1 });
    await sandbox.runtime.apply(spec);
    await waitForStatus(sandbox.runtime, spec.stageKey, "stubborn", (s) => s.health === "HEALTHY");
    const first = sandbox.runtime.status(spec.stageKey)[0];
    let changes = 0;
    sandbox.runtime.on("change", () => (changes += 1));
    await sandbox.runtime.apply({ ...spec });
    expect(sandbox.runtime.status(spec.stageKey)[0]).toMatchObject({ pid: first?.pid, state: "RUNNING", releaseId: "r1" });
    expect(changes).toBe(0);

    await sandbox.runtime.apply({ ...spec, releaseId: "r2" });
    const second = sandbox.runtime.status(spec.stageKey)[0];
    expect(second).toMatchObject({ releaseId: "r2", state: "RUNNING", host: first?.host, restarts: 0 });
    expect(second?.pid).not.toBe(first?.pid);
    expect(isAlive(first?.pid ?? 0)).toBe(false);
    const stubbornStorage = join(sandbox.dataDir, "storage", "shop", "test", "stubborn", "data");
    expect(existsSync(join(stubbornStorage, `pid-${first?.pid}`))).toBe(true);
  });

  it("close() kills every process group, grandchildren included", async () => {
    sandbox = createSandbox();
    const spec = createSpec(sandbox, {
      version: "v1",
      components: [
        {
          name: "parent",
          command: 'sleep 300 & echo $! > "$TMPDIR/grandchild"; wait',
          // Healthy once the grandchild's pid is written: an event to wait for.
          health: { command: 'test -s "$TMPDIR/grandchild"', interval: "1s", timeout: "1s" },
        },
      ],
    });
    await sandbox.runtime.apply(spec);
    const parent = await waitForStatus(sandbox.runtime, spec.stageKey, "parent", (s) => s.health === "HEALTHY");
    const runDir = join(sandbox.dataDir, "run", "shop", "test", "parent");
    const grandchild = Number(readFileSync(join(runDir, "tmp", "grandchild"), "utf8"));
    expect(isAlive(parent.pid ?? 0)).toBe(true);
    expect(isAlive(grandchild)).toBe(true);
    await sandbox.runtime.close();
    expect(isAlive(parent.pid ?? 0)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
    expect(existsSync(runDir)).toBe(false);
    expect(sandbox.runtime.status(spec.stageKey)).toEqual([]);
    await expect(sandbox.runtime.apply(spec)).rejects.toThrow("closed");
  });
});

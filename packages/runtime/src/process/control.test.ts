/**
 * People's requests (ReleaseSpec.controls): a stopped service stays stopped — through suspend and
 * resume, and in a new runtime on the same data dir (the agent restarted) — until started; a
 * restart is a new process, not counted as a crash; a run request runs a job once, also across
 * runtimes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ProcessRuntime } from "./process-runtime.js";
import { createSandbox, createSpec, FAST, inState, isAlive, NODE, SERVER_JS, waitForStatus, type Sandbox } from "./process.test-utils.js";
import type { ComponentControl, ReleaseSpec } from "./runtime.type.js";

let sandbox: Sandbox;
afterEach(async () => sandbox.dispose());

const web = { name: "web", command: [NODE, "server.js"], ports: [8080] };
/** Appends a line to its storage per run. */
const COUNT_JS = `
const fs = require("fs"), path = require("path");
fs.appendFileSync(path.join(process.env.PERGOLA_STORAGE_DATA, "runs"), "run\\n");
`;
const job = (name: string, scheduled: string) => ({
  name,
  command: [NODE, "count.js"],
  scheduled,
  storage: [{ name: "data", path: "/data", size: "1Mi" }],
});

const withControls = (spec: ReleaseSpec, controls: Record<string, Partial<ComponentControl>>): ReleaseSpec => ({
  ...spec,
  controls: Object.fromEntries(Object.entries(controls).map(([n, c]) => [n, { stopped: false, restarts: 0, runs: 0, ...c }])),
});

describe("component control", () => {
  it("stops a service and keeps it stopped through suspend, resume and a new runtime; starts and restarts it", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "server.js": SERVER_JS });
    const spec = createSpec(sandbox, { version: "v1", components: [web] });
    await sandbox.runtime.apply(spec);
    const first = await waitForStatus(sandbox.runtime, spec.stageKey, "web", (s) => s.state === "RUNNING" && s.pid !== null);

    await sandbox.runtime.apply(withControls(spec, { web: { stopped: true } }));
    expect(sandbox.runtime.status(spec.stageKey)[0]).toMatchObject({
      state: "STOPPED",
      pid: null,
      message: expect.stringMatching(/stopped on request/),
    });
    expect(isAlive(first.pid!)).toBe(false);

    await sandbox.runtime.apply(withControls({ ...spec, suspended: true }, { web: { stopped: true } }));
    await sandbox.runtime.apply(withControls(spec, { web: { stopped: true } }));
    expect(sandbox.runtime.status(spec.stageKey)[0]).toMatchObject({ state: "STOPPED", pid: null });

    // The agent restarts: a new runtime on the same data dir starts it held.
    await sandbox.runtime.close();
    sandbox.runtime = new ProcessRuntime({ ...FAST, dataDir: sandbox.dataDir });
    await sandbox.runtime.apply(withControls(spec, { web: { stopped: true, restarts: 1 } }));
    expect(sandbox.runtime.status(spec.stageKey)[0]).toMatchObject({ state: "STOPPED", pid: null });

    await sandbox.runtime.apply(withControls(spec, { web: { restarts: 1 } }));
    const started = await waitForStatus(sandbox.runtime, spec.stageKey, "web", (s) => s.state === "RUNNING" && s.pid !== null);

    await sandbox.runtime.apply(withControls(spec, { web: { restarts: 2 } }));
    const restarted = await waitForStatus(sandbox.runtime, spec.stageKey, "web", (s) => s.state === "RUNNING" && s.pid !== started.pid);
    expect(isAlive(started.pid!)).toBe(false);
    // A restart on request is not a crash.
    expect(restarted.restarts).toBe(0);
    // The same count again restarts nothing.
    await sandbox.runtime.apply(withControls(spec, { web: { restarts: 2 } }));
    expect(sandbox.runtime.status(spec.stageKey)[0]?.pid).toBe(restarted.pid);
  });

  it("runs a job and a cron job once per request, also across runtimes", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "count.js": COUNT_JS });
    const spec = createSpec(sandbox, { version: "v1", components: [job("migrate", "@release"), job("tick", "0 2 1 1 *")] });
    const runs = (name: string) =>
      readFileSync(join(sandbox.dataDir, "storage", ...spec.stageKey.split("/"), name, "data", "runs"), "utf8").split("\n").length - 1;
    await sandbox.runtime.apply(spec);
    await waitForStatus(sandbox.runtime, spec.stageKey, "migrate", inState("COMPLETED"));
    expect(sandbox.runtime.status(spec.stageKey)[1]).toMatchObject({ state: "SCHEDULED" });

    await sandbox.runtime.apply(withControls(spec, { migrate: { runs: 1 }, tick: { runs: 1 } }));
    await waitForStatus(sandbox.runtime, spec.stageKey, "migrate", (s) => s.state === "COMPLETED" && runs("migrate") === 2);
    await waitForStatus(sandbox.runtime, spec.stageKey, "tick", (s) => s.state === "SCHEDULED" && s.health === "HEALTHY");
    expect(runs("tick")).toBe(1);

    // A new runtime (the agent restarted) reads the same requests: they were run already.
    await sandbox.runtime.close();
    sandbox.runtime = new ProcessRuntime({ ...FAST, dataDir: sandbox.dataDir });
    await sandbox.runtime.apply(withControls(spec, { migrate: { runs: 1 }, tick: { runs: 1 } }));
    expect(sandbox.runtime.status(spec.stageKey).map((s) => s.state)).toEqual(["COMPLETED", "SCHEDULED"]);
    // One it has not run (asked while the agent was away) runs once.
    await sandbox.runtime.close();
    sandbox.runtime = new ProcessRuntime({ ...FAST, dataDir: sandbox.dataDir });
    await sandbox.runtime.apply(withControls(spec, { migrate: { runs: 2 }, tick: { runs: 1 } }));
    await waitForStatus(sandbox.runtime, spec.stageKey, "migrate", (s) => s.state === "COMPLETED" && runs("migrate") === 3);
    expect(runs("tick")).toBe(1);
  });
});

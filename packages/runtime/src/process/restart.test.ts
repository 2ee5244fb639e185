import { afterEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ProcessRuntime } from "./process-runtime.js";
import { createSandbox, createSpec, FAST, inState, NODE, waitForStatus, type Sandbox } from "./process.test-utils.js";

let sandbox: Sandbox;
afterEach(async () => sandbox.dispose());

/** Counts its runs in its storage; exits with code 3 for the first `FAIL_RUNS` runs, then stays up (or exits 0 with EXIT=1). */
const FLAKY_JS = `
const fs = require("fs"), path = require("path");
const file = path.join(process.env.PERGOLA_STORAGE_DATA, "runs");
const runs = (fs.existsSync(file) ? Number(fs.readFileSync(file, "utf8")) : 0) + 1;
fs.writeFileSync(file, String(runs));
console.log("run " + runs);
if (runs <= Number(process.env.FAIL_RUNS)) process.exit(3);
if (process.env.EXIT) process.exit(0);
setInterval(() => {}, 1000);
`;

function flaky(name: string, failRuns: number, extra: Record<string, unknown> = {}) {
  return {
    name,
    command: [NODE, "flaky.js"],
    env: [{ name: "FAIL_RUNS", value: String(failRuns) }, ...(extra.scheduled ? [{ name: "EXIT", value: "1" }] : [])],
    storage: [{ name: "data", path: "/data", size: "1Mi" }],
    ...extra,
  };
}

describe("restarts, retries and schedules", () => {
  it("restarts a crashing service with back-off, reports CRASHLOOP, and RUNNING once it stays up", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "flaky.js": FLAKY_JS });
    const spec = createSpec(sandbox, { version: "v1", components: [flaky("web", 4)] });
    const states: string[] = [];
    sandbox.runtime.on("change", (_key, status) => states.push(status.state));
    await sandbox.runtime.apply(spec);
    const looping = await waitForStatus(sandbox.runtime, spec.stageKey, "web", inState("CRASHLOOP"));
    expect(looping.message).toBe("exited with code 3; restart in 200ms");
    const recovered = await waitForStatus(sandbox.runtime, spec.stageKey, "web", (s) => s.state === "RUNNING" && s.restarts === 4);
    expect(recovered.pid).not.toBeNull();
    expect(recovered.health).toBe("HEALTHY");
    expect(states.slice(0, 4)).toEqual(["RUNNING", "STARTING", "RUNNING", "STARTING"]);
    expect(states.at(-1)).toBe("RUNNING");
    expect(states.at(-2)).toBe("CRASHLOOP");
    expect(sandbox.runtime.logs(spec.stageKey, "web", 1)).toEqual(["run 5"]);
  });

  it("retries a failed @release job with back-off, then COMPLETED; FAILED when no retries are left", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "flaky.js": FLAKY_JS });
    const spec = createSpec(sandbox, {
      version: "v1",
      components: [flaky("migrate", 2, { scheduled: "@release" }), flaky("broken", 99, { scheduled: "@release", "max-retries": 1 })],
    });
    await sandbox.runtime.apply(spec);
    const migrate = await waitForStatus(sandbox.runtime, spec.stageKey, "migrate", inState("COMPLETED", "FAILED"));
    expect(migrate).toMatchObject({ state: "COMPLETED", health: "HEALTHY", restarts: 2, pid: null });
    const broken = await waitForStatus(sandbox.runtime, spec.stageKey, "broken", inState("COMPLETED", "FAILED"));
    expect(broken).toMatchObject({ state: "FAILED", restarts: 1, message: "exited with code 3; no retries left" });
    // Once per Release: applying the same Release again runs nothing.
    await sandbox.runtime.apply(spec);
    expect(sandbox.runtime.status(spec.stageKey).map((s) => s.state)).toEqual(["COMPLETED", "FAILED"]);
    expect(sandbox.runtime.logs(spec.stageKey, "migrate", 10)).toEqual(["run 1", "run 2", "run 3"]);
  });

  it("runs a @release job once per Release, also across runtimes (an agent restarted), and again for a new Release", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "flaky.js": FLAKY_JS });
    const manifest = { version: "v1", components: [flaky("migrate", 0, { scheduled: "@release" })] };
    const spec = createSpec(sandbox, manifest);
    await sandbox.runtime.apply(spec);
    await waitForStatus(sandbox.runtime, spec.stageKey, "migrate", inState("COMPLETED"));
    await sandbox.runtime.close();
    const runs = () => readFileSync(join(sandbox.dataDir, "storage", ...spec.stageKey.split("/"), "migrate", "data", "runs"), "utf8");
    expect(runs()).toBe("1");

    // The agent starts again on the same data dir: the same Release's job is done already.
    const again = new ProcessRuntime({ ...FAST, dataDir: sandbox.dataDir });
    await again.apply(spec);
    expect(again.status(spec.stageKey)[0]).toMatchObject({
      state: "COMPLETED",
      health: "HEALTHY",
      message: expect.stringMatching(/before the agent restarted/),
    });
    expect(runs()).toBe("1");
    // A new Release runs it again.
    const next = { ...spec, releaseId: `${spec.releaseId}-2` };
    await again.apply(next);
    await waitForStatus(again, spec.stageKey, "migrate", (s) => s.releaseId === next.releaseId && s.state === "COMPLETED");
    expect(runs()).toBe("2");
    await again.close();
  });

  it("keeps a cron Component SCHEDULED between runs and never runs it twice at once", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "flaky.js": FLAKY_JS });
    const spec = createSpec(sandbox, {
      version: "v1",
      components: [{ name: "nightly", command: "echo run; sleep 0.5", scheduled: "0 2 1 1 *" }],
    });
    await sandbox.runtime.apply(spec);
    const scheduled = sandbox.runtime.status(spec.stageKey)[0];
    expect(scheduled).toMatchObject({ state: "SCHEDULED", pid: null });
    expect(scheduled?.message).toMatch(/^next run \d{4}-01-01T02:00:00.000Z$/);
    expect(sandbox.runtime.runNow(spec.stageKey, "nightly")).toBe(true);
    expect(sandbox.runtime.status(spec.stageKey)[0]?.state).toBe("RUNNING");
    expect(sandbox.runtime.runNow(spec.stageKey, "nightly")).toBe(false);
    const after = await waitForStatus(sandbox.runtime, spec.stageKey, "nightly", inState("SCHEDULED"));
    expect(after).toMatchObject({ health: "HEALTHY", pid: null });
    expect(after.message).toMatch(/^last run exited with code 0; next run /);
    expect(sandbox.runtime.logs(spec.stageKey, "nightly", 10)).toEqual(["run"]);
  });
});

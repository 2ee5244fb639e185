/**
 * examples/hello as it ships: its manifest is valid, and the process runtime runs it — the
 * service answers with the Stage's greeting and counts visits on its storage, the @release
 * job completes, the cron Component waits for its schedule.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseManifest, ProcessRuntime, type ComponentStatus } from "../packages/runtime/src/index.js";
import { httpGet, waitForStatus } from "../packages/runtime/src/process/process.test-utils.js";

const appDir = fileURLToPath(new URL("../examples/hello", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "pergola-hello-"));
const runtime = new ProcessRuntime({ dataDir });
afterAll(async () => {
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("examples/hello", () => {
  const parsed = parseManifest(readFileSync(join(appDir, "pergola.yaml"), "utf8"), "pergola.yaml");

  it("has a valid pergola.yaml with a service, a @release job and a cron Component", () => {
    expect(parsed.problems).toEqual([]);
    if (!parsed.valid) return;
    expect(parsed.manifest.components.map((c) => [c.name, c.kind])).toEqual([
      ["web", "SERVICE"],
      ["migrate", "JOB"],
      ["tick", "CRON"],
    ]);
  });

  it("runs: the greeting from the Configuration, visits counted on storage, the job done, cron scheduled", async () => {
    if (!parsed.valid) throw new Error("invalid manifest");
    const stageKey = "hello/dev";
    await runtime.apply({
      stageKey,
      releaseId: "r1",
      manifest: parsed.manifest,
      appDir,
      config: { env: { GREETING: "Hello from the test" }, files: {} },
      suspended: false,
      graceSeconds: 5,
    });
    const healthy = (s: ComponentStatus) => s.state === "RUNNING" && s.health === "HEALTHY";
    const web = await waitForStatus(runtime, stageKey, "web", healthy, 30_000);
    await waitForStatus(runtime, stageKey, "migrate", (s) => s.state === "COMPLETED", 30_000);
    await waitForStatus(runtime, stageKey, "tick", (s) => s.state === "SCHEDULED", 30_000);

    const first = await httpGet(web.host, 8080, "/");
    expect(first).toContain("<h1>Hello from the test</h1>");
    expect(first).toContain("Visit number 1.");
    expect(await httpGet(web.host, 8080, "/")).toContain("Visit number 2.");
    expect(runtime.logs(stageKey, "migrate", 10).join("\n")).toMatch(/migrating for release/);
  });
});

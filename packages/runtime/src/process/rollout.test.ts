import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createSandbox,
  createSpec,
  FAST,
  httpGet,
  isAlive,
  NODE,
  SERVER_JS,
  waitFor,
  waitForStatus,
  type Sandbox,
} from "./process.test-utils.js";
import type { ComponentStatus } from "./runtime.type.js";

let sandbox: Sandbox;
afterEach(async () => sandbox.dispose());

const KEY = "shop/test";
const PORT = 18_170;
const web = (overrides: Record<string, unknown> = {}) => ({
  name: "web",
  command: [NODE, "server.js"],
  ports: [PORT],
  env: [{ name: "WHO", "config-ref": "who" }],
  health: { http: { path: "/WHO", port: PORT }, interval: "1s", timeout: "1s", threshold: 1 },
  ...overrides,
});
const release = (id: string, who: string, component = web()) =>
  createSpec(sandbox, { version: "v1", components: [component] }, { releaseId: id, config: { env: { who }, files: {} }, graceSeconds: 1 });
const of = (releaseId: string, predicate: (s: ComponentStatus) => boolean) => (s: ComponentStatus) =>
  s.releaseId === releaseId && predicate(s);
const serving = (s: ComponentStatus) => s.state === "RUNNING" && s.health === "HEALTHY";
const answer = async (host: string) => JSON.parse(await httpGet(host, PORT, "/WHO")).value as string;

/** r1 running and healthy, answering "one". */
async function startFirst(): Promise<ComponentStatus> {
  sandbox.writeApp({ "server.js": SERVER_JS });
  await sandbox.runtime.apply(release("r1", "one"));
  return waitForStatus(sandbox.runtime, KEY, "web", of("r1", serving));
}

describe("rollouts: a new Release starts beside the running one", () => {
  it("keeps the running Release serving until the new one is healthy, then switches and stops the old one", async () => {
    sandbox = createSandbox();
    const first = await startFirst();
    // r2 turns healthy when the test says so: until then both run, and r1 serves.
    const go = join(sandbox.root, "go");
    await sandbox.runtime.apply(release("r2", "two", web({ health: { command: `test -e ${go}`, interval: "1s", timeout: "1s" } })));
    // Its output is the newest Release's: the line SERVER_JS prints once it listens.
    await waitFor(() => sandbox.runtime.logs(KEY, "web", 5).some((line) => line.includes("listening")), "r2 listens");
    // Started beside it, on its own address: the links still lead to r1, which still answers.
    const starting = sandbox.runtime.status(KEY).find((s) => s.releaseId === "r2");
    expect(starting?.host).not.toBe(first.host);
    expect(sandbox.runtime.serving(KEY)?.releaseId).toBe("r1");
    expect(await answer(first.host)).toBe("one");
    expect(await answer(starting!.host)).toBe("two");

    writeFileSync(go, "");
    await waitForStatus(
      sandbox.runtime,
      KEY,
      "web",
      of("r1", (s) => s.state === "STOPPED"),
    );
    expect(sandbox.runtime.serving(KEY)?.releaseId).toBe("r2");
    const [now] = sandbox.runtime.serving(KEY)?.components ?? [];
    expect(now).toMatchObject({ releaseId: "r2", state: "RUNNING", health: "HEALTHY" });
    expect(await answer(now!.host)).toBe("two");
    expect(isAlive(first.pid ?? 0)).toBe(false);
    expect(sandbox.runtime.status(KEY).map((s) => s.releaseId)).toEqual(["r2"]);
  });

  it("fails a new Release that crash-loops; the running one goes on untouched, and applying it again drops the failed one", async () => {
    sandbox = createSandbox();
    const first = await startFirst();
    await sandbox.runtime.apply(release("r2", "two", web({ command: [NODE, "-e", "process.exit(3)"] })));
    const failed = await waitForStatus(
      sandbox.runtime,
      KEY,
      "web",
      of("r2", (s) => s.state === "FAILED"),
    );
    expect(failed.message).toMatch(/^crash-looping before it was ever healthy \(exited with code 3/);
    expect(failed.pid).toBeNull();
    expect(sandbox.runtime.serving(KEY)?.releaseId).toBe("r1");
    expect(sandbox.runtime.status(KEY).find((s) => s.releaseId === "r1")).toMatchObject({ state: "RUNNING", pid: first.pid });
    expect(await answer(first.host)).toBe("one");

    // The API gives the Stage back its running Release: the failed one is forgotten, r1 keeps its process.
    await sandbox.runtime.apply(release("r1", "one"));
    expect(sandbox.runtime.status(KEY)).toEqual([expect.objectContaining({ releaseId: "r1", state: "RUNNING", pid: first.pid })]);
  });

  it("fails a new Release whose service is not healthy within the rollout timeout", async () => {
    sandbox = createSandbox({ ...FAST, rolloutTimeoutMs: 1500 });
    const first = await startFirst();
    const never = web({ health: { command: "false", interval: "1s", timeout: "1s" } });
    await sandbox.runtime.apply(release("r2", "two", never));
    const failed = await waitForStatus(
      sandbox.runtime,
      KEY,
      "web",
      of("r2", (s) => s.state === "FAILED"),
    );
    expect(failed.message).toBe("not running and healthy within 1.5s");
    expect(await answer(first.host)).toBe("one");
  });

  it("hands a service's standard storage over to the new Release, and back when the new one fails", async () => {
    sandbox = createSandbox();
    const withStorage = (command?: unknown[]) =>
      web({ storage: [{ name: "data", path: "/data", size: "1Mi" }], ...(command && { command }) });
    sandbox.writeApp({ "server.js": SERVER_JS });
    await sandbox.runtime.apply(release("r1", "one", withStorage()));
    const first = await waitForStatus(sandbox.runtime, KEY, "web", of("r1", serving));
    await sandbox.runtime.apply(release("r2", "two", withStorage([NODE, "-e", "process.exit(4)"])));
    // One process per volume: r1's stopped before r2's started, on the same address.
    expect(isAlive(first.pid ?? 0)).toBe(false);
    expect(sandbox.runtime.status(KEY).find((s) => s.releaseId === "r2")?.host).toBe(first.host);
    await waitForStatus(
      sandbox.runtime,
      KEY,
      "web",
      of("r2", (s) => s.state === "FAILED"),
    );
    const back = await waitForStatus(sandbox.runtime, KEY, "web", of("r1", serving));
    expect(back.pid).not.toBe(first.pid);
    expect(await answer(back.host)).toBe("one");
  });

  it("replaces a suspended Stage's Release in place: nothing serves, so nothing waits", async () => {
    sandbox = createSandbox();
    await startFirst();
    await sandbox.runtime.apply({ ...release("r1", "one"), suspended: true });
    await sandbox.runtime.apply({ ...release("r2", "two"), suspended: true });
    expect(sandbox.runtime.serving(KEY)?.releaseId).toBe("r2");
    expect(sandbox.runtime.status(KEY)).toEqual([expect.objectContaining({ releaseId: "r2", state: "SUSPENDED" })]);
  });
});

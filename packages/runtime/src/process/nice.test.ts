import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { createSandbox, createSpec, NODE, waitForStatus, type Sandbox } from "./process.test-utils.js";

let sandbox: Sandbox;
afterEach(async () => sandbox.dispose());

/** The nice level of a running process, from /proc/<pid>/stat (field 19; the name in parentheses may hold spaces). */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

const IDLE_JS = "setInterval(() => {}, 1000);";
const MANIFEST = { version: "v1", components: [{ name: "idle", command: [NODE, "idle.js"] }] };

describe("nice levels (Stage policies)", () => {
  it("starts a Component's process at the spec's nice level, and at the runtime's own without one", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "idle.js": IDLE_JS });
    const own = niceOf(process.pid);
    const niced = createSpec(sandbox, MANIFEST, { stageKey: "p/dev", nice: 10 });
    const plain = createSpec(sandbox, MANIFEST, { stageKey: "p/prod" });
    await sandbox.runtime.apply(niced);
    await sandbox.runtime.apply(plain);
    const running = (s: { state: string; pid: number | null }) => s.state === "RUNNING" && s.pid !== null;
    const dev = await waitForStatus(sandbox.runtime, "p/dev", "idle", running);
    const prod = await waitForStatus(sandbox.runtime, "p/prod", "idle", running);
    expect(niceOf(dev.pid!)).toBe(10);
    expect(niceOf(prod.pid!)).toBe(own);
  });
});

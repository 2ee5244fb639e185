/**
 * The usage sampler on a real process tree read from /proc: a Component's process starts a
 * child that holds memory and burns CPU when told to. Its samples count the child, CPU seconds
 * and the CPU rate rise with the work, a Component without a process uses nothing, and samples
 * that could not be sent go with the next batch, oldest first.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { ComponentStatus } from "@pergola/runtime";
import { afterEach, describe, expect, it } from "vitest";
import type { UsageSample } from "./desired-state.js";
import { UsageSampler } from "./usage-sampler.js";

const MIB = 1024 * 1024;

/** Starts a child holding 80 MiB (touched) that burns 0.4 s of CPU per "burn" line, and says "burned". */
const PARENT = `
const child = require("child_process").spawn(process.execPath, ["-e", \`
  const held = Buffer.allocUnsafe(80 * 1024 * 1024).fill(3);
  require("readline").createInterface({ input: process.stdin }).on("line", () => {
    const start = process.cpuUsage();
    let x = 0;
    while (process.cpuUsage(start).user < 400000) x += held[x % held.length] + 1;
    console.log("burned");
  });
  console.log("ready");
\`], { stdio: ["pipe", "pipe", "inherit"] });
process.stdin.pipe(child.stdin);
child.stdout.pipe(process.stdout);
`;

let parent: ChildProcessWithoutNullStreams | undefined;
afterEach(() => {
  parent?.kill("SIGKILL");
});

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function status(name: string, pid: number | null): ComponentStatus {
  return {
    name,
    releaseId: "r1",
    kind: "SERVICE",
    state: pid ? "RUNNING" : "SCHEDULED",
    health: "HEALTHY",
    observedAt: null,
    restarts: 0,
    pid,
    host: "",
  };
}

async function nextLine(child: ChildProcessWithoutNullStreams, wanted: string): Promise<void> {
  const lines = createInterface({ input: child.stdout });
  try {
    const found = new Promise<void>((resolve) => lines.on("line", (line) => line === wanted && resolve()));
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no "${wanted}" within 10 s`)), 10_000).unref());
    await Promise.race([found, timeout, once(child, "exit").then(() => Promise.reject(new Error("the process exited")))]);
  } finally {
    lines.close();
  }
}

describe("UsageSampler", () => {
  it("samples each Component's process tree, with the CPU rate over the interval, and ships what it could not send with the next batch", async () => {
    parent = spawn(process.execPath, ["-e", PARENT], { stdio: ["pipe", "pipe", "inherit"] });
    await nextLine(parent, "ready");
    const pid = parent.pid!;
    const sent: UsageSample[][] = [];
    let failNext = true;
    const sampler = new UsageSampler({
      stages: () => [{ key: "shop/prod", stageId: "stage-1" }],
      status: () => [status("web", pid), status("nightly", null)],
      async send(samples) {
        if (failNext) {
          failNext = false;
          throw new Error("not connected yet");
        }
        sent.push(samples);
        return { stored: samples.length, dropped: 0, reason: null };
      },
      logger: silent,
    });

    const [web, nightly] = sampler.sample();
    await sampler.settled();
    expect(web).toMatchObject({ stageId: "stage-1", component: "web", at: expect.any(String) });
    // The child's 80 MiB are in its parent's tree.
    expect(Number(web!.memoryBytes)).toBeGreaterThan(80 * MIB);
    expect(web!.openFiles).toBeGreaterThan(3);
    expect(nightly).toMatchObject({ component: "nightly", cpuSecondsTotal: 0, cpu: 0, memoryBytes: "0", openFiles: 0 });
    expect(sent).toEqual([]);

    parent.stdin.write("burn\n");
    await nextLine(parent, "burned");
    const [burned] = sampler.sample();
    expect(burned!.cpuSecondsTotal - web!.cpuSecondsTotal).toBeGreaterThanOrEqual(0.35);
    // The rate over the interval since the last sampling, which held the burn.
    expect(burned!.cpu).toBeGreaterThan(0.1);
    expect(sampler.now()).toEqual([
      {
        stage: "shop/prod",
        component: "web",
        cpuSecondsTotal: burned!.cpuSecondsTotal,
        memoryBytes: Number(burned!.memoryBytes),
        openFiles: burned!.openFiles,
      },
      { stage: "shop/prod", component: "nightly", cpuSecondsTotal: 0, memoryBytes: 0, openFiles: 0 },
    ]);

    // The first batch failed: it goes with the second, oldest first, in one message.
    await sampler.settled();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.map((s) => [s.component, s.at])).toEqual([
      ["web", web!.at],
      ["nightly", nightly!.at],
      ["web", burned!.at],
      ["nightly", burned!.at],
    ]);
  });

  it("keeps at most maxBacklog samples while it cannot send, dropping the oldest", async () => {
    let online = false;
    const sent: UsageSample[][] = [];
    const sampler = new UsageSampler({
      stages: () => [{ key: "shop/prod", stageId: "stage-1" }],
      status: () => [status("web", null)],
      async send(samples) {
        if (!online) throw new Error("offline");
        sent.push(samples);
        return { stored: samples.length, dropped: 0, reason: null };
      },
      logger: silent,
      maxBacklog: 2,
      readUsage: () => new Map(),
    });
    const taken: UsageSample[] = [];
    for (let i = 0; i < 3; i++) {
      taken.push(...sampler.sample());
      await sampler.settled();
    }
    expect(sent).toEqual([]);
    online = true;
    taken.push(...sampler.sample());
    await sampler.settled();
    // Of four samples, the two newest.
    expect(sent).toEqual([taken.slice(-2)]);
  });
});

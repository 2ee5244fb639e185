import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { readProcStat, signalGroup } from "./proc.js";
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

let sandbox: Sandbox;
/** Groups to SIGKILL after each test, in case it failed before they were stopped. */
const leftovers: number[] = [];
afterEach(async () => {
  for (const pgid of leftovers.splice(0)) signalGroup(pgid, "SIGKILL");
  await sandbox.dispose();
});

const packageDir = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A runtime in a process of its own, as the agent has it: it applies the spec, prints the pids
 * once every Component is HEALTHY, and waits to be killed. (Healthy first: a server that logs
 * "listening" after its runtime died would die of EPIPE on its stdout.)
 */
const CRASHING_RUNTIME = `
import { ProcessRuntime } from ${JSON.stringify(new URL("./process-runtime.ts", import.meta.url).href)};
const { dataDir, spec } = JSON.parse(process.env.CRASH_INPUT);
const runtime = new ProcessRuntime({ dataDir });
const healthy = () => runtime.status(spec.stageKey).every((s) => s.health === "HEALTHY");
const ready = new Promise((resolve) => runtime.on("change", () => healthy() && resolve()));
await runtime.apply(spec);
if (!healthy()) await ready;
console.log(JSON.stringify(runtime.status(spec.stageKey).map((s) => s.pid)));
setInterval(() => {}, 1000);
`;

function startCrashingRuntime(input: unknown): ChildProcess {
  return spawn(NODE, ["--import", "tsx", "--input-type=module", "-e", CRASHING_RUNTIME], {
    cwd: packageDir,
    env: { PATH: process.env.PATH ?? "", CRASH_INPUT: JSON.stringify(input) },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

function readLine(child: ChildProcess, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`no line within ${timeoutMs} ms: ${output}`)), timeoutMs);
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      if (output.includes("\n")) {
        clearTimeout(timer);
        resolve(output.slice(0, output.indexOf("\n")));
      }
    });
  });
}

/** Every live process of group `pgid`, from /proc. */
function listGroup(pgid: number): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      const stat = readProcStat(pid);
      return stat?.pgrp === pgid && stat.state !== "Z";
    });
}

/** A process that has nothing to do with any runtime, leading its own group. */
function startBystander(): number {
  const child = spawn(NODE, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
  child.unref();
  leftovers.push(child.pid!);
  return child.pid!;
}

function writeRecord(dataDir: string, file: string, record: Record<string, unknown>): void {
  mkdirSync(join(dataDir, "pids"), { recursive: true });
  writeFileSync(join(dataDir, "pids", file), JSON.stringify({ stageKey: "shop/test", component: "web", releaseId: "r0", ...record }));
}

const listRecords = (dataDir: string) => readdirSync(join(dataDir, "pids"));

/** A service whose shell and its child both ignore SIGTERM: only SIGKILL to the group stops them. */
const STUBBORN = `'${NODE}' -e 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)' & trap "" TERM; wait`;

describe("recovery after a crash of the runtime", () => {
  it("stops what the crashed runtime left running, leaves a recycled pid alone, and then starts the Stage once", async () => {
    sandbox = createSandbox({ ...FAST, recoverGraceMs: 300 });
    sandbox.writeApp({ "server.js": SERVER_JS });
    const spec = createSpec(
      sandbox,
      {
        version: "v1",
        components: [
          { name: "web", command: [NODE, "server.js"], ports: [8080], health: { http: { port: 8080 } } },
          { name: "stubborn", command: STUBBORN },
        ],
      },
      { graceSeconds: 0.2 },
    );
    const crashed = startCrashingRuntime({ dataDir: sandbox.dataDir, spec });
    const [web, stubborn] = JSON.parse(await readLine(crashed)) as [number, number];
    leftovers.push(web, stubborn);
    const grandchild = await waitFor(() => listGroup(stubborn).find((pid) => pid !== stubborn), "the stubborn shell's child");
    const records = listRecords(sandbox.dataDir).map((file) => JSON.parse(readFileSync(join(sandbox.dataDir, "pids", file), "utf8")));
    expect(records.map((r) => [r.component, r.pid, r.pgid]).sort()).toEqual([
      ["stubborn", stubborn, stubborn],
      ["web", web, web],
    ]);
    expect(records[0]).toMatchObject({ stageKey: "shop/test", releaseId: "r1", startTime: readProcStat(records[0].pid)?.startTime });

    crashed.kill("SIGKILL");
    await once(crashed, "exit");
    // The crash leaves orphans: nothing stopped them.
    expect([web, stubborn, grandchild].map(isAlive)).toEqual([true, true, true]);

    // Records the new runtime must not act on: a pid that some other process has now (its start
    // time differs), a process that is gone, and a record the crash cut short.
    const bystander = startBystander();
    writeRecord(sandbox.dataDir, `${bystander}-1.json`, { pid: bystander, pgid: bystander, startTime: "1" });
    const gone = spawnSync(NODE, ["-e", ""]).pid;
    writeRecord(sandbox.dataDir, `${gone}-1.json`, { pid: gone, pgid: gone, startTime: "1" });
    writeFileSync(join(sandbox.dataDir, "pids", "7-1.json.tmp"), '{"pid": 7');

    const reaped = await sandbox.runtime.recover();
    const outcomes = Object.fromEntries(reaped.map((r) => [r.record?.pid ?? r.file, r.outcome]));
    expect(outcomes).toEqual({
      [web]: "stopped",
      [stubborn]: "killed",
      [bystander]: "recycled",
      [gone]: "gone",
      "7-1.json.tmp": "unreadable",
    });
    expect([web, stubborn, grandchild].map(isAlive)).toEqual([false, false, false]);
    expect(isAlive(bystander)).toBe(true);
    expect(listRecords(sandbox.dataDir)).toEqual([]);
    // Once only: a second call answers the same.
    expect(await sandbox.runtime.recover()).toBe(reaped);

    // The Stage starts again, once: the new server has the port to itself.
    await sandbox.runtime.apply(spec);
    const started = await waitForStatus(sandbox.runtime, spec.stageKey, "web", (s) => s.state === "RUNNING" && s.health === "HEALTHY");
    expect(JSON.parse(await httpGet(started.host, 8080, "/HOST"))).toEqual({ host: started.host, value: started.host });
    expect(started.pid).not.toBe(web);
    expect(listRecords(sandbox.dataDir)).toHaveLength(2);
    await sandbox.runtime.close();
    // A clean stop leaves no record behind.
    expect(listRecords(sandbox.dataDir)).toEqual([]);
  });

  it("lets the first apply wait for the recovery when nobody called recover()", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "server.js": SERVER_JS });
    const orphan = spawn(NODE, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
    leftovers.push(orphan.pid!);
    const exited = once(orphan, "exit");
    const startTime = await waitFor(() => readProcStat(orphan.pid!)?.startTime, "the orphan's start time");
    writeRecord(sandbox.dataDir, `${orphan.pid}-${startTime}.json`, { pid: orphan.pid, pgid: orphan.pid, startTime });

    await sandbox.runtime.apply(
      createSpec(sandbox, { version: "v1", components: [{ name: "web", command: [NODE, "server.js"], ports: [8080] }] }),
    );
    expect(await exited).toEqual([null, "SIGTERM"]);
    expect(listRecords(sandbox.dataDir)).toHaveLength(1);
  });
});

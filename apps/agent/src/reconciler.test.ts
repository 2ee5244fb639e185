/**
 * The Reconciler against the real process runtime: tiny `node -e` apps in a temp dir, a
 * fetchRelease that returns that dir, and a report function that records what the agent
 * would send (the test's observer). Waits are on recorded reports, with timeouts.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProcessRuntime } from "@pergola/runtime";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DesiredRelease, DesiredStage, StatusReport } from "./desired-state.js";
import { Reconciler } from "./reconciler.js";

const NODE = process.execPath;
const IDLE = "setInterval(() => {}, 1000)";

function createManifest(names: string[] = ["web"]) {
  return { version: "v1", components: names.map((name) => ({ name, command: [NODE, "-e", IDLE] })) };
}

function createStage(overrides: Partial<DesiredStage> & { release?: Partial<DesiredRelease> | null } = {}): DesiredStage {
  const { release, ...rest } = overrides;
  return {
    stageId: "stage-a",
    key: "shop/a",
    generation: 1,
    suspended: false,
    graceSeconds: 1,
    ...rest,
    release:
      release === null
        ? null
        : { id: "rel-1", manifest: createManifest(), artifact: "ab".repeat(32), config: { env: {}, files: {} }, controls: [], ...release },
  };
}

/** Records reports; `waitFor` resolves with the first report (from index `from` on) that satisfies `predicate`. */
function createRecorder() {
  const reports: StatusReport[] = [];
  const listeners = new Set<() => void>();
  return {
    reports,
    /** How many reports to refuse next, as connection.ts does when the API answers with an error. */
    refuseNext: 0,
    refused: 0,
    async report(report: StatusReport) {
      if (this.refuseNext > 0) {
        this.refuseNext--;
        this.refused++;
        throw new Error("The database cannot be reached right now; try again");
      }
      reports.push(structuredClone(report));
      for (const listener of listeners) listener();
      return { accepted: true, reason: null };
    },
    waitFor(predicate: (report: StatusReport) => boolean, from = 0, timeoutMs = 10_000): Promise<StatusReport> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = reports.slice(from).find(predicate);
          if (!found) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no such report within ${timeoutMs} ms; got ${JSON.stringify(reports.slice(from), null, 1)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

const allIn = (state: string) => (report: StatusReport) =>
  report.components.length > 0 && report.components.every((c) => c.state === state);

describe("Reconciler", () => {
  let root: string;
  let runtime: ProcessRuntime;
  let recorder: ReturnType<typeof createRecorder>;
  let fetched: { key: string; generation: number }[];
  let failFetches: number;
  let reconciler: Reconciler;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "pergola-agent-"));
    // The Release's files, beside the runtime's data dir as the agent keeps them (each Component runs in a copy).
    mkdirSync(join(root, "app"));
    runtime = new ProcessRuntime({
      dataDir: join(root, "runtime"),
      restart: { initialMs: 50, maxMs: 200, stableMs: 3000, crashLoopAfter: 3 },
    });
    recorder = createRecorder();
    fetched = [];
    failFetches = 0;
    reconciler = new Reconciler({
      runtime,
      logger: pino({ level: "silent" }),
      retry: { initialMs: 20, maxMs: 100 },
      report: (report) => recorder.report(report),
      fetchRelease: async (stage) => {
        fetched.push({ key: stage.key, generation: stage.generation });
        if (failFetches > 0) {
          failFetches--;
          throw new Error("404 artifact not found");
        }
        return join(root, "app");
      },
    });
  });

  afterEach(async () => {
    await reconciler.close();
    await runtime.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("starts every Stage of a full state and reports RUNNING with the applied generation", async () => {
    reconciler.applyFull([
      createStage({ generation: 3, release: { manifest: createManifest(["web", "worker"]) } }),
      createStage({ stageId: "stage-b", key: "shop/b", release: { id: "rel-b" } }),
    ]);
    const a = await recorder.waitFor((r) => r.stageId === "stage-a" && allIn("RUNNING")(r));
    const b = await recorder.waitFor((r) => r.stageId === "stage-b" && allIn("RUNNING")(r));
    expect(a).toMatchObject({ releaseId: "rel-1", observedGeneration: 3 });
    expect(a.components.map((c) => c.name)).toEqual(["web", "worker"]);
    expect(a.components[0]).toMatchObject({ kind: "SERVICE", health: "HEALTHY", restarts: 0 });
    expect(a.components[0]!.host).toMatch(/^127\.77\./);
    expect(Object.keys(a.components[0]!).sort()).toEqual(
      ["health", "host", "kind", "logs", "message", "name", "observedAt", "restarts", "state"].sort(),
    );
    expect(b).toMatchObject({ releaseId: "rel-b", observedGeneration: 1 });
  });

  it("sends a report again when the API refused it (SERVICE_UNAVAILABLE while its database is down)", async () => {
    recorder.refuseNext = 3;
    reconciler.applyFull([createStage()]);
    const report = await recorder.waitFor(allIn("RUNNING"));
    expect(recorder.refused).toBe(3);
    expect(report).toMatchObject({ releaseId: "rel-1", observedGeneration: 1 });
  });

  it("tells of the Stage's traffic: at once the first time, then in the next report; an API without the field gets none", async () => {
    reconciler.applyFull([createStage()]);
    await recorder.waitFor(allIn("RUNNING"));
    let seen = recorder.reports.length;
    reconciler.noteTraffic("shop/a", 1_000_000);
    const first = await recorder.waitFor((r) => r.lastTrafficAt != null, seen);
    expect(first).toMatchObject({ stageId: "stage-a", lastTrafficAt: new Date(1_000_000).toISOString() });
    expect(allIn("RUNNING")(first)).toBe(true);
    // Within the minute traffic queues no report of its own; the next report carries the newest.
    reconciler.noteTraffic("shop/a", 1_030_000);
    reconciler.noteTraffic("shop/a", 1_020_000); // older than what was noted: ignored
    reconciler.noteTraffic("elsewhere/x", 1_030_000); // not a Stage of this agent
    seen = recorder.reports.length;
    reconciler.applyChanges([createStage({ generation: 2, suspended: true })], []);
    const next = await recorder.waitFor((r) => r.observedGeneration === 2, seen);
    expect(next.lastTrafficAt).toBe(new Date(1_030_000).toISOString());

    // An API from before the field refuses it by name (as GraphQL coerces variables): sent again without it.
    const unknownField = 'Variable "$i" got invalid value; Field "lastTrafficAt" is not defined by type "StatusReportInput".';
    const send = recorder.report.bind(recorder);
    const refusedAt: number[] = [];
    recorder.report = async (report) => {
      if (report.lastTrafficAt) {
        refusedAt.push(recorder.reports.length);
        throw new Error(unknownField);
      }
      return send(report);
    };
    reconciler.noteTraffic("shop/a", 1_100_000);
    await vi.waitFor(() => expect(refusedAt).toHaveLength(1));
    const without = await recorder.waitFor(() => true, refusedAt[0]);
    expect(without).toMatchObject({ stageId: "stage-a", observedGeneration: 2 });
    expect(without.lastTrafficAt).toBeUndefined();
    reconciler.noteTraffic("shop/a", 1_200_000);
    reconciler.applyChanges([createStage({ generation: 3 })], []);
    expect((await recorder.waitFor((r) => r.observedGeneration === 3)).lastTrafficAt).toBeUndefined();
    expect(refusedAt).toHaveLength(1);
  });

  it("applies a generation once: the same state again leaves the same processes", async () => {
    reconciler.applyFull([createStage()]);
    await recorder.waitFor(allIn("RUNNING"));
    const pids = runtime.status("shop/a").map((s) => s.pid);
    expect(pids[0]).toBeGreaterThan(0);

    const seen = recorder.reports.length;
    reconciler.applyFull([createStage()]);
    await recorder.waitFor(allIn("RUNNING"), seen); // said again, not applied again
    expect(runtime.status("shop/a").map((s) => s.pid)).toEqual(pids);
    expect(fetched).toEqual([{ key: "shop/a", generation: 1 }]);
  });

  it("applies only the newest of the states that arrive while it is busy", async () => {
    reconciler.applyFull([createStage()]);
    reconciler.applyChanges([createStage({ generation: 2, release: { id: "rel-2" } })], []);
    const report = await recorder.waitFor(allIn("RUNNING"));
    expect(report).toMatchObject({ releaseId: "rel-2", observedGeneration: 2 });
    expect(fetched).toEqual([{ key: "shop/a", generation: 2 }]);
  });

  it("stops a Stage that a full state no longer lists, and one named in removed", async () => {
    reconciler.applyFull([
      createStage(),
      createStage({ stageId: "stage-b", key: "shop/b" }),
      createStage({ stageId: "stage-c", key: "shop/c" }),
    ]);
    for (const id of ["stage-a", "stage-b", "stage-c"]) await recorder.waitFor((r) => r.stageId === id && allIn("RUNNING")(r));
    const pidOf = (key: string) => runtime.status(key)[0]!.pid!;
    const [pidB, pidC] = [pidOf("shop/b"), pidOf("shop/c")];

    reconciler.applyFull([createStage(), createStage({ stageId: "stage-c", key: "shop/c" })]);
    await reconciler.whenIdle();
    expect(runtime.status("shop/b")).toEqual([]);
    expect(isAlive(pidB)).toBe(false);

    reconciler.applyChanges([], ["stage-c"]);
    await reconciler.whenIdle();
    expect(runtime.status("shop/c")).toEqual([]);
    expect(isAlive(pidC)).toBe(false);
    expect(runtime.status("shop/a")).toHaveLength(1);
  });

  it("suspends a Stage when a newer generation says suspended", async () => {
    reconciler.applyFull([createStage()]);
    await recorder.waitFor(allIn("RUNNING"));
    const pid = runtime.status("shop/a")[0]!.pid!;

    reconciler.applyChanges([createStage({ generation: 2, suspended: true })], []);
    const report = await recorder.waitFor((r) => r.observedGeneration === 2 && allIn("SUSPENDED")(r));
    expect(report.releaseId).toBe("rel-1");
    expect(isAlive(pid)).toBe(false);
    expect(fetched).toHaveLength(2); // generation 2 was applied
  });

  it("reports an invalid manifest as FAILED with its problems, and runs nothing", async () => {
    const manifest = {
      version: "v1",
      components: [
        { name: "web", comand: "node server.js" },
        { name: "nightly", scheduled: "0 2 * * *" },
      ],
    };
    reconciler.applyFull([createStage({ generation: 4, release: { id: "rel-bad", manifest } })]);
    const report = await recorder.waitFor(allIn("FAILED"));
    expect(report).toMatchObject({ stageId: "stage-a", releaseId: "rel-bad", observedGeneration: 4 });
    expect(report.components.map((c) => [c.name, c.kind])).toEqual([
      ["web", "SERVICE"],
      ["nightly", "CRON"],
    ]);
    expect(report.components[0]!.message).toContain("invalid manifest: ");
    expect(report.components[0]!.message).toContain("components[0].comand: unknown field (did you mean command?)");
    expect(runtime.status("shop/a")).toEqual([]);
    expect(fetched).toEqual([]);
  });

  it("reports a failed artifact fetch as FAILED and retries until it succeeds", async () => {
    failFetches = 2;
    reconciler.applyFull([createStage()]);
    const failed = await recorder.waitFor(allIn("FAILED"));
    expect(failed.components[0]!.message).toBe("could not fetch the artifact: 404 artifact not found");
    const running = await recorder.waitFor(allIn("RUNNING"));
    expect(running.observedGeneration).toBe(1);
    expect(fetched).toHaveLength(3);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

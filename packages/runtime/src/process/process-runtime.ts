/**
 * The process runtime: each Component of a Stage's Release is a child process on this host
 * (docs/design.md, "Vocabulary" and "Component"). Calls for one Stage run one
 * after another; different Stages do not wait for each other.
 *
 * Every process it starts is recorded under `<dataDir>/pids/` until it has exited. A runtime
 * that dies without `close()` leaves its processes running; the next one on the same data dir
 * stops them (`recover`) before its first `apply` starts anything.
 */
import { EventEmitter } from "node:events";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Backoff } from "@pergola/schema/time";
import type { RunnerOptions } from "./component-runner.js";
import { getInstallId } from "./install-id.js";
import { LoopbackAllocator } from "./loopback.js";
import { PidRecords, type ReapedProcess } from "./pid-records.js";
import type { ChangeListener, ComponentStatus, ReleaseSpec, Runtime } from "./runtime.type.js";
import { StageRunner } from "./stage-runner.js";
import { getStageDirs, prepareStageSandbox, removeReleaseCopy } from "./stage-sandbox.js";
import { StageUsers } from "./stage-users.js";

export interface ProcessRuntimeOptions {
  /**
   * Where storage (`<dataDir>/storage/…`, kept) and each process's run dir (`<dataDir>/run/…`,
   * discarded) live. One data dir is one install: its id (`<dataDir>/install-id`) salts the
   * Components' loopback addresses, so two installs on one host do not meet on them.
   */
  dataDir: string;
  /**
   * The env every process starts from, before its manifest env. Default: `PATH` of the
   * runtime's own process and `LANG=C.UTF-8` — a Component sees none of the agent's secrets.
   * (Each process also gets `HOME`, its own directory under its run dir.)
   */
  baseEnv?: Record<string, string>;
  /**
   * Who runs the Components. `stage-user` (needs root): each Stage as its own unprivileged
   * system user (`pergola-s-<hash of the Stage's id>`, made with useradd), its directories
   * 0700 and its own, the runtime's directories closed to it (see stage-sandbox.ts).
   * `self` (the default): the runtime's own user — no isolation between Stages, nor from the
   * runtime; for development, tests, or a machine that runs one tenant's Stages only.
   */
  runAs?: "stage-user" | "self";
  /** The Stage users' name prefix. Default `pergola-s-`. */
  stageUserPrefix?: string;
  /**
   * Service restarts: 0.5 s doubling to 30 s; `stableMs` (10 s) up counts as a recovery; after
   * `crashLoopAfter` (3) quick exits in a row the state is CRASHLOOP.
   */
  restart?: Partial<RunnerOptions["restart"]>;
  /** `@release` job retries: 10 s doubling (10, 20, 40 s, as Pergola does) to 5 min. */
  retry?: Partial<Backoff>;
  /** Lines of output kept per Component. Default 200. */
  logLines?: number;
  /**
   * How long a process left by a crashed runtime gets between SIGTERM and SIGKILL when `recover`
   * stops it. Default 5 s: the Stage's own grace is not known then, and the agent is not
   * connected (nothing is reported) until recovery is over.
   */
  recoverGraceMs?: number;
}

export const DEFAULT_RESTART = { initialMs: 500, maxMs: 30_000, stableMs: 10_000, crashLoopAfter: 3 };
export const DEFAULT_RETRY = { initialMs: 10_000, maxMs: 300_000 };
export const DEFAULT_RECOVER_GRACE_MS = 5000;

export class ProcessRuntime implements Runtime {
  private readonly stages = new Map<string, StageRunner>();
  /** Per Stage, the tail of its queue of calls. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Made at the first `apply`, when the data dir's install id is read (or made). */
  private allocator: LoopbackAllocator | undefined;
  private readonly events = new EventEmitter();
  private readonly options: RunnerOptions & { dataDir: string };
  private readonly recoverGraceMs: number;
  private readonly users: StageUsers | undefined;
  private recovery: Promise<ReapedProcess[]> | undefined;
  private closed = false;

  constructor(options: ProcessRuntimeOptions) {
    const path = process.env.PATH;
    this.options = {
      dataDir: options.dataDir,
      baseEnv: options.baseEnv ?? { ...(path !== undefined && { PATH: path }), LANG: "C.UTF-8" },
      restart: { ...DEFAULT_RESTART, ...options.restart },
      retry: { ...DEFAULT_RETRY, ...options.retry },
      logLines: options.logLines ?? 200,
      pids: new PidRecords(join(options.dataDir, "pids")),
    };
    this.recoverGraceMs = options.recoverGraceMs ?? DEFAULT_RECOVER_GRACE_MS;
    this.users = options.runAs === "stage-user" ? new StageUsers(options.stageUserPrefix) : undefined;
  }

  /**
   * Stops whatever a previous runtime on this data dir left running (its PID records): a
   * process whose pid and start time match gets SIGTERM to its group, then SIGKILL after
   * `recoverGraceMs`; a pid now used by another process is left alone. Every record is
   * deleted. Runs once: later calls, and every `apply`, wait for the same result.
   */
  recover(): Promise<ReapedProcess[]> {
    this.recovery ??= this.options.pids.reap(this.recoverGraceMs);
    return this.recovery;
  }

  apply(spec: ReleaseSpec): Promise<void> {
    return this.enqueue(spec.stageKey, async () => {
      // Nothing starts before the leftovers are stopped, or a Component would run twice. If the
      // records cannot be read, the Stages still run; `recover`'s caller sees (and logs) why.
      await this.recover().catch(() => undefined);
      if (this.closed) throw new Error("the process runtime is closed");
      const running = this.stages.get(spec.stageKey);
      if (running && running.spec.releaseId === spec.releaseId) {
        // The same Release: only the Stage's settings can differ.
        const wasSuspended = running.spec.suspended;
        running.spec.graceSeconds = spec.graceSeconds;
        running.spec.suspended = spec.suspended;
        if (spec.suspended && !wasSuspended) await running.suspend();
        if (!spec.suspended && wasSuspended) running.resume();
        return;
      }
      // Prepared before the running Release stops: if the Stage's user or files cannot be made, it keeps running.
      const user = await this.users?.ensure(spec.stageId ?? spec.stageKey);
      const sandbox = await prepareStageSandbox(this.options.dataDir, spec, user, running ? [running.spec.releaseId] : []);
      const hosts = await this.acquireHosts(spec);
      const stage = new StageRunner({ ...spec }, hosts, this.options, sandbox, (status) =>
        this.events.emit("change", spec.stageKey, status),
      );
      await stage.prepare();
      if (running) {
        running.spec.graceSeconds = spec.graceSeconds;
        await running.stop();
        await removeReleaseCopy(this.options.dataDir, spec.stageKey, running.spec.releaseId);
      }
      this.stages.set(spec.stageKey, stage);
      await stage.start();
    });
  }

  remove(stageKey: string): Promise<void> {
    return this.enqueue(stageKey, async () => {
      const running = this.stages.get(stageKey);
      await running?.stop();
      this.stages.delete(stageKey);
      this.allocator?.releaseStage(stageKey);
      // The run dirs are gone with the processes; the Release's copy goes too. Storage is kept.
      if (running?.sandbox.user)
        await rm(join(getStageDirs(this.options.dataDir, stageKey).run, ".releases"), { recursive: true, force: true });
    });
  }

  status(stageKey: string): ComponentStatus[] {
    return this.stages.get(stageKey)?.status() ?? [];
  }

  logs(stageKey: string, component: string, tail: number): string[] {
    return this.stages.get(stageKey)?.runners.get(component)?.logs.tail(tail) ?? [];
  }

  logsSince(stageKey: string, component: string, after: number): { lines: string[]; next: number } {
    return this.stages.get(stageKey)?.runners.get(component)?.logs.since(after) ?? { lines: [], next: 0 };
  }

  /** Runs a CRON Component now, as its schedule would; false when it is not scheduled or already running. */
  runNow(stageKey: string, component: string): boolean {
    return this.stages.get(stageKey)?.runners.get(component)?.runNow() ?? false;
  }

  async close(): Promise<void> {
    this.closed = true;
    // A recovery under way finishes: an exit now would leave the leftovers for the next start.
    await this.recovery?.catch(() => undefined);
    // Calls already queued finish first (an apply then fails), so no Stage starts behind our back.
    await Promise.all(this.queues.values());
    await Promise.all([...this.stages.keys()].map((stageKey) => this.remove(stageKey)));
  }

  on(event: "change", listener: ChangeListener): void {
    this.events.on(event, listener);
  }

  off(event: "change", listener: ChangeListener): void {
    this.events.off(event, listener);
  }

  private async acquireHosts(spec: ReleaseSpec): Promise<Map<string, string>> {
    this.allocator ??= new LoopbackAllocator(getInstallId(this.options.dataDir));
    const hosts = new Map<string, string>();
    for (const component of spec.manifest.components) {
      const ports = [...component.ports, ...(component.health && "http" in component.health ? [component.health.http.port] : [])];
      hosts.set(component.name, await this.allocator.acquire(spec.stageKey, component.name, ports));
    }
    return hosts;
  }

  private enqueue(stageKey: string, task: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(stageKey) ?? Promise.resolve();
    const next = previous.then(task);
    // A failed call must not block the calls after it; its caller sees the error.
    const tail = next.catch(() => undefined);
    this.queues.set(stageKey, tail);
    void tail.then(() => {
      if (this.queues.get(stageKey) === tail) this.queues.delete(stageKey);
    });
    return next;
  }
}

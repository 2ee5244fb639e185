/**
 * The process runtime: each Component of a Stage's Release is a child process on this host
 * (DESIGN "Builds, Configurations, Releases and the runtime"). Calls for one Stage run one
 * after another; different Stages do not wait for each other.
 */
import { EventEmitter } from "node:events";
import type { Backoff } from "./backoff.js";
import type { RunnerOptions } from "./component-runner.js";
import { LoopbackAllocator } from "./loopback.js";
import type { ChangeListener, ComponentStatus, ReleaseSpec, Runtime } from "./runtime.type.js";
import { StageRunner } from "./stage-runner.js";

export interface ProcessRuntimeOptions {
  /** Where storage (`<dataDir>/storage/…`, kept) and each process's run dir (`<dataDir>/run/…`, discarded) live. */
  dataDir: string;
  /**
   * The env every process starts from, before its manifest env. Default: only `PATH` of the
   * runtime's own process — a Component sees none of the agent's secrets.
   */
  baseEnv?: Record<string, string>;
  /**
   * Service restarts: 0.5 s doubling to 30 s; `stableMs` (10 s) up counts as a recovery; after
   * `crashLoopAfter` (3) quick exits in a row the state is CRASHLOOP.
   */
  restart?: Partial<RunnerOptions["restart"]>;
  /** `@release` job retries: 10 s doubling (10, 20, 40 s, as Pergola does) to 5 min. */
  retry?: Partial<Backoff>;
  /** Lines of output kept per Component. Default 200. */
  logLines?: number;
}

export const DEFAULT_RESTART = { initialMs: 500, maxMs: 30_000, stableMs: 10_000, crashLoopAfter: 3 };
export const DEFAULT_RETRY = { initialMs: 10_000, maxMs: 300_000 };

export class ProcessRuntime implements Runtime {
  private readonly stages = new Map<string, StageRunner>();
  /** Per Stage, the tail of its queue of calls. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly allocator = new LoopbackAllocator();
  private readonly events = new EventEmitter();
  private readonly options: RunnerOptions & { dataDir: string };
  private closed = false;

  constructor(options: ProcessRuntimeOptions) {
    const path = process.env.PATH;
    this.options = {
      dataDir: options.dataDir,
      baseEnv: options.baseEnv ?? (path === undefined ? {} : { PATH: path }),
      restart: { ...DEFAULT_RESTART, ...options.restart },
      retry: { ...DEFAULT_RETRY, ...options.retry },
      logLines: options.logLines ?? 200,
    };
  }

  apply(spec: ReleaseSpec): Promise<void> {
    return this.enqueue(spec.stageKey, async () => {
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
      if (running) {
        running.spec.graceSeconds = spec.graceSeconds;
        await running.stop();
      }
      const stage = new StageRunner({ ...spec }, this.allocator, this.options, (status) =>
        this.events.emit("change", spec.stageKey, status),
      );
      this.stages.set(spec.stageKey, stage);
      await stage.start();
    });
  }

  remove(stageKey: string): Promise<void> {
    return this.enqueue(stageKey, async () => {
      await this.stages.get(stageKey)?.stop();
      this.stages.delete(stageKey);
      this.allocator.releaseStage(stageKey);
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

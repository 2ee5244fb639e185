/**
 * One Component of one Release, as a state machine (docs/design.md, "Component", draws it):
 *
 *   SERVICE  PENDING → RUNNING ⇄ STARTING (exited, waiting out the back-off)
 *                      RUNNING → CRASHLOOP after `crashLoopAfter` quick exits in a row,
 *                      CRASHLOOP → RUNNING once a process stays up `stableMs`
 *   JOB      PENDING → RUNNING → COMPLETED | STARTING (retry after back-off) → … → FAILED
 *   CRON     PENDING → SCHEDULED → RUNNING (one run at a time) → SCHEDULED
 *   any      → STOPPING → SUSPENDED (suspend) | STOPPED (stop); FAILED when it cannot start
 *   SERVICE  → STOPPING → STOPPED, held (people stopped it): it stays so, through suspends
 *            and resumes, until `control` starts it; a new runner starts held when told so
 *
 * The runner is driven by four calls — `start` (also resume), `suspend`, `stop`, and `control`
 * (people's requests: ComponentControl) — which the Stage serializes, and by its own process's
 * exits and timers.
 */
import { Cron } from "croner";
import type { Component } from "../manifest/manifest.type.js";
import { backoffDelay, formatDelay, type Backoff } from "@pergola/schema/time";
import { startChild, type ChildHandle, type Exit, type Launch } from "./child-process.js";
import { HealthProbe } from "./health-probe.js";
import { hasJobCompleted, readRunsHandled, recordJobCompleted, recordRunsHandled } from "./job-record.js";
import { prepareLaunch, removeRunDir, type ComponentDirs } from "./launch.js";
import { LogBuffer } from "./log-buffer.js";
import type { PidRecords } from "./pid-records.js";
import type { ComponentControl, ComponentStatus, ReleaseSpec } from "./runtime.type.js";
import type { StageSandbox } from "./stage-sandbox.js";
import type { WorkDirCopies } from "./work-dir.js";

export interface RunnerOptions {
  /** Service restarts. */
  restart: Backoff & { stableMs: number; crashLoopAfter: number };
  /** `@release` job retries. */
  retry: Backoff;
  logLines: number;
  baseEnv: Record<string, string>;
  /** Where each started process is recorded, so that the next runtime can stop it after a crash of this one. */
  pids: PidRecords;
}

export interface RunnerContext {
  spec: ReleaseSpec;
  host: string;
  hosts: Map<string, string>;
  dirs: ComponentDirs;
  /** The Stage's user and working directory. */
  sandbox: StageSandbox;
  /** Each run's own copy of the Release's files. */
  copies: WorkDirCopies;
  options: RunnerOptions;
  emit: (status: ComponentStatus) => void;
}

/** `held`: a service people stopped (ComponentControl.stopped); it starts again only through `control`. */
type Mode = "idle" | "active" | "suspended" | "held" | "stopped";

const STOPPED_ON_REQUEST = "stopped on request; startComponent starts it";

function describeExit(exit: Exit): string {
  if (exit.error) return `could not start: ${exit.error}`;
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

export class ComponentRunner {
  readonly logs: LogBuffer;
  private current: ComponentStatus;
  private mode: Mode = "idle";
  private child: ChildHandle | undefined;
  private probe: HealthProbe | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private cron: Cron | undefined;
  /** SERVICE: exits in a row, each before `stableMs`. JOB: failed runs so far. */
  private failures = 0;
  private startedAt = 0;
  /** JOB: COMPLETED or FAILED for good; it does not run again in this Release (unless a run is requested). */
  private finished = false;
  /** SERVICE: people stopped it (ComponentControl.stopped). */
  private held: boolean;
  /** SERVICE: the restart requests already acted on (or, for a new runner, there at its start). */
  private restartsSeen: number;
  /** JOB, CRON: the run requests so far, and those a run has started for (recorded beside its storage). */
  private runsWanted: number;
  private runsSeen: number;

  constructor(
    readonly component: Component,
    private readonly context: RunnerContext,
  ) {
    this.logs = new LogBuffer(context.options.logLines);
    const control = context.spec.controls?.[component.name];
    this.held = component.kind === "SERVICE" && Boolean(control?.stopped);
    this.restartsSeen = control?.restarts ?? 0;
    this.runsWanted = control?.runs ?? 0;
    this.runsSeen = component.kind !== "SERVICE" && this.runsWanted > 0 ? readRunsHandled(context.dirs, context.spec.releaseId) : 0;
    this.current = {
      name: component.name,
      releaseId: context.spec.releaseId,
      kind: component.kind,
      state: "PENDING",
      health: "UNKNOWN",
      observedAt: null,
      restarts: 0,
      pid: null,
      host: context.host,
    };
  }

  get status(): ComponentStatus {
    return { ...this.current };
  }

  /** Starts the Component, or resumes it after `suspend`. */
  start(): void {
    if (this.mode === "active" || this.mode === "held" || this.mode === "stopped") return;
    const { kind } = this.component;
    if (this.held) {
      this.mode = "held";
      this.update({ state: "STOPPED", health: "UNKNOWN", pid: null, message: STOPPED_ON_REQUEST });
      return;
    }
    this.mode = "active";
    if (kind === "SERVICE") {
      this.failures = 0;
      this.launch();
    } else if (kind === "JOB") {
      if (!this.finished && !this.child && hasJobCompleted(this.context.dirs, this.context.spec.releaseId)) {
        this.finished = true;
        this.update({ state: "COMPLETED", health: "HEALTHY", message: "completed for this Release before the agent restarted" });
      }
      if (this.runRequested()) this.rerun();
      if (!this.finished && !this.child) this.launch();
    } else {
      this.cron = new Cron(this.component.scheduled ?? "", { timezone: "UTC", mode: "5-part" }, () => {
        this.runNow();
      });
      if (this.runRequested() && !this.child) this.launch();
      if (!this.child) this.update({ state: "SCHEDULED", message: this.describeNextRun() });
    }
  }

  /**
   * People's requests (ComponentControl), as the Release's newest desired state has them. A
   * service stops and is held, or starts again; restarts when `restarts` grew. A job or cron
   * job runs when `runs` grew, if it is active and no run is under way (otherwise at its next
   * start). A suspended Component only notes them: resume acts on them.
   */
  async control(wanted: ComponentControl | undefined, graceMs: number): Promise<void> {
    if (this.mode === "stopped") return;
    if (this.component.kind !== "SERVICE") {
      this.runsWanted = Math.max(this.runsWanted, wanted?.runs ?? 0);
      if (this.mode === "active" && !this.child && this.runRequested()) {
        if (this.component.kind === "JOB") this.rerun();
        this.launch();
      }
      return;
    }
    const restart = (wanted?.restarts ?? 0) > this.restartsSeen;
    this.restartsSeen = Math.max(this.restartsSeen, wanted?.restarts ?? 0);
    if (wanted?.stopped && !this.held) {
      this.held = true;
      if (this.mode !== "active") return;
      this.mode = "held";
      this.clearTimers();
      if (this.child) await this.stopChild(graceMs);
      this.update({ state: "STOPPED", health: "UNKNOWN", pid: null, message: STOPPED_ON_REQUEST });
    } else if (!wanted?.stopped && this.held) {
      this.held = false;
      if (this.mode === "held") {
        this.mode = "idle";
        this.start();
      }
    } else if (restart && this.mode === "active") {
      // Not a crash: the exit is not counted in `restarts`, and the back-off starts afresh.
      this.mode = "idle";
      this.clearTimers();
      if (this.child) await this.stopChild(graceMs);
      this.start();
    }
  }

  private runRequested(): boolean {
    return this.runsWanted > this.runsSeen;
  }

  /** A JOB runs again (runJob): its earlier end, and its failed tries, no longer count. */
  private rerun(): void {
    this.finished = false;
    this.failures = 0;
  }

  /** Runs a CRON Component now, as its schedule would; false when it is not active or a run is under way. */
  runNow(): boolean {
    if (this.component.kind !== "CRON" || this.mode !== "active" || this.child) return false;
    this.launch();
    return true;
  }

  /** Services stop (grace, then SIGKILL); schedules stop; a running job or cron run is left to finish. */
  async suspend(graceMs: number): Promise<void> {
    if (this.mode === "stopped" || this.mode === "held") return;
    this.mode = "suspended";
    this.clearTimers();
    if (this.component.kind === "SERVICE" && this.child) await this.stopChild(graceMs);
    if (!this.child && !this.finished) this.update({ state: "SUSPENDED", health: "UNKNOWN", message: undefined });
  }

  /** Stops everything, running jobs included; the runner is done. */
  async stop(graceMs: number): Promise<void> {
    this.mode = "stopped";
    this.clearTimers();
    if (this.child) await this.stopChild(graceMs);
    if (!this.finished) this.update({ state: "STOPPED", health: "UNKNOWN", message: undefined });
    await this.context.copies.discard();
  }

  /**
   * A rollout gave up on this Release (runtime.type.ts, "rollout"): the process stops (grace,
   * then SIGKILL) and the Component stays FAILED with `reason`. The runner is done.
   */
  async fail(graceMs: number, reason: string): Promise<void> {
    this.mode = "stopped";
    this.clearTimers();
    if (this.child) await this.stopChild(graceMs);
    this.finished = true;
    this.update({ state: "FAILED", health: "UNHEALTHY", pid: null, message: reason });
    await this.context.copies.discard();
  }

  /** Has a copy of the Release's files ready, so that the first start need not copy them in its tick. */
  prepare(): Promise<void> {
    return this.context.copies.prepare();
  }

  private async stopChild(graceMs: number): Promise<void> {
    this.update({ state: "STOPPING" });
    await this.child?.stop(graceMs);
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    clearTimeout(this.stableTimer);
    this.cron?.stop();
    this.cron = undefined;
  }

  private launch(): void {
    const { component, context } = this;
    let launch: Launch;
    try {
      launch = prepareLaunch({ ...context, component, baseEnv: context.options.baseEnv });
    } catch (error) {
      // Not retried: the spec cannot be satisfied until a new Release (or a resume) changes something.
      this.update({ state: "FAILED", health: "UNHEALTHY", message: (error as Error).message });
      return;
    }
    const child = startChild(launch, this.logs);
    this.child = child;
    if (component.kind !== "SERVICE" && this.runRequested()) {
      // This run answers every request so far; recorded, so that a new runtime does not run them again.
      this.runsSeen = this.runsWanted;
      try {
        recordRunsHandled(context.dirs, context.spec.releaseId, this.runsSeen);
      } catch {
        // Not fatal: at worst a later agent runs it once more.
      }
    }
    this.startedAt = Date.now();
    const { spec } = context;
    const forget =
      child.pid === null
        ? undefined
        : context.options.pids.add({ pid: child.pid, stageKey: spec.stageKey, component: component.name, releaseId: spec.releaseId });
    void child.exited.then((exit) => {
      forget?.();
      this.onExit(child, exit);
    });
    if (component.kind !== "SERVICE") {
      this.update({ state: "RUNNING", pid: child.pid, message: undefined });
      return;
    }
    const crashLooping = this.failures >= context.options.restart.crashLoopAfter;
    this.update({
      state: crashLooping ? "CRASHLOOP" : "RUNNING",
      pid: child.pid,
      health: component.health ? "UNKNOWN" : "HEALTHY",
      message: crashLooping ? this.current.message : undefined,
    });
    this.stableTimer = setTimeout(() => {
      this.failures = 0;
      if (this.current.state === "CRASHLOOP") this.update({ state: "RUNNING", message: undefined });
    }, context.options.restart.stableMs);
    if (component.health) {
      this.probe = new HealthProbe(component.health, context.host, launch, child.pid, (health) => this.observe(health));
      this.probe.start();
    }
  }

  private onExit(child: ChildHandle, exit: Exit): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.probe?.stop();
    this.probe = undefined;
    clearTimeout(this.stableTimer);
    removeRunDir(this.context.dirs);
    const patch = { pid: null, message: describeExit(exit) };
    const { kind } = this.component;
    // A stop or suspend in progress sets the final state itself.
    if (this.mode === "stopped" || (kind === "SERVICE" && this.mode !== "active")) {
      this.update(patch);
    } else if (kind === "SERVICE") {
      this.onServiceExit(patch.message);
    } else if (kind === "JOB") {
      this.onJobExit(exit, patch.message);
    } else {
      const suspended = this.mode !== "active";
      this.update({
        ...patch,
        state: suspended ? "SUSPENDED" : "SCHEDULED",
        health: exit.code === 0 ? "HEALTHY" : "UNHEALTHY",
        message: `last run ${patch.message}${suspended ? "" : `; ${this.describeNextRun()}`}`,
      });
    }
  }

  private onServiceExit(reason: string): void {
    const { restart } = this.context.options;
    const quick = Date.now() - this.startedAt < restart.stableMs;
    this.failures = quick ? this.failures + 1 : 1;
    const delay = backoffDelay(this.failures - 1, restart);
    this.update({
      state: this.failures >= restart.crashLoopAfter ? "CRASHLOOP" : "STARTING",
      health: "UNHEALTHY",
      pid: null,
      restarts: this.current.restarts + 1,
      message: `${reason}; restart in ${formatDelay(delay)}`,
    });
    this.timer = setTimeout(() => this.launch(), delay);
  }

  private onJobExit(exit: Exit, reason: string): void {
    if (exit.code === 0) {
      this.finished = true;
      try {
        recordJobCompleted(this.context.dirs, this.context.spec.releaseId);
      } catch {
        // Not fatal: at worst a later agent runs the job once more.
      }
      this.update({ state: "COMPLETED", health: "HEALTHY", pid: null, message: undefined });
      return;
    }
    this.failures += 1;
    const maxRetries = this.component.maxRetries ?? 0;
    if (this.failures > maxRetries) {
      this.finished = true;
      this.update({ state: "FAILED", health: "UNHEALTHY", pid: null, message: `${reason}; no retries left` });
    } else if (this.mode !== "active") {
      this.update({ state: "SUSPENDED", health: "UNHEALTHY", pid: null, message: `${reason}; retries on resume` });
    } else {
      const delay = backoffDelay(this.failures - 1, this.context.options.retry);
      this.update({
        state: "STARTING",
        health: "UNHEALTHY",
        pid: null,
        restarts: this.current.restarts + 1,
        message: `${reason}; retry ${this.failures} of ${maxRetries} in ${formatDelay(delay)}`,
      });
      this.timer = setTimeout(() => this.launch(), delay);
    }
  }

  /** A probe's verdict: a change of health is news; the same verdict only refreshes `observedAt`. */
  private observe(health: "HEALTHY" | "UNHEALTHY"): void {
    if (health === this.current.health) this.current.observedAt = new Date();
    else this.update({ health });
  }

  private describeNextRun(): string | undefined {
    const next = this.cron?.nextRun();
    return next ? `next run ${next.toISOString()}` : undefined;
  }

  private update(patch: Partial<ComponentStatus>): void {
    const next = { ...this.current, ...patch };
    // observedAt dates the health verdict; UNKNOWN is the absence of one, so it keeps the last date.
    if (patch.health === "HEALTHY" || patch.health === "UNHEALTHY") next.observedAt = new Date();
    if (next.message === undefined) delete next.message;
    this.current = next;
    this.context.emit({ ...next });
  }
}

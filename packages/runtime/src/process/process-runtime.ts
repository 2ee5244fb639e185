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
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import type { Backoff } from "@pergola/schema/time";
import type { RunnerOptions } from "./component-runner.js";
import type { Color } from "./launch.js";
import { getInstallId } from "./install-id.js";
import { LoopbackAllocator } from "./loopback.js";
import { PidRecords, type ReapedProcess } from "./pid-records.js";
import { Rollout } from "./rollout.js";
import type { ChangeListener, ComponentStatus, ReleaseSpec, Runtime, ServingRelease } from "./runtime.type.js";
import { StageRunner } from "./stage-runner.js";
import { getStageDirs, prepareStageSandbox, removeReleaseCopy, type StageSandbox } from "./stage-sandbox.js";
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
  /**
   * How long a new Release starting beside the running one (rollout.ts) has to get every
   * service RUNNING and HEALTHY before it is given up. Default 5 min, as Railway's health check.
   */
  rolloutTimeoutMs?: number;
  /**
   * How long the old Release keeps running after a rollout switched the links to the new one,
   * before it is stopped: routers that learn of the switch from the agent's report (the API's
   * gateway, for local Stages) move first, and requests under way finish. Default 2 s.
   */
  drainMs?: number;
}

export const DEFAULT_RESTART = { initialMs: 500, maxMs: 30_000, stableMs: 10_000, crashLoopAfter: 3 };
export const DEFAULT_RETRY = { initialMs: 10_000, maxMs: 300_000 };
export const DEFAULT_RECOVER_GRACE_MS = 5000;
export const DEFAULT_ROLLOUT_TIMEOUT_MS = 300_000;
export const DEFAULT_DRAIN_MS = 2000;

export class ProcessRuntime implements Runtime {
  /** Per Stage, the running Release. */
  private readonly stages = new Map<string, StageRunner>();
  /** Per Stage, the new Release starting beside the running one (rollout.ts). */
  private readonly rollouts = new Map<string, Rollout>();
  /** Per Stage, the tail of its queue of calls. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Made at the first `apply`, when the data dir's install id is read (or made). */
  private allocator: LoopbackAllocator | undefined;
  private readonly events = new EventEmitter();
  private readonly options: RunnerOptions & { dataDir: string };
  private readonly recoverGraceMs: number;
  private readonly rolloutTimeoutMs: number;
  private readonly drainMs: number;
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
    this.rolloutTimeoutMs = options.rolloutTimeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS;
    this.drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
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
      const key = spec.stageKey;
      const live = this.stages.get(key);
      const rollout = this.rollouts.get(key);
      if (live && live.spec.releaseId === spec.releaseId) {
        // Back to the running Release (the new one failed, or was rolled back): what started beside it goes.
        if (rollout) await this.dropRollout(key, rollout);
        await this.changeSettings(live, spec);
        return;
      }
      if (rollout && rollout.next.spec.releaseId === spec.releaseId && !rollout.failed) {
        rollout.next.spec.graceSeconds = spec.graceSeconds;
        rollout.next.spec.nice = spec.nice;
        if (!spec.suspended) return;
        // Suspended mid-rollout: the new Release takes over at once, and is suspended with the Stage.
        await this.switchTo(key, rollout, false);
        await this.changeSettings(rollout.next, spec);
        return;
      }
      if (rollout) await this.dropRollout(key, rollout);
      // Prepared before anything of the running Release stops: if the Stage's user or files cannot be made, it keeps running.
      const user = await this.users?.ensure(spec.stageId ?? key);
      const sandbox = await prepareStageSandbox(this.options.dataDir, spec, user, live ? [live.spec.releaseId] : []);
      if (!live || spec.suspended || live.spec.suspended) {
        // Nothing serves (no Release yet, or the Stage is suspended): the new Release replaces the old in place.
        const color = live?.color ?? "blue";
        const next = this.createRunner(spec, await this.acquireHosts(spec, color), sandbox, color);
        await next.prepare();
        if (live) await this.retire(live, spec.graceSeconds);
        this.stages.set(key, next);
        await next.start();
        return;
      }
      await this.startRollout(spec, live, sandbox);
    });
  }

  /** A new Release beside the running one (rollout.ts); the verdict switches to it or gives it up. */
  private async startRollout(spec: ReleaseSpec, live: StageRunner, sandbox: StageSandbox): Promise<void> {
    const key = spec.stageKey;
    const color = live.color === "blue" ? "green" : "blue";
    // A service with standard storage moves from the running Release to the new one (one process per volume), address and all.
    const handover = spec.manifest.components
      .filter((c) => c.kind === "SERVICE" && c.storage.some((v) => v.type === "standard") && live.runners.has(c.name))
      .map((c) => c.name);
    const kept = new Map(handover.map((name) => [name, live.hosts.get(name) ?? ""]));
    let rollout: Rollout | undefined;
    const next = this.createRunner(spec, await this.acquireHosts(spec, color, kept), sandbox, color, () => rollout?.observe());
    await next.prepare();
    rollout = new Rollout(next, live, handover, this.rolloutTimeoutMs, (settled, verdict) => {
      void this.enqueue(key, () => (verdict.ready ? this.switchTo(key, settled) : this.failRollout(key, settled, verdict)));
    });
    for (const name of handover) await live.runners.get(name)?.suspend(live.graceMs);
    this.rollouts.set(key, rollout);
    next.resume({ schedules: false });
    rollout.start();
  }

  /**
   * The same Release, new settings: suspend or resume it, keep its grace and nice level (for the processes that start next), act on people's
   * requests (ReleaseSpec.controls) — after a suspend, before a resume, so that a resume starts
   * no service that is to stay stopped.
   */
  private async changeSettings(running: StageRunner, spec: ReleaseSpec): Promise<void> {
    const wasSuspended = running.spec.suspended;
    running.spec.graceSeconds = spec.graceSeconds;
    running.spec.nice = spec.nice;
    running.spec.suspended = spec.suspended;
    if (spec.suspended && !wasSuspended) await running.suspend();
    await running.control(spec.controls);
    if (!spec.suspended && wasSuspended) running.resume();
  }

  private createRunner(spec: ReleaseSpec, hosts: Map<string, string>, sandbox: StageSandbox, color: Color, onChange?: () => void) {
    return new StageRunner({ ...spec }, hosts, this.options, sandbox, color, (status) => {
      this.events.emit("change", spec.stageKey, status);
      onChange?.();
    });
  }

  /**
   * The new Release is ready: the links lead to it, its schedules start, and the old one stops
   * with its grace after `drainMs` (none when the Stage is being suspended: nothing serves then).
   */
  private async switchTo(key: string, rollout: Rollout, drain = true): Promise<void> {
    if (this.rollouts.get(key) !== rollout) return;
    this.rollouts.delete(key);
    rollout.dispose();
    this.stages.set(key, rollout.next);
    rollout.next.startSchedules();
    if (drain && this.drainMs > 0) await sleep(this.drainMs);
    await this.retire(rollout.live, rollout.next.spec.graceSeconds);
  }

  /** The new Release failed: it stops (its culprit FAILED), and the services it took over from the old one start again. */
  private async failRollout(key: string, rollout: Rollout, verdict: { component: string; reason: string }): Promise<void> {
    if (this.rollouts.get(key) !== rollout) return;
    rollout.failed = true;
    await rollout.next.fail(verdict.component, verdict.reason);
    await removeReleaseCopy(this.options.dataDir, key, rollout.next.spec.releaseId);
    if (!rollout.live.spec.suspended) for (const name of rollout.handover) rollout.live.runners.get(name)?.start();
  }

  /** A rollout given up (a newer Release, or back to the running one): the new Release stops, the old one is whole again. */
  private async dropRollout(key: string, rollout: Rollout): Promise<void> {
    this.rollouts.delete(key);
    rollout.dispose();
    await rollout.next.stop();
    await removeReleaseCopy(this.options.dataDir, key, rollout.next.spec.releaseId);
    if (!rollout.failed && !rollout.live.spec.suspended) for (const name of rollout.handover) rollout.live.runners.get(name)?.start();
  }

  private async retire(old: StageRunner, graceSeconds: number): Promise<void> {
    old.spec.graceSeconds = graceSeconds;
    await old.stop();
    await removeReleaseCopy(this.options.dataDir, old.spec.stageKey, old.spec.releaseId);
  }

  remove(stageKey: string): Promise<void> {
    return this.enqueue(stageKey, async () => {
      const rollout = this.rollouts.get(stageKey);
      if (rollout) await this.dropRollout(stageKey, rollout);
      const running = this.stages.get(stageKey);
      await running?.stop();
      this.stages.delete(stageKey);
      this.allocator?.releaseStage(stageKey);
      // The run dirs are gone with the processes; the Release's copy goes too. Storage is kept.
      if (running?.sandbox.user)
        await rm(join(getStageDirs(this.options.dataDir, stageKey).run, ".releases"), { recursive: true, force: true });
    });
  }

  /**
   * Deletes a purged Stage's system user (with `runAs: "stage-user"`; otherwise there is none).
   * Call it once the Stage is removed and its directories are deleted.
   */
  removeStageUser(stageId: string): Promise<void> {
    return this.users?.remove(stageId) ?? Promise.resolve();
  }

  /** The Release whose Components serve the Stage's links: the running one, until a rollout's new one is ready. */
  serving(stageKey: string): ServingRelease | undefined {
    const live = this.stages.get(stageKey);
    return live && { releaseId: live.spec.releaseId, manifest: live.spec.manifest, components: live.status() };
  }

  /** During a rollout, the new Release's Components first, then the running one's. */
  status(stageKey: string): ComponentStatus[] {
    return [...(this.rollouts.get(stageKey)?.next.status() ?? []), ...(this.stages.get(stageKey)?.status() ?? [])];
  }

  logs(stageKey: string, component: string, tail: number): string[] {
    return this.newest(stageKey)?.runners.get(component)?.logs.tail(tail) ?? [];
  }

  logsSince(stageKey: string, component: string, after: number): { lines: string[]; next: number } {
    return this.newest(stageKey)?.runners.get(component)?.logs.since(after) ?? { lines: [], next: 0 };
  }

  /** The Release the agent reports on: during a rollout the new one, else the running one. */
  private newest(stageKey: string): StageRunner | undefined {
    return this.rollouts.get(stageKey)?.next ?? this.stages.get(stageKey);
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

  /** Each Component's address in `color`; `kept`: the addresses some Components keep (a service handed over with its storage). */
  private async acquireHosts(spec: ReleaseSpec, color: Color, kept = new Map<string, string>()): Promise<Map<string, string>> {
    this.allocator ??= new LoopbackAllocator(getInstallId(this.options.dataDir));
    const hosts = new Map<string, string>();
    for (const component of spec.manifest.components) {
      const ports = [...component.ports, ...(component.health && "http" in component.health ? [component.health.http.port] : [])];
      hosts.set(component.name, kept.get(component.name) ?? (await this.allocator.acquire(spec.stageKey, component.name, ports, color)));
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

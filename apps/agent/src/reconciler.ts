/**
 * The agent's logic, apart from any transport (connection.ts is only the graphql-ws adapter): it is
 * told the desired state of the Outpost's Stages, converges the runtime to it, and hands status
 * reports to a `report` function. It is level-triggered (PROTOCOL.md): every message is the
 * whole truth for the Stages it names, and a full one removes whatever else runs.
 *
 * Per Stage (keyed by `key`, the runtime's stageKey) one worker applies the newest desired
 * state it has been given; states that arrive while it works replace each other, so stale
 * intermediate ones are never applied. A generation already applied is not applied again.
 * A failed apply is reported as FAILED Components (the API fails the Release) and retried
 * with back-off, unless it can not succeed (an invalid manifest: only a new generation helps).
 * Reports (stage-reports.ts) are held while a Stage's Release is being replaced, and flow while
 * only its settings change (a suspend reports each Component stopping as it stops).
 * A purged Stage (its tombstone) is removed and then its storage deleted (purges.ts) by the
 * worker of its key, so nothing of it runs while its directories go, and a later apply of that
 * key waits for them to be gone.
 */
import { formatProblem, validateManifest, type Manifest, type ReleaseSpec } from "@pergola/runtime";
import { backoffDelay, type Backoff } from "@pergola/schema/time";
import type { DesiredRelease, DesiredStage, PurgedStage, ReportResult, StatusReport } from "./desired-state.js";
import { getFailedComponents } from "./report.js";
import type { AgentLogger, RuntimeLike } from "./ports.js";
import { StageReports } from "./stage-reports.js";

export interface ReconcilerOptions {
  runtime: RuntimeLike;
  /** Fetches, verifies and unpacks the Release's artifact; resolves with the directory its Components run in. */
  fetchRelease(stage: DesiredStage, release: DesiredRelease): Promise<string>;
  /** Sends one report; rejects when it could not be sent (then it is retried with back-off). */
  report(report: StatusReport): Promise<ReportResult>;
  logger: AgentLogger;
  /** Back-off of failed applies and of reports that could not be sent. Default 1 s doubling to 30 s, ±20 %. */
  retry?: Backoff;
  /** How often new output lines are shipped when nothing else changed. Default 2 s. */
  logFlushMs?: number;
  /** Traffic through the gateway queues a report at most this often per Stage (ms). Default 60 s. */
  trafficEveryMs?: number;
  /** Takes the Stages' backups and does their restores (backups.ts); none: they wait. */
  backups?: { restore(stage: DesiredStage): Promise<void>; backup(stage: DesiredStage): Promise<void> };
  /** Deletes a purged Stage's storage and acknowledges it (purges.ts); none: tombstones are ignored. */
  purge?(purged: PurgedStage): Promise<void>;
}

export const DEFAULT_RETRY: Backoff = { initialMs: 1000, maxMs: 30_000, jitter: 0.2 };

type Wanted = { kind: "apply"; stage: DesiredStage; retry: boolean } | { kind: "remove" } | { kind: "purge"; purged: PurgedStage };

interface Slot {
  key: string;
  /** The Stage this key was last wanted for. */
  stageId: string;
  pending?: Wanted;
  worker?: Promise<void>;
  applied?: { stageId: string; generation: number };
  retryAttempt: number;
  retryTimer?: NodeJS.Timeout;
}

/** An apply that failed; `permanent` ones are not retried until the desired state changes. */
class ApplyError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export class Reconciler {
  private readonly slots = new Map<string, Slot>();
  private readonly retry: Backoff;
  private readonly reports: StageReports;
  /** Tombstones being worked on, and those acknowledged (a message read before the acknowledgement may name one again). */
  private readonly purging = new Set<string>();
  private readonly purged = new Set<string>();
  private closed = false;

  constructor(private readonly options: ReconcilerOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.reports = new StageReports({
      runtime: options.runtime,
      send: options.report,
      logger: options.logger,
      retry: this.retry,
      logFlushMs: options.logFlushMs ?? 2000,
      trafficEveryMs: options.trafficEveryMs,
    });
  }

  /** A full desired state: every Stage of the Outpost. Whatever else this agent runs is removed. */
  applyFull(stages: DesiredStage[]): void {
    const keys = new Set(stages.map((s) => s.key));
    for (const slot of this.slots.values()) if (!keys.has(slot.key)) this.setRemoved(slot);
    for (const stage of stages) this.setDesired(stage);
  }

  /** Changed Stages (their whole desired state) and the stageIds of Stages deleted or moved away. */
  applyChanges(stages: DesiredStage[], removed: string[]): void {
    const gone = new Set(removed);
    for (const slot of this.slots.values()) if (gone.has(slot.stageId)) this.setRemoved(slot);
    for (const stage of stages) this.setDesired(stage);
  }

  /** Purged Stages: each is removed, then its storage deleted and acknowledged, on the worker of its key. */
  applyPurged(list: PurgedStage[]): void {
    if (!this.options.purge) return;
    for (const purged of list) {
      if (this.purging.has(purged.stageId) || this.purged.has(purged.stageId)) continue;
      let slot = this.slots.get(purged.key);
      if (slot && slot.stageId !== purged.stageId) {
        // Another Stage has the key now (the API keeps a purged Stage's ID taken until acknowledged, so
        // this should not be): its storage is not the purged one's to delete.
        this.options.logger.warn(
          { stage: purged.key, stageId: purged.stageId, holder: slot.stageId },
          "purged stage's key is in use: storage kept",
        );
        continue;
      }
      if (!slot) {
        slot = { key: purged.key, stageId: purged.stageId, retryAttempt: 0 };
        this.slots.set(purged.key, slot);
      }
      this.purging.add(purged.stageId);
      this.setPending(slot, { kind: "purge", purged });
    }
  }

  /** The links gateway forwarded a request to the Stage `key` at `at` (ms): the next reports tell the API. */
  noteTraffic(key: string, at: number): void {
    this.reports.noteTraffic(key, at);
  }

  /** The keys (`<project>/<stage>`) of the Stages this agent has applied. */
  appliedStageKeys(): string[] {
    return this.appliedStages().map((stage) => stage.key);
  }

  /** The Stages this agent has applied: the runtime's key and the API's id of each. */
  appliedStages(): { key: string; stageId: string }[] {
    return [...this.slots.values()].flatMap((slot) => (slot.applied ? [{ key: slot.key, stageId: slot.applied.stageId }] : []));
  }

  /** Resolves once every Stage has applied (or failed to apply) the newest desired state it was given. */
  async whenIdle(): Promise<void> {
    for (;;) {
      const workers = [...this.slots.values()].flatMap((slot) => (slot.worker ? [slot.worker] : []));
      if (workers.length === 0) return;
      await Promise.all(workers);
    }
  }

  /** Stops applying and reporting; waits for the applies under way. The runtime stays as it is. */
  async close(): Promise<void> {
    this.closed = true;
    this.reports.close();
    for (const slot of this.slots.values()) clearTimeout(slot.retryTimer);
    await Promise.all([...this.slots.values()].map((slot) => slot.worker));
  }

  private setDesired(stage: DesiredStage): void {
    // Read before its purge (a full state is two reads): the tombstone wins.
    if (this.purging.has(stage.stageId) || this.purged.has(stage.stageId)) return;
    // A Stage whose key changed: its old key goes.
    for (const other of this.slots.values()) {
      if (other.key !== stage.key && other.stageId === stage.stageId) this.setRemoved(other);
    }
    let slot = this.slots.get(stage.key);
    if (!slot) {
      slot = { key: stage.key, stageId: stage.stageId, retryAttempt: 0 };
      this.slots.set(stage.key, slot);
    }
    slot.stageId = stage.stageId;
    this.setPending(slot, { kind: "apply", stage, retry: false });
  }

  private setRemoved(slot: Slot): void {
    this.setPending(slot, { kind: "remove" });
  }

  private setPending(slot: Slot, wanted: Wanted): void {
    if (this.closed) return;
    if (slot.pending?.kind === "purge" && wanted.kind !== "purge") {
      // A purge removes the Stage too; anything else in its place leaves the tombstone to a later message.
      if (wanted.kind === "remove") return;
      this.purging.delete(slot.pending.purged.stageId);
    }
    slot.pending = wanted;
    clearTimeout(slot.retryTimer);
    slot.retryTimer = undefined;
    if (!slot.worker) {
      this.reports.hold(slot.key);
      slot.worker = this.work(slot);
    }
  }

  private async work(slot: Slot): Promise<void> {
    // Let setPending store this worker before it can end (a skipped apply awaits nothing).
    await Promise.resolve();
    try {
      while (slot.pending && !this.closed) {
        const wanted = slot.pending;
        slot.pending = undefined;
        if (wanted.kind === "remove") await this.removeStage(slot);
        else if (wanted.kind === "purge") await this.purgeStage(slot, wanted.purged);
        else {
          // A restore before the apply, while nothing of the suspended Stage runs; backups after.
          await this.options.backups?.restore(wanted.stage);
          await this.applyStage(slot, wanted.stage, wanted.retry);
          await this.options.backups?.backup(wanted.stage);
        }
      }
    } finally {
      slot.worker = undefined;
      if (this.slots.get(slot.key) === slot && !slot.applied && !this.reports.outcomeOf(slot.key) && !slot.pending) {
        this.slots.delete(slot.key);
        this.reports.forget(slot.key);
      } else this.reports.release(slot.key);
    }
  }

  private async removeStage(slot: Slot): Promise<void> {
    try {
      await this.options.runtime.remove(slot.key);
      this.options.logger.info({ stage: slot.key }, "stage removed");
    } catch (error) {
      this.options.logger.error({ stage: slot.key, err: error }, "could not remove the stage");
    }
    slot.applied = undefined;
    this.reports.setOutcome(slot.key, undefined);
  }

  private async purgeStage(slot: Slot, purged: PurgedStage): Promise<void> {
    await this.removeStage(slot);
    try {
      await this.options.purge!(purged);
      this.purged.add(purged.stageId);
    } catch (error) {
      // Told again with a later message (at the latest the next full one): tried again then.
      const reason = error instanceof Error ? error.message : String(error);
      this.options.logger.error({ stage: purged.key, stageId: purged.stageId, reason }, "could not purge the stage's storage");
    } finally {
      this.purging.delete(purged.stageId);
    }
  }

  private async applyStage(slot: Slot, stage: DesiredStage, retry: boolean): Promise<void> {
    if (!retry) slot.retryAttempt = 0;
    if (slot.applied?.stageId === stage.stageId && slot.applied.generation === stage.generation) {
      // Already converged: only say so again (a full state may follow a new session of the API).
      this.reports.queue(slot.key);
      return;
    }
    const { release } = stage;
    const log = { stage: stage.key, generation: stage.generation, release: release?.id };
    if (!release) {
      await this.options.runtime.remove(stage.key);
      slot.applied = { stageId: stage.stageId, generation: stage.generation };
      // Nothing runs, and the API hears that this generation was applied (the link is in sync).
      this.reports.setOutcome(stage.key, { stageId: stage.stageId, generation: stage.generation, releaseId: null });
      this.reports.queue(stage.key);
      this.options.logger.info(log, "stage has no release: nothing runs");
      return;
    }
    let manifest: Manifest | undefined;
    try {
      const result = validateManifest(release.manifest);
      if (!result.valid) {
        throw new ApplyError(`invalid manifest: ${result.problems.map(formatProblem).join("; ")}`, true);
      }
      manifest = result.manifest;
      const appDir = await this.fetchRelease(stage, release);
      // A newer desired state arrived during the fetch: apply that one instead.
      if (slot.pending || this.closed) return;
      const current = this.reports.outcomeOf(stage.key);
      const outcome = { stageId: stage.stageId, generation: stage.generation, releaseId: release.id };
      if (current && !current.failed && current.releaseId === release.id && current.stageId === stage.stageId) {
        // The same Release, new settings (suspend, resume, grace): its Components report as they move.
        this.reports.setOutcome(stage.key, outcome);
        this.reports.release(stage.key);
      }
      await this.options.runtime.apply(this.createSpec(stage, release, manifest, appDir));
      slot.applied = { stageId: stage.stageId, generation: stage.generation };
      this.reports.setOutcome(stage.key, outcome);
      slot.retryAttempt = 0;
      this.options.logger.info({ ...log, suspended: stage.suspended }, "stage applied");
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const permanent = error instanceof ApplyError && error.permanent;
      this.reports.setOutcome(stage.key, {
        stageId: stage.stageId,
        generation: stage.generation,
        releaseId: release.id,
        failed: getFailedComponents(manifest, release.manifest, message),
      });
      this.options.logger.error({ ...log, reason: message }, permanent ? "release failed" : "apply failed; will retry");
      if (!permanent) this.scheduleRetry(slot, stage);
    }
    this.reports.queue(stage.key);
  }

  private async fetchRelease(stage: DesiredStage, release: DesiredRelease): Promise<string> {
    try {
      return await this.options.fetchRelease(stage, release);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApplyError(`could not fetch the artifact: ${reason}`, false);
    }
  }

  private createSpec(stage: DesiredStage, release: DesiredRelease, manifest: Manifest, appDir: string): ReleaseSpec {
    return {
      stageKey: stage.key,
      stageId: stage.stageId,
      releaseId: release.id,
      manifest,
      appDir,
      config: { env: release.config.env, files: release.config.files },
      suspended: stage.suspended,
      graceSeconds: stage.graceSeconds,
      controls: Object.fromEntries(release.controls.map(({ name, ...control }) => [name, control])),
      nice: stage.nice,
    };
  }

  private scheduleRetry(slot: Slot, stage: DesiredStage): void {
    const delay = backoffDelay(slot.retryAttempt++, this.retry);
    slot.retryTimer = setTimeout(() => {
      slot.retryTimer = undefined;
      if (!slot.pending) this.setPending(slot, { kind: "apply", stage, retry: true });
    }, delay);
    slot.retryTimer.unref();
  }
}

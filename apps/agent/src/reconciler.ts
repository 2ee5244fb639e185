/**
 * The agent's logic, apart from any transport (CONVENTIONS "Transport apart from logic"): it is
 * told the desired state of the Outpost's Stages, converges the runtime to it, and hands status
 * reports to a `report` function. It is level-triggered (PROTOCOL.md): every message is the
 * whole truth for the Stages it names, and a full one removes whatever else runs.
 *
 * Per Stage (keyed by `key`, the runtime's stageKey) one worker applies the newest desired
 * state it has been given; states that arrive while it works replace each other, so stale
 * intermediate ones are never applied. A generation already applied is not applied again.
 * A failed apply is reported as FAILED Components (the API fails the Release) and retried
 * with back-off, unless it can not succeed (an invalid manifest: only a new generation helps).
 * Reports are coalesced per Stage: at most one in flight, built when sent, so the newest wins.
 */
import {
  formatProblem,
  validateManifest,
  type ChangeListener,
  type Manifest,
  type ReleaseSpec,
  type Runtime,
} from "@pergola/runtime";
import type { Logger } from "pino";
import { getBackoffDelay, type Backoff } from "./backoff.js";
import type { DesiredRelease, DesiredStage, ReportResult, ReportedComponent, StatusReport } from "./desired-state.js";
import { fitLines, LOG_CHARS_PER_REPORT, readNewLines } from "./log-lines.js";
import { getFailedComponents, toReportedComponent } from "./report.js";

export type RuntimeLike = Pick<Runtime, "apply" | "remove" | "status" | "logsSince" | "on" | "off">;
export type AgentLogger = Pick<Logger, "debug" | "info" | "warn" | "error">;

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
}

export const DEFAULT_RETRY: Backoff = { initialMs: 1000, maxMs: 30_000, jitter: 0.2 };

type Wanted = { kind: "apply"; stage: DesiredStage; retry: boolean } | { kind: "remove" };

/** What the Stage's next report says. */
interface Outcome {
  stageId: string;
  generation: number;
  releaseId: string;
  /** Set when the apply failed: every Component FAILED with the reason. */
  failed?: ReportedComponent[];
}

interface Slot {
  key: string;
  /** The Stage this key was last wanted for. */
  stageId: string;
  pending?: Wanted;
  worker?: Promise<void>;
  applied?: { stageId: string; generation: number };
  outcome?: Outcome;
  retryAttempt: number;
  retryTimer?: NodeJS.Timeout;
  reportDirty: boolean;
  reportInFlight: boolean;
  reportAttempt: number;
  reportTimer?: NodeJS.Timeout;
  /** Per `<releaseId>/<component>`, the log position (LogBuffer) up to which the API has the lines. */
  shippedLogs: Map<string, number>;
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
  private readonly onChange: ChangeListener;
  private readonly logFlush: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: ReconcilerOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.onChange = (stageKey) => {
      const slot = this.slots.get(stageKey);
      if (slot) this.queueReport(slot);
    };
    options.runtime.on("change", this.onChange);
    // Output changes no state, so the runtime announces none: ship new lines on a timer.
    this.logFlush = setInterval(() => this.flushLogs(), options.logFlushMs ?? 2000);
    this.logFlush.unref();
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
    clearInterval(this.logFlush);
    this.options.runtime.off("change", this.onChange);
    for (const slot of this.slots.values()) {
      clearTimeout(slot.retryTimer);
      clearTimeout(slot.reportTimer);
    }
    await Promise.all([...this.slots.values()].map((slot) => slot.worker));
  }

  private setDesired(stage: DesiredStage): void {
    // A Stage whose key changed: its old key goes.
    for (const other of this.slots.values()) {
      if (other.key !== stage.key && other.stageId === stage.stageId) this.setRemoved(other);
    }
    let slot = this.slots.get(stage.key);
    if (!slot) {
      slot = {
        key: stage.key,
        stageId: stage.stageId,
        retryAttempt: 0,
        reportDirty: false,
        reportInFlight: false,
        reportAttempt: 0,
        shippedLogs: new Map(),
      };
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
    slot.pending = wanted;
    clearTimeout(slot.retryTimer);
    slot.retryTimer = undefined;
    if (!slot.worker) slot.worker = this.work(slot);
  }

  private async work(slot: Slot): Promise<void> {
    // Let setPending store this worker before it can end (a skipped apply awaits nothing).
    await Promise.resolve();
    try {
      while (slot.pending && !this.closed) {
        const wanted = slot.pending;
        slot.pending = undefined;
        if (wanted.kind === "remove") await this.removeStage(slot);
        else await this.applyStage(slot, wanted.stage, wanted.retry);
      }
    } finally {
      slot.worker = undefined;
      if (this.slots.get(slot.key) === slot && !slot.applied && !slot.outcome && !slot.pending) this.slots.delete(slot.key);
      else void this.sendReports(slot);
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
    slot.outcome = undefined;
    slot.reportDirty = false;
  }

  private async applyStage(slot: Slot, stage: DesiredStage, retry: boolean): Promise<void> {
    if (!retry) slot.retryAttempt = 0;
    if (slot.applied?.stageId === stage.stageId && slot.applied.generation === stage.generation) {
      // Already converged: only say so again (a full state may follow a new session of the API).
      this.queueReport(slot);
      return;
    }
    const { release } = stage;
    const log = { stage: stage.key, generation: stage.generation, release: release?.id };
    if (!release) {
      await this.options.runtime.remove(stage.key);
      slot.applied = { stageId: stage.stageId, generation: stage.generation };
      slot.outcome = undefined;
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
      await this.options.runtime.apply(this.createSpec(stage, release, manifest, appDir));
      slot.applied = { stageId: stage.stageId, generation: stage.generation };
      slot.outcome = { stageId: stage.stageId, generation: stage.generation, releaseId: release.id };
      slot.retryAttempt = 0;
      this.options.logger.info({ ...log, suspended: stage.suspended }, "stage applied");
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const permanent = error instanceof ApplyError && error.permanent;
      slot.outcome = {
        stageId: stage.stageId,
        generation: stage.generation,
        releaseId: release.id,
        failed: getFailedComponents(manifest, release.manifest, message),
      };
      this.options.logger.error({ ...log, reason: message }, permanent ? "release failed" : "apply failed; will retry");
      if (!permanent) this.scheduleRetry(slot, stage);
    }
    this.queueReport(slot);
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
      releaseId: release.id,
      manifest,
      appDir,
      config: { env: release.config.env, files: release.config.files },
      suspended: stage.suspended,
      graceSeconds: stage.graceSeconds,
    };
  }

  private scheduleRetry(slot: Slot, stage: DesiredStage): void {
    const delay = getBackoffDelay(slot.retryAttempt++, this.retry);
    slot.retryTimer = setTimeout(() => {
      slot.retryTimer = undefined;
      if (!slot.pending) this.setPending(slot, { kind: "apply", stage, retry: true });
    }, delay);
    slot.retryTimer.unref();
  }

  private queueReport(slot: Slot): void {
    slot.reportDirty = true;
    void this.sendReports(slot);
  }

  /** Sends the Stage's newest report, one at a time; held while the Stage is being applied. */
  private async sendReports(slot: Slot): Promise<void> {
    if (slot.reportInFlight || slot.reportTimer || slot.worker) return;
    slot.reportInFlight = true;
    try {
      while (slot.reportDirty && !slot.worker && !this.closed) {
        slot.reportDirty = false;
        const built = this.buildReport(slot);
        if (!built) continue;
        try {
          const result = await this.options.report(built.report);
          slot.reportAttempt = 0;
          if (result.accepted) for (const [key, position] of built.logPositions) slot.shippedLogs.set(key, position);
          else {
            this.options.logger.debug({ stage: slot.key, reason: result.reason }, "report refused by the server");
          }
        } catch (error) {
          slot.reportDirty = true;
          const delay = getBackoffDelay(slot.reportAttempt++, this.retry);
          this.options.logger.warn({ stage: slot.key, err: error, retryInMs: delay }, "could not send the report");
          slot.reportTimer = setTimeout(() => {
            slot.reportTimer = undefined;
            void this.sendReports(slot);
          }, delay);
          slot.reportTimer.unref();
          return;
        }
      }
    } finally {
      slot.reportInFlight = false;
    }
  }

  /** The report, and the log positions the API will have once it accepts it. */
  private buildReport(slot: Slot): { report: StatusReport; logPositions: Map<string, number> } | undefined {
    const outcome = slot.outcome;
    if (!outcome) return undefined;
    const base = { stageId: outcome.stageId, releaseId: outcome.releaseId, observedGeneration: outcome.generation };
    const logPositions = new Map<string, number>();
    if (outcome.failed) return { report: { ...base, components: outcome.failed }, logPositions };
    const statuses = this.options.runtime.status(slot.key).filter((status) => status.releaseId === outcome.releaseId);
    if (statuses.length === 0) return undefined;
    const budget = Math.floor(LOG_CHARS_PER_REPORT / statuses.length);
    const components = statuses.map((status) => {
      const key = `${outcome.releaseId}/${status.name}`;
      const { lines, next } = readNewLines(this.options.runtime, slot.key, status.name, slot.shippedLogs.get(key) ?? 0);
      logPositions.set(key, next);
      return { ...toReportedComponent(status), logs: fitLines(lines, budget) };
    });
    return { report: { ...base, components }, logPositions };
  }

  /** Queues a report for each settled Stage whose Components wrote lines the API does not have yet. */
  private flushLogs(): void {
    for (const slot of this.slots.values()) {
      const outcome = slot.outcome;
      if (!outcome || outcome.failed || slot.worker || slot.reportDirty) continue;
      const fresh = this.options.runtime.status(slot.key).some((status) => {
        const shipped = slot.shippedLogs.get(`${outcome.releaseId}/${status.name}`) ?? 0;
        return readNewLines(this.options.runtime, slot.key, status.name, shipped).next !== shipped;
      });
      if (fresh) this.queueReport(slot);
    }
  }
}

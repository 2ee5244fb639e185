/**
 * The agent's reports, per Stage (PROTOCOL "Reports"): coalesced — at most one in flight, built
 * when sent, so the newest wins — retried with back-off when they cannot be sent, and held
 * while the Reconciler replaces the Stage's Release (a half-applied Release reports nothing).
 * A report carries the Components of the Stage's current outcome, or their failure, or — for a
 * Stage with nothing to run — none, which still tells the API which generation was applied.
 * New output lines ride along, and are shipped on a timer when nothing else changed.
 *
 * So does the Stage's traffic: the links gateway notes each request it forwards (`noteTraffic`),
 * and a report carries the time of the last one when it is newer than what the last report
 * carried (`lastTrafficAt`; the API's auto-suspend counts quiet time from it). Traffic queues a
 * report of its own only when the last one that carried traffic is `trafficEveryMs` old, so a
 * busy Stage costs a report a minute, not one per request. An API from before the field refuses
 * it by name: the agent then stops sending it and sends the report again without it.
 */
import type { ChangeListener } from "@pergola/runtime";
import { backoffDelay, type Backoff } from "@pergola/schema/time";
import type { ReportResult, ReportedComponent, StatusReport } from "./desired-state.js";
import { fitLines, LOG_CHARS_PER_REPORT, readNewLines } from "./log-lines.js";
import type { AgentLogger, RuntimeLike } from "./ports.js";
import { toReportedComponent } from "./report.js";

/** What a Stage's next report says. */
export interface Outcome {
  stageId: string;
  generation: number;
  /** null: the Stage has no Release; the report only acknowledges the generation. */
  releaseId: string | null;
  /** Set when the apply failed: every Component FAILED with the reason. */
  failed?: ReportedComponent[];
}

interface ReportState {
  outcome?: Outcome;
  held: boolean;
  dirty: boolean;
  inFlight: boolean;
  attempt: number;
  timer?: NodeJS.Timeout;
  /** Per `<releaseId>/<component>`, the log position up to which the API has the lines. */
  shippedLogs: Map<string, number>;
  /** When the gateway last forwarded a request to the Stage (ms since the epoch). */
  traffic?: number;
  /** The traffic time the last report sent (or being sent) carried. */
  trafficSent?: number;
}

export interface StageReportsOptions {
  runtime: RuntimeLike;
  send(report: StatusReport): Promise<ReportResult>;
  logger: AgentLogger;
  retry: Backoff;
  /** How often new output lines are shipped when nothing else changed. */
  logFlushMs: number;
  /** Traffic queues a report when the traffic last sent is this old (ms); default 60 s. */
  trafficEveryMs?: number;
}

export class StageReports {
  private readonly states = new Map<string, ReportState>();
  private readonly onChange: ChangeListener;
  private readonly logFlush: NodeJS.Timeout;
  private readonly trafficEveryMs: number;
  /** False once the API refused `lastTrafficAt` (one from before the field): reports go without it. */
  private sendTraffic = true;
  private closed = false;

  constructor(private readonly options: StageReportsOptions) {
    this.trafficEveryMs = options.trafficEveryMs ?? 60_000;
    this.onChange = (stageKey) => {
      if (this.states.has(stageKey)) this.queue(stageKey);
    };
    options.runtime.on("change", this.onChange);
    // Output changes no state, so the runtime announces none: ship new lines on a timer.
    this.logFlush = setInterval(() => this.flushLogs(), options.logFlushMs);
    this.logFlush.unref();
  }

  outcomeOf(key: string): Outcome | undefined {
    return this.states.get(key)?.outcome;
  }

  /** The outcome the next report describes; undefined: nothing to report (a removed Stage). */
  setOutcome(key: string, outcome: Outcome | undefined): void {
    const state = this.stateOf(key);
    state.outcome = outcome;
    if (!outcome) state.dirty = false;
  }

  /** No report leaves for the Stage until `release`. */
  hold(key: string): void {
    this.stateOf(key).held = true;
  }

  release(key: string): void {
    const state = this.states.get(key);
    if (!state) return;
    state.held = false;
    void this.send(key, state);
  }

  /** The gateway forwarded a request to the Stage at `at`; a Stage this agent does not report on is ignored. */
  noteTraffic(key: string, at: number): void {
    const state = this.states.get(key);
    if (!state || (state.traffic !== undefined && at <= state.traffic)) return;
    state.traffic = at;
    if (!this.sendTraffic) return;
    if (state.trafficSent === undefined || at - state.trafficSent >= this.trafficEveryMs) this.queue(key);
  }

  queue(key: string): void {
    const state = this.stateOf(key);
    state.dirty = true;
    void this.send(key, state);
  }

  forget(key: string): void {
    const state = this.states.get(key);
    clearTimeout(state?.timer);
    this.states.delete(key);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.logFlush);
    this.options.runtime.off("change", this.onChange);
    for (const state of this.states.values()) clearTimeout(state.timer);
  }

  private stateOf(key: string): ReportState {
    let state = this.states.get(key);
    if (!state) {
      state = { held: false, dirty: false, inFlight: false, attempt: 0, shippedLogs: new Map() };
      this.states.set(key, state);
    }
    return state;
  }

  private async send(key: string, state: ReportState): Promise<void> {
    if (state.inFlight || state.timer || state.held) return;
    state.inFlight = true;
    try {
      while (state.dirty && !state.held && !this.closed) {
        state.dirty = false;
        const built = this.build(key, state);
        if (!built) continue;
        const trafficSentBefore = state.trafficSent;
        if (built.report.lastTrafficAt) state.trafficSent = state.traffic;
        try {
          const result = await this.options.send(built.report);
          state.attempt = 0;
          if (result.accepted) for (const [name, position] of built.logPositions) state.shippedLogs.set(name, position);
          else this.options.logger.debug({ stage: key, reason: result.reason }, "report refused by the server");
        } catch (error) {
          state.dirty = true;
          state.trafficSent = trafficSentBefore;
          if (built.report.lastTrafficAt && isUnknownTrafficField(error)) {
            this.sendTraffic = false;
            this.options.logger.warn({ stage: key }, "the server does not take the Stages' traffic (an older API): reports go without it");
            continue;
          }
          const delay = backoffDelay(state.attempt++, this.options.retry);
          this.options.logger.warn({ stage: key, err: error, retryInMs: delay }, "could not send the report");
          state.timer = setTimeout(() => {
            state.timer = undefined;
            void this.send(key, state);
          }, delay);
          state.timer.unref();
          return;
        }
      }
    } finally {
      state.inFlight = false;
    }
  }

  /** The report, and the log positions the API will have once it accepts it. */
  private build(key: string, state: ReportState): { report: StatusReport; logPositions: Map<string, number> } | undefined {
    const outcome = state.outcome;
    if (!outcome) return undefined;
    const fresh = this.sendTraffic && state.traffic !== undefined && state.traffic !== state.trafficSent;
    const base = {
      stageId: outcome.stageId,
      releaseId: outcome.releaseId,
      observedGeneration: outcome.generation,
      ...(fresh && { lastTrafficAt: new Date(state.traffic!).toISOString() }),
    };
    const logPositions = new Map<string, number>();
    if (outcome.failed) return { report: { ...base, components: outcome.failed }, logPositions };
    if (outcome.releaseId === null) return { report: { ...base, components: [] }, logPositions };
    const statuses = this.options.runtime.status(key).filter((status) => status.releaseId === outcome.releaseId);
    if (statuses.length === 0) return undefined;
    const budget = Math.floor(LOG_CHARS_PER_REPORT / statuses.length);
    const components = statuses.map((status) => {
      const name = `${outcome.releaseId}/${status.name}`;
      const { lines, next } = readNewLines(this.options.runtime, key, status.name, state.shippedLogs.get(name) ?? 0);
      logPositions.set(name, next);
      return { ...toReportedComponent(status), logs: fitLines(lines, budget) };
    });
    return { report: { ...base, components }, logPositions };
  }

  /** Queues a report for each settled Stage whose Components wrote lines the API does not have yet. */
  private flushLogs(): void {
    for (const [key, state] of this.states) {
      const outcome = state.outcome;
      if (!outcome?.releaseId || outcome.failed || state.held || state.dirty) continue;
      const fresh = this.options.runtime.status(key).some((status) => {
        const shipped = state.shippedLogs.get(`${outcome.releaseId}/${status.name}`) ?? 0;
        return readNewLines(this.options.runtime, key, status.name, shipped).next !== shipped;
      });
      if (fresh) this.queue(key);
    }
  }
}

/** The error an API from before `StatusReportInput.lastTrafficAt` answers a report carrying it with. */
function isUnknownTrafficField(error: unknown): boolean {
  return error instanceof Error && error.message.includes('"lastTrafficAt"') && error.message.includes("not defined");
}

/**
 * Components' resource usage (README "Resource usage"): every `intervalMs` (10 s) the sampler
 * reads the process tree of every Component the agent runs from /proc (readTreeUsage: one pass
 * for all of them) and ships the batch with `reportUsage`. During a rollout a Component's name
 * has two processes (the running Release's and the new one's): both count. A Component without
 * a process (a cron job between runs, a job done, a suspended Stage) is sampled as using
 * nothing. Batches that cannot be sent (the API out of reach) wait in a bounded backlog, the
 * oldest dropped first, and go with the next ones, at most USAGE.maxSamplesPerReport a message.
 */
import { readTreeUsage, type ComponentStatus, type TreeUsage } from "@pergola/runtime";
import { USAGE } from "@pergola/schema";
import type { UsageReportResult, UsageSample } from "./desired-state.js";
import type { AgentLogger } from "./ports.js";

export interface UsageSamplerOptions {
  /** The Stages this agent runs: the runtime's key and the API's id of each. */
  stages(): { key: string; stageId: string }[];
  /** Each Component of a Stage, with its process (`pid`), as the runtime reports them. */
  status(stageKey: string): ComponentStatus[];
  send(samples: UsageSample[]): Promise<UsageReportResult>;
  logger: AgentLogger;
  /** How often to sample. Default USAGE.sampleSeconds (10 s). */
  intervalMs?: number;
  /** Samples kept while they cannot be sent; the oldest go first. Default 2,000 (~30 min of 10 Components). */
  maxBacklog?: number;
  /** Reads process trees; default readTreeUsage (/proc). */
  readUsage?: (roots: readonly number[]) => Map<number, TreeUsage>;
}

/** The newest sample of one Component, for /metrics (metrics.ts). */
export interface ComponentUsageNow {
  stage: string;
  component: string;
  cpuSecondsTotal: number;
  memoryBytes: number;
  openFiles: number;
}

export class UsageSampler {
  private timer?: NodeJS.Timeout;
  private backlog: UsageSample[] = [];
  private sending: Promise<void> | undefined;
  /** Per process (`<pid>:<start time>`), its tree's CPU seconds when last sampled, and when. */
  private previous = new Map<string, { cpuSecondsTotal: number; at: number }>();
  private latest: ComponentUsageNow[] = [];

  constructor(private readonly options: UsageSamplerOptions) {}

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.options.intervalMs ?? USAGE.sampleSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** What each Component used at the last sampling. */
  now(): ComponentUsageNow[] {
    return this.latest;
  }

  /** Samples every Component now, queues the batch and sends what waits. */
  sample(): UsageSample[] {
    const at = Date.now();
    const components = this.options.stages().flatMap(({ key, stageId }) => {
      const byName = new Map<string, number[]>();
      for (const status of this.options.status(key)) {
        const pids = byName.get(status.name) ?? [];
        if (status.pid !== null) pids.push(status.pid);
        byName.set(status.name, pids);
      }
      return [...byName].map(([component, pids]) => ({ key, stageId, component, pids }));
    });
    const trees = (this.options.readUsage ?? readTreeUsage)(components.flatMap((c) => c.pids));
    const previous = this.previous;
    this.previous = new Map();
    const samples = components.map(({ stageId, component, pids }) => {
      const sample = { cpuSecondsTotal: 0, cpu: 0, memoryBytes: 0, openFiles: 0 };
      for (const pid of pids) {
        const tree = trees.get(pid);
        if (!tree) continue;
        const id = `${pid}:${tree.rootStartTime}`;
        const before = previous.get(id);
        this.previous.set(id, { cpuSecondsTotal: tree.cpuSecondsTotal, at });
        // Known since the last sampling: the rate over the interval; new: the average since it started.
        const rate = before
          ? (tree.cpuSecondsTotal - before.cpuSecondsTotal) / Math.max((at - before.at) / 1000, 0.001)
          : tree.cpuSecondsTotal / Math.max(tree.rootAgeSeconds, 0.01);
        sample.cpuSecondsTotal += tree.cpuSecondsTotal;
        sample.cpu += Math.max(0, rate);
        sample.memoryBytes += tree.memoryBytes;
        sample.openFiles += tree.openFiles;
      }
      return { stageId, component, at: new Date(at).toISOString(), ...sample, memoryBytes: String(sample.memoryBytes) };
    });
    this.latest = components.map(({ key, component }, i) => ({
      stage: key,
      component,
      cpuSecondsTotal: samples[i]!.cpuSecondsTotal,
      memoryBytes: Number(samples[i]!.memoryBytes),
      openFiles: samples[i]!.openFiles,
    }));
    this.backlog.push(...samples);
    const maxBacklog = this.options.maxBacklog ?? 2000;
    if (this.backlog.length > maxBacklog) this.backlog.splice(0, this.backlog.length - maxBacklog);
    this.sending ??= this.flush().finally(() => {
      this.sending = undefined;
    });
    return samples;
  }

  /** Resolves once the sending under way (if any) has ended, sent or not. */
  settled(): Promise<void> {
    return this.sending ?? Promise.resolve();
  }

  /** Sends the backlog, oldest first, one message at a time; stops at the first failure (the next sampling tries again). */
  private async flush(): Promise<void> {
    while (this.backlog.length > 0) {
      const batch = this.backlog.slice(0, USAGE.maxSamplesPerReport);
      try {
        const result = await this.options.send(batch);
        if (result.dropped > 0) {
          this.options.logger.debug({ dropped: result.dropped, reason: result.reason }, "usage samples dropped by the server");
        }
      } catch (error) {
        this.options.logger.debug({ err: error, waiting: this.backlog.length }, "could not send usage samples; they go with the next ones");
        return;
      }
      // Sent (stored, or dropped for good): they leave the backlog, which may have been trimmed meanwhile.
      const sent = new Set(batch);
      this.backlog = this.backlog.filter((sample) => !sent.has(sample));
    }
  }
}

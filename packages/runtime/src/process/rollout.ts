/**
 * A rollout: a new Release of a running Stage starts beside the running one (blue/green, as
 * Railway, Render and a Kubernetes rolling update deploy), each on its own addresses and run
 * dirs. The running Release keeps serving until every service of the new one is RUNNING and
 * HEALTHY — then the links switch to it and the old one stops with its grace. If the new one
 * fails first (a Component FAILED, a service crash-looping) or is not ready within the
 * timeout, it is stopped and the old one goes on as if nothing happened.
 *
 * A service with standard storage cannot run twice on the same volume: the running Release's
 * one is suspended just before the new one starts, and resumed if the rollout fails.
 */
import { formatDelay } from "@pergola/schema/time";
import type { ComponentStatus } from "./runtime.type.js";
import type { StageRunner } from "./stage-runner.js";

export type RolloutVerdict = { ready: true } | { ready: false; component: string; reason: string };

/** What the new Release's Components say of the rollout so far; undefined while it is undecided. */
export function judgeRollout(statuses: readonly ComponentStatus[]): RolloutVerdict | undefined {
  const broken = statuses.find((s) => s.state === "FAILED" || (s.kind === "SERVICE" && s.state === "CRASHLOOP"));
  if (broken) {
    const reason =
      broken.state === "FAILED"
        ? (broken.message ?? "failed")
        : `crash-looping before it was ever healthy${broken.message ? ` (${broken.message})` : ""}`;
    return { ready: false, component: broken.name, reason };
  }
  const services = statuses.filter((s) => s.kind === "SERVICE");
  return services.every((s) => s.state === "RUNNING" && s.health === "HEALTHY") ? { ready: true } : undefined;
}

export class Rollout {
  private timer: NodeJS.Timeout | undefined;
  private settled = false;
  /** The verdict was "failed": the new Release is stopped, and stays (FAILED) until the next apply. */
  failed = false;

  constructor(
    /** The new Release, starting. */
    readonly next: StageRunner,
    /** The running Release, serving. */
    readonly live: StageRunner,
    /** Services of `live` suspended for the rollout (their storage goes to `next`'s). */
    readonly handover: readonly string[],
    private readonly timeoutMs: number,
    private readonly onVerdict: (rollout: Rollout, verdict: RolloutVerdict) => void,
  ) {}

  /** Starts the clock; call once the new Release's Components are started. */
  start(): void {
    this.timer = setTimeout(() => {
      const late = this.next.status().find((s) => s.kind === "SERVICE" && !(s.state === "RUNNING" && s.health === "HEALTHY"));
      this.settle({
        ready: false,
        component: late?.name ?? this.next.status()[0]?.name ?? "release",
        reason: `not running and healthy within ${formatDelay(this.timeoutMs)}`,
      });
    }, this.timeoutMs);
    this.timer.unref();
    this.observe();
  }

  /** Called on every change of the new Release's Components. */
  observe(): void {
    if (this.settled) return;
    const verdict = judgeRollout(this.next.status());
    if (verdict) this.settle(verdict);
  }

  dispose(): void {
    this.settled = true;
    clearTimeout(this.timer);
  }

  private settle(verdict: RolloutVerdict): void {
    this.dispose();
    this.onVerdict(this, verdict);
  }
}

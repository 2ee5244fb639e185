/**
 * A Component's probe (manifest `health`): every `intervalMs` an HTTP GET against its own host
 * or a command; `threshold` failures in a row mean UNHEALTHY, one success HEALTHY. An HTTP
 * answer counts only when the socket that took it is the Component's own (listener-owner.ts).
 */
import { request } from "node:http";
import type { Health } from "../manifest/manifest.type.js";
import { startChild, type Launch } from "./child-process.js";
import { ListenerOwnership } from "./listener-owner.js";
import { LogBuffer } from "./log-buffer.js";
import { signalGroup } from "./proc.js";

export type ProbeResult = "HEALTHY" | "UNHEALTHY";

/** 2xx and 3xx count as healthy, like Kubernetes' httpGet probe. */
function probeHttp(host: string, port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** Exit code 0 in time counts as healthy. The probe runs with the Component's env and cwd. */
async function probeCommand(launch: Launch, timeoutMs: number): Promise<boolean> {
  const child = startChild(launch, new LogBuffer(0));
  const timer = setTimeout(() => child.pid !== null && signalGroup(child.pid, "SIGKILL"), timeoutMs);
  const exit = await child.exited;
  clearTimeout(timer);
  return exit.code === 0;
}

export class HealthProbe {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  private startedAt = 0;
  private settled = false;
  private retries = 0;
  private readonly ownership: ListenerOwnership | undefined;

  /**
   * @param launch the Component's own launch, for its env and cwd (command probes)
   * @param pid the Component's process (its group leader): HTTP answers must come from its group
   * @param report called after every conclusive probe (a success, or a failure that reaches the threshold)
   */
  constructor(
    private readonly health: Health,
    private readonly host: string,
    private readonly launch: Launch,
    pid: number | null,
    private readonly report: (result: ProbeResult) => void,
  ) {
    this.ownership = pid === null ? undefined : new ListenerOwnership(pid);
  }

  /** The first probe runs at once: a slow starter stays UNKNOWN until it answers or fails `threshold` times. */
  start(): void {
    this.startedAt = Date.now();
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Checked after the answer: a server that exits after answering is caught by its exit, not here. */
  private isOwnListener(port: number): boolean {
    return this.ownership?.check(this.host, port) !== false;
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    const { health } = this;
    const ok =
      "http" in health
        ? (await probeHttp(this.host, health.http.port, health.http.path, health.timeoutMs)) && this.isOwnListener(health.http.port)
        : await probeCommand({ ...this.launch, command: health.command, args: [] }, health.timeoutMs);
    if (this.stopped) return;
    // Within the first interval, before any verdict, a failed probe is tried again soon (from
    // 50 ms, doubling) and not counted: a process that listens a moment after it starts is
    // HEALTHY in milliseconds, not one interval later. Slow starters are judged as before.
    const starting = !this.settled && Date.now() - this.startedAt < health.intervalMs;
    if (ok) {
      this.failures = 0;
      this.settled = true;
      this.report("HEALTHY");
    } else if (!starting) {
      this.failures += 1;
      if (this.failures >= health.threshold) {
        this.settled = true;
        this.report("UNHEALTHY");
      }
    }
    const soon = Math.min(health.intervalMs, 50 * 2 ** Math.min(10, this.retries++));
    this.timer = setTimeout(() => void this.run(), !ok && starting ? soon : health.intervalMs);
  }
}

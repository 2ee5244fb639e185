/**
 * The contract between the agent and whatever runs Components (child processes today,
 * Kubernetes later). It knows Stages, Releases and Components, never GraphQL or sockets.
 */
import type { ComponentHealth, ComponentState } from "@pergola/schema";
import type { ComponentKind, Manifest } from "../manifest/manifest.type.js";

/** What one Stage should run. `apply` converges to it; applying it twice changes nothing. */
export interface ReleaseSpec {
  /** Unique per Stage, e.g. `<project>/<stage>`; also names the Stage's directories under the data dir. */
  stageKey: string;
  /** The Stage's stable id (the API's): names the Stage's user (`runAs: "stage-user"`). Default: `stageKey`. */
  stageId?: string;
  /** The Release to run. A new id replaces the running Release; the same id is the same Release. */
  releaseId: string;
  /** Normalized (see `validateManifest`). */
  manifest: Manifest;
  /** The unpacked artifact; the working directory of every Component. The runtime never writes to it. */
  appDir: string;
  /** The Release's resolved Configuration data: env entries and files by name. */
  config: { env: Record<string, string>; files: Record<string, string> };
  /** True: services stopped, schedules off, running jobs finish (a suspended Stage). */
  suspended: boolean;
  /** How long a stopping Component has between SIGTERM and SIGKILL. */
  graceSeconds: number;
  /**
   * The nice level its Components' processes start with (the Stage type's policy), -20 to 19;
   * unset or 0: the runtime's own. Taken at each start of a process, so a change reaches the
   * processes that start after it. A level below the runtime's own needs privilege; without it
   * the process runs at the runtime's level and its log says so.
   */
  nice?: number;
  /** What people asked of Components of this Release, by name (the API's restartComponent, stopComponent, startComponent, runJob). */
  controls?: Record<string, ComponentControl>;
}

/**
 * People's requests for one Component. `stopped` is a level: a service is kept STOPPED (also by
 * a new runtime, after the agent restarts) until it is false. `restarts` and `runs` count
 * requests, edges carried as levels: a service restarts when `restarts` grows past what this
 * runtime has seen (a runtime starting up takes the count as seen: its start is the restart);
 * a job or cron job runs when `runs` grows past the requests it has run, which are recorded
 * beside its storage, so a request is run once, also across agent restarts.
 */
export interface ComponentControl {
  stopped: boolean;
  restarts: number;
  runs: number;
}

/** A Component's state and health, as the API has them (docs/design.md, "Component"). */
export type { ComponentHealth, ComponentState };

export interface ComponentStatus {
  name: string;
  /** The Release this Component belongs to: while a Release replaces another, both report. */
  releaseId: string;
  kind: ComponentKind;
  state: ComponentState;
  health: ComponentHealth;
  /** When `health` was last observed (a probe, a run's end, a process start or exit); null before that. */
  observedAt: Date | null;
  /** How often a service was restarted after an exit, or a job retried, in this Release. */
  restarts: number;
  /** The running process (group leader), null when none runs. */
  pid: number | null;
  /** The Component's own loopback address: what it binds to and what `component-ref` resolves to. */
  host: string;
  /** Why the state is what it is, when there is something to say ("exited with code 1; restart in 2s"). */
  message?: string;
}

/** The Release whose Components serve a Stage's links (see Runtime.serving). */
export interface ServingRelease {
  releaseId: string;
  manifest: Manifest;
  components: ComponentStatus[];
}

export type ChangeListener = (stageKey: string, status: ComponentStatus) => void;

export interface Runtime {
  /**
   * Converges the Stage to `spec` (level-triggered, idempotent); resolves once processes are
   * started or stopped. A new Release of a running Stage is a rollout: it starts beside the
   * running one, which keeps serving until the new one is ready, and goes on if it fails
   * (its Components then read FAILED or STOPPED until the next `apply`).
   */
  apply(spec: ReleaseSpec): Promise<void>;
  /** Stops every Component of the Stage and forgets it. Standard storage is kept. */
  remove(stageKey: string): Promise<void>;
  /**
   * One entry per Component, in manifest order; empty for an unknown Stage. During a rollout,
   * the new Release's entries come first, then the running one's (tell them by `releaseId`).
   */
  status(stageKey: string): ComponentStatus[];
  /** The Release whose Components serve the Stage's links: the running one, until a rollout's new one is ready. */
  serving(stageKey: string): ServingRelease | undefined;
  /** The last `tail` lines (stdout and stderr interleaved) of a Component of the newest Release (a rollout's new one). */
  logs(stageKey: string, component: string, tail: number): string[];
  /**
   * The lines a Component of the newest Release wrote after position `after` (0, or the `next`
   * of an earlier call), for shipping logs incrementally. An unknown Component: none, next 0.
   */
  logsSince(stageKey: string, component: string, after: number): { lines: string[]; next: number };
  /** Stops every process of every Stage (grace, then SIGKILL to the process group): no orphans. */
  close(): Promise<void>;
  /** Every change of state, health, pid, restarts or message, as it happens (not every probe's `observedAt`). */
  on(event: "change", listener: ChangeListener): void;
  off(event: "change", listener: ChangeListener): void;
}

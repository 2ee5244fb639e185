/** One Release of one Stage: its Components, their addresses and directories. */
import { ComponentRunner, type RunnerOptions } from "./component-runner.js";
import { getComponentDirs, type Color } from "./launch.js";
import type { ComponentStatus, ReleaseSpec } from "./runtime.type.js";
import type { StageSandbox } from "./stage-sandbox.js";
import { WorkDirCopies } from "./work-dir.js";

export class StageRunner {
  readonly runners = new Map<string, ComponentRunner>();

  constructor(
    public spec: ReleaseSpec,
    /** Each Component's loopback address, all known before any starts: `component-ref` may point further down the manifest. */
    readonly hosts: Map<string, string>,
    options: RunnerOptions & { dataDir: string },
    readonly sandbox: StageSandbox,
    /** Which of the Stage's two sets of run dirs and addresses it uses: a rollout starts the other one. */
    readonly color: Color,
    emit: (status: ComponentStatus) => void,
  ) {
    for (const component of spec.manifest.components) {
      const dirs = getComponentDirs(options.dataDir, spec.stageKey, component.name, color);
      const context = {
        spec,
        host: hosts.get(component.name) ?? "",
        hosts,
        dirs,
        sandbox,
        copies: new WorkDirCopies(sandbox.appDir, dirs.run, sandbox.user),
        options,
        emit,
      };
      this.runners.set(component.name, new ComponentRunner(component, context));
    }
  }

  get graceMs(): number {
    return this.spec.graceSeconds * 1000;
  }

  /** Copies the Release's files for every Component's first run, before anything starts. */
  async prepare(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.prepare()));
  }

  /** Starts the Release, or puts it straight to SUSPENDED when the Stage is suspended (it starts on resume). */
  async start(): Promise<void> {
    if (this.spec.suspended) await this.suspend();
    else this.resume();
  }

  /**
   * Starts (or resumes) every Component. `schedules: false` leaves the CRON ones PENDING: a
   * Release starting beside the running one does not run its schedules twice (startSchedules).
   */
  resume({ schedules = true } = {}): void {
    for (const runner of this.runners.values()) if (schedules || runner.component.kind !== "CRON") runner.start();
  }

  startSchedules(): void {
    for (const runner of this.runners.values()) if (runner.component.kind === "CRON") runner.start();
  }

  async suspend(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.suspend(this.graceMs)));
  }

  /** People's requests (ReleaseSpec.controls), as the newest desired state has them. */
  async control(controls: ReleaseSpec["controls"]): Promise<void> {
    this.spec.controls = controls;
    await Promise.all([...this.runners.values()].map((runner) => runner.control(controls?.[runner.component.name], this.graceMs)));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.stop(this.graceMs)));
  }

  /** Stops every Component: `culprit` ends FAILED with `reason`, the others STOPPED. */
  async fail(culprit: string, reason: string): Promise<void> {
    await Promise.all(
      [...this.runners.values()].map((runner) =>
        runner.component.name === culprit ? runner.fail(this.graceMs, reason) : runner.stop(this.graceMs),
      ),
    );
  }

  status(): ComponentStatus[] {
    return [...this.runners.values()].map((runner) => runner.status);
  }
}

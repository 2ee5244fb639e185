/** One Release of one Stage: its Components, their addresses and directories. */
import { ComponentRunner, type RunnerOptions } from "./component-runner.js";
import { getComponentDirs } from "./launch.js";
import type { ComponentStatus, ReleaseSpec } from "./runtime.type.js";
import type { StageSandbox } from "./stage-sandbox.js";
import { WorkDirCopies } from "./work-dir.js";

export class StageRunner {
  readonly runners = new Map<string, ComponentRunner>();

  constructor(
    public spec: ReleaseSpec,
    /** Each Component's loopback address, all known before any starts: `component-ref` may point further down the manifest. */
    hosts: Map<string, string>,
    options: RunnerOptions & { dataDir: string },
    readonly sandbox: StageSandbox,
    emit: (status: ComponentStatus) => void,
  ) {
    for (const component of spec.manifest.components) {
      const dirs = getComponentDirs(options.dataDir, spec.stageKey, component.name);
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

  resume(): void {
    for (const runner of this.runners.values()) runner.start();
  }

  async suspend(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.suspend(this.graceMs)));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.stop(this.graceMs)));
  }

  status(): ComponentStatus[] {
    return [...this.runners.values()].map((runner) => runner.status);
  }
}

/**
 * The Stages as the links gateway sees them, from what this agent knows locally: the newest
 * desired state it was given and the Release the runtime serves them from (during a rollout,
 * the running one until the new one is ready). It sits between the Connection and the
 * Reconciler (both are `DesiredStateTarget`s), records each message and passes it on, so the
 * Reconciler keeps no state for the gateway's sake.
 *
 * The desired state, not the applied one: a suspend closes the links (503) the moment it
 * arrives, before the Components have stopped, as the API's gateway does (docs/design.md, "Stage").
 */
import { validateManifest, type Manifest, type Runtime } from "@pergola/runtime";
import type { DesiredStateTarget } from "./connection.js";
import type { DesiredStage, PurgedStage } from "./desired-state.js";
import type { LinkStage, LinkStageSource } from "./gateway.js";

interface Entry {
  stage: DesiredStage;
  /** The Release's manifest, validated once per Release (Releases are immutable); null when invalid or none. */
  manifest: Manifest | null;
}

export class LinkStages implements DesiredStateTarget, LinkStageSource {
  /** By key, `<project>/<stage>`: what a link names. */
  private readonly stages = new Map<string, Entry>();

  constructor(
    private readonly next: DesiredStateTarget,
    private readonly runtime: Pick<Runtime, "serving">,
  ) {}

  applyFull(stages: DesiredStage[]): void {
    const keys = new Set(stages.map((s) => s.key));
    for (const key of this.stages.keys()) if (!keys.has(key)) this.stages.delete(key);
    for (const stage of stages) this.setStage(stage);
    this.next.applyFull(stages);
  }

  applyChanges(stages: DesiredStage[], removed: string[]): void {
    const gone = new Set(removed);
    for (const [key, entry] of this.stages) if (gone.has(entry.stage.stageId)) this.stages.delete(key);
    for (const stage of stages) this.setStage(stage);
    this.next.applyChanges(stages, removed);
  }

  applyPurged(purged: PurgedStage[]): void {
    this.next.applyPurged?.(purged);
  }

  getStage(key: string): LinkStage | undefined {
    const entry = this.stages.get(key);
    if (!entry) return undefined;
    if (!entry.stage.release) return { suspended: entry.stage.suspended, manifest: null, components: [] };
    // While a new Release starts beside the running one, the links lead to the running one until the new one is ready.
    const serving = this.runtime.serving(key);
    return {
      suspended: entry.stage.suspended,
      manifest: serving?.manifest ?? entry.manifest,
      components: serving?.components ?? [],
    };
  }

  private setStage(stage: DesiredStage): void {
    // A Stage whose key changed (its Project or slug was renamed): the old key no longer leads to it.
    for (const [key, entry] of this.stages) if (key !== stage.key && entry.stage.stageId === stage.stageId) this.stages.delete(key);
    const previous = this.stages.get(stage.key);
    const release = stage.release;
    let manifest: Manifest | null = null;
    if (release && previous?.stage.release?.id === release.id) manifest = previous.manifest;
    else if (release) {
      const result = validateManifest(release.manifest);
      manifest = result.valid ? result.manifest : null;
    }
    this.stages.set(stage.key, { stage, manifest });
  }
}

/**
 * `desiredState`: an Outpost's desired state, in full first; then, after each commit anywhere,
 * the Stages whose generation moved and those that left the Outpost (domain/desired-state.diff.ts).
 * A commit signal carries only the Project's id; the stream re-reads that Project's Stages.
 */
import { Repeater } from "@repeaterjs/repeater";
import { Signals } from "../common/signals.js";
import { diffDesiredState, type DesiredStageKey } from "../domain/desired-state.diff.js";
import type { EventBus } from "../events/event-bus.js";
import type { DesiredStage, DesiredStateService } from "./desired-state.service.js";

export interface DesiredStateBatch {
  full: boolean;
  stages: DesiredStage[];
  /** Stage ids. */
  removed: string[];
}

/** What the stream reads and listens to (the server's services). */
export interface DesiredStateSources {
  desiredState: Pick<DesiredStateService, "listDesired">;
  bus: Pick<EventBus, "onCommit">;
}

export function streamDesiredState(sources: DesiredStateSources, outpost: string): AsyncIterable<DesiredStateBatch> {
  return new Repeater<DesiredStateBatch>(async (push, stop) => {
    const sent = new Map<string, Omit<DesiredStageKey, "stageId">>();
    const remember = (stage: DesiredStage) => sent.set(stage.stageId, { projectId: stage.projectId, generation: stage.generation });
    // Listen before the full read: a commit in between is then read again, never missed.
    const signals = new Signals<string>(stop);
    const unlisten = sources.bus.onCommit(signals.add);
    try {
      const all = await sources.desiredState.listDesired(outpost);
      all.forEach(remember);
      await push({ full: true, stages: all, removed: [] });
      for (let projects = await signals.next(); projects; projects = await signals.next()) {
        const changed: DesiredStage[] = [];
        const removed: string[] = [];
        for (const projectId of projects) {
          const diff = diffDesiredState(sent, projectId, await sources.desiredState.listDesired(outpost, projectId));
          changed.push(...diff.changed);
          removed.push(...diff.removed);
        }
        for (const stage of changed) remember(stage);
        for (const id of removed) sent.delete(id);
        if (changed.length || removed.length) await push({ full: false, stages: changed, removed });
      }
    } finally {
      unlisten();
    }
  });
}

/**
 * `desiredState`: an Outpost's desired state, in full first; then, after each commit that
 * concerns the Outpost, the Stages whose generation moved and those that left it
 * (domain/desired-state.diff.ts). A commit concerns it when one of its events names a Stage
 * the agent was sent (a new Release, a suspend, a deletion, a move away) or carries a Stage
 * snapshot on this Outpost (a Stage created on it or moved to it): every change of what should
 * run on a Stage writes an event naming it (events/commit.ts). Only those Projects are read
 * again; a commit whose contents are not known is read as before. Each batch also carries the
 * tombstones of the Projects it read (`purged`, stages/stage-purges.ts): all of them in the full
 * one, and again with every batch of their Project until the agent acknowledges them.
 */
import { Repeater } from "@repeaterjs/repeater";
import { Signals } from "../common/signals.js";
import { diffDesiredState, type DesiredStageKey } from "../domain/desired-state.diff.js";
import type { Commit } from "../events/commit.js";
import type { EventBus } from "../events/event-bus.js";
import type { PurgedStage } from "../stages/stage-purges.js";
import type { DesiredStage, DesiredStateService } from "./desired-state.service.js";

export interface DesiredStateBatch {
  full: boolean;
  stages: DesiredStage[];
  /** Stage ids. */
  removed: string[];
  /** Purged Stages whose storage the agent is to remove, then acknowledge. */
  purged: PurgedStage[];
}

/** What the stream reads and listens to (the server's services). */
export interface DesiredStateSources {
  desiredState: Pick<DesiredStateService, "listDesired" | "listPurged" | "getOutpostId">;
  bus: Pick<EventBus, "onCommit">;
}

type SentStages = Map<string, Omit<DesiredStageKey, "stageId">>;

/** Whether `commit` may change what an agent of Outpost `outpostId` (null: local) was sent. */
function concerns(commit: Commit, sent: SentStages, outpostId: string | null): boolean {
  const { touched } = commit;
  if (!touched) return true;
  if (touched.outposts.has(outpostId)) return true;
  for (const stageId of touched.stages) if (sent.has(stageId)) return true;
  return false;
}

export function streamDesiredState(sources: DesiredStateSources, outpost: string): AsyncIterable<DesiredStateBatch> {
  return new Repeater<DesiredStateBatch>(async (push, stop) => {
    const sent: SentStages = new Map();
    const remember = (stage: DesiredStage) => sent.set(stage.stageId, { projectId: stage.projectId, generation: stage.generation });
    // Listen before the full read: a commit in between is then read again, never missed. Commits
    // are judged when they are taken, against what was sent by then.
    const signals = new Signals<Commit>(stop);
    const unlisten = sources.bus.onCommit(signals.add);
    let stopped = false;
    void stop.then(() => {
      stopped = true;
    });
    try {
      const outpostId = await sources.desiredState.getOutpostId(outpost);
      const all = await sources.desiredState.listDesired(outpost);
      all.forEach(remember);
      await push({ full: true, stages: all, removed: [], purged: await sources.desiredState.listPurged(outpost) });
      for (let commits = await signals.next(); commits; commits = await signals.next()) {
        const projects = new Set<string>();
        for (const commit of commits) {
          // An Outpost unknown here (deleted meanwhile) has no Stages to be told of: read as before.
          if (outpostId === undefined || concerns(commit, sent, outpostId)) projects.add(commit.projectId);
        }
        const changed: DesiredStage[] = [];
        const removed: string[] = [];
        const purged: PurgedStage[] = [];
        for (const projectId of projects) {
          const diff = diffDesiredState(sent, projectId, await sources.desiredState.listDesired(outpost, projectId));
          changed.push(...diff.changed);
          removed.push(...diff.removed);
          purged.push(...(await sources.desiredState.listPurged(outpost, projectId)));
        }
        for (const stage of changed) remember(stage);
        for (const id of removed) sent.delete(id);
        if (changed.length || removed.length || purged.length) await push({ full: false, stages: changed, removed, purged });
      }
    } catch (error) {
      // The agent left, or the server is closing (its database with it), while a read was under
      // way: nobody is there to be told, and the failure is no one's to handle.
      if (stopped) return;
      throw error;
    } finally {
      unlisten();
    }
  });
}

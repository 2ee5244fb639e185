/**
 * `componentMetrics`: a Stage's usage, live. First the newest sample of each of its Components
 * from the last hour (none, when there are none: the first message says the subscription is
 * live either way), then each batch its agent ships. Woken by UsageFeed
 * (NOTIFY across replicas); each wake reads the samples taken after the newest one sent. Usage
 * is not in the event log and has no cursor: a client that reconnects reads `Component.metrics`
 * for what it missed.
 */
import { Repeater } from "@repeaterjs/repeater";
import type { Actor } from "../auth/actor.js";
import { Signals } from "../common/signals.js";
import type { ProjectService } from "../projects/project.service.js";
import type { StageService } from "../stages/stage.service.js";
import type { UsageFeed } from "./usage-feed.js";
import type { StageUsageSample, UsageService } from "./usage.service.js";

export interface ComponentMetricsBatch {
  samples: StageUsageSample[];
}

export interface ComponentMetricsRequest {
  project: string;
  stage: string;
}

/** What the stream reads and listens to (the server's services). */
export interface ComponentMetricsSources {
  projects: Pick<ProjectService, "requireProject">;
  stages: Pick<StageService, "requireStage">;
  usage: Pick<UsageService, "listStageLatest" | "listStageSince">;
  usageFeed: Pick<UsageFeed, "watch">;
}

/** Finds the Stage first, so a request naming none fails the subscription before it starts (NOT_FOUND). */
export async function streamComponentMetrics(
  sources: ComponentMetricsSources,
  actor: Actor,
  request: ComponentMetricsRequest,
): Promise<AsyncIterable<ComponentMetricsBatch>> {
  const project = await sources.projects.requireProject(actor, request.project);
  const stage = await sources.stages.requireStage(project, request.stage);
  return follow(sources, stage.id);
}

function follow(sources: ComponentMetricsSources, stageId: string) {
  return new Repeater<ComponentMetricsBatch>(async (push, stop) => {
    const signals = new Signals(stop);
    // Listening before the first read: a batch stored in between wakes the loop, and is read then.
    const unwatch = sources.usageFeed.watch(stageId, () => signals.add(true));
    try {
      const latest = await sources.usage.listStageLatest(stageId);
      let newest = latest.newest;
      await push({ samples: latest.samples });
      while (await signals.next()) {
        const samples = await sources.usage.listStageSince(stageId, newest);
        if (samples.length === 0) continue;
        newest = samples.at(-1)!.usage.at;
        await push({ samples });
      }
    } finally {
      unwatch();
    }
  });
}

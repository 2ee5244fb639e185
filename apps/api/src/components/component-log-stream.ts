/**
 * `componentLogs`: a Component's output, live. First the last `tail` lines (or, given `after`,
 * the lines after that cursor), then each batch of new lines as the agent ships them. The
 * cursor is `<releaseId>:<position>` (position = lines ever shipped for that Component of that
 * Release), so a client that reconnects with its last cursor misses nothing the API still keeps
 * (the newest 200 lines) and sees nothing twice. A new Release starts its Components' output anew.
 */
import type { ComponentRow } from "@pergola/db/schema";
import { Repeater } from "@repeaterjs/repeater";
import type { Actor } from "../auth/actor.js";
import { Signals } from "../common/signals.js";
import { badInput } from "../errors.js";
import type { EventBus } from "../events/event-bus.js";
import type { ProjectService } from "../projects/project.service.js";
import type { StageService } from "../stages/stage.service.js";
import type { ComponentService } from "./component.service.js";
import type { LogFeed } from "./log-feed.js";

export interface ComponentLogBatch {
  cursor: string;
  component: string;
  releaseId: string;
  lines: string[];
}

export interface ComponentLogRequest {
  project: string;
  stage: string;
  component: string;
  /** 0–200 lines of what is kept, when there is no `after`. */
  tail: number;
  after?: string | null;
}

/** What the stream reads and listens to (the server's services). */
export interface ComponentLogSources {
  projects: Pick<ProjectService, "requireProject">;
  stages: Pick<StageService, "requireStage">;
  components: Pick<ComponentService, "findActive">;
  logFeed: Pick<LogFeed, "watch">;
  bus: Pick<EventBus, "onCommit">;
}

type Position = { releaseId: string; total: number };

/** Checks the request and finds its Stage, so a bad one fails the subscription before it starts. */
export async function streamComponentLogs(
  sources: ComponentLogSources,
  actor: Actor,
  request: ComponentLogRequest,
): Promise<AsyncIterable<ComponentLogBatch>> {
  const { tail } = request;
  if (!Number.isInteger(tail) || tail < 0 || tail > 200) throw badInput("tail", "must be between 0 and 200");
  const after = parsePosition(request.after);
  const project = await sources.projects.requireProject(actor, request.project);
  const stage = await sources.stages.requireStage(project, request.stage);
  return follow(sources, project.id, stage.id, request.component, tail, after);
}

function parsePosition(after: string | null | undefined): Position | null {
  if (after == null) return null;
  const match = /^([0-9a-f-]{36}):(\d+)$/.exec(after);
  if (!match) throw badInput("after", "not a cursor of componentLogs (<releaseId>:<position>)");
  return { releaseId: match[1]!, total: Number(match[2]) };
}

/** The lines of `row` after `from`; all that is kept when `from` is another Release's. */
function linesAfter(row: ComponentRow, from: Position | null, tail: number): string[] {
  if (!from) return tail === 0 ? [] : row.logs.slice(-tail);
  const first = row.logsTotal - row.logs.length;
  const after = from.releaseId === row.releaseId ? from.total : 0;
  return row.logs.slice(Math.max(0, after - first));
}

function follow(sources: ComponentLogSources, projectId: string, stageId: string, name: string, tail: number, after: Position | null) {
  return new Repeater<ComponentLogBatch>(async (push, stop) => {
    const signals = new Signals(stop);
    const poke = () => signals.add(true);
    // New lines, and a new Release (a commit in the Project) that starts its output anew.
    const unwatch = sources.logFeed.watch(stageId, name, poke);
    const unlisten = sources.bus.onCommit((commit) => commit.projectId === projectId && poke());
    poke();
    let position = after;
    let first = true;
    try {
      while (await signals.next()) {
        const row = await sources.components.findActive(stageId, name);
        if (!row) continue;
        const unchanged = position?.releaseId === row.releaseId && position.total === row.logsTotal;
        if (unchanged && !first) continue;
        const lines = linesAfter(row, position, tail);
        position = { releaseId: row.releaseId, total: row.logsTotal };
        if (lines.length === 0 && !first) continue;
        first = false;
        await push({ cursor: `${row.releaseId}:${row.logsTotal}`, component: name, releaseId: row.releaseId, lines });
      }
    } finally {
      unwatch();
      unlisten();
    }
  });
}

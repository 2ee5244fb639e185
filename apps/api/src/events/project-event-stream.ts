/**
 * The streams of the Project-scoped subscriptions (`events`, `stageChanged`, `releaseChanged`,
 * `componentChanged`, `outpostLinkChanged`). Each replays the log after `after` (when given),
 * then goes live, with no gap and no duplicate (event-stream.ts). The Project, and the Stage, are
 * found when the subscription starts: a caller who may not see them gets NOT_FOUND then.
 */
import type { EventRow } from "@pergola/db/schema";
import type { Actor } from "../auth/actor.js";
import type { ProjectService } from "../projects/project.service.js";
import type { StageService } from "../stages/stage.service.js";
import { parseCursor } from "./cursor.js";
import type { EventBus } from "./event-bus.js";
import type { EventStream } from "./event-stream.js";

export interface ProjectEventRequest {
  project: string;
  after?: string | null;
}

export interface StageEventRequest extends ProjectEventRequest {
  stage: string;
}

/** What the streams read and listen to (the server's services). */
export interface ProjectEventSources {
  projects: Pick<ProjectService, "requireProject">;
  stages: Pick<StageService, "requireStage">;
  bus: Pick<EventBus, "subscribe">;
}

/** The Project's events that `accept` takes. */
export async function streamProjectEvents(
  sources: ProjectEventSources,
  actor: Actor,
  request: ProjectEventRequest,
  accept: (row: EventRow) => boolean,
): Promise<EventStream> {
  const after = parseCursor(request.after);
  const project = await sources.projects.requireProject(actor, request.project);
  return sources.bus.subscribe(project.id, after, accept);
}

/** The Stage's events of the given kinds. */
export async function streamStageEvents(
  sources: ProjectEventSources,
  actor: Actor,
  request: StageEventRequest,
  kinds: ReadonlySet<string>,
): Promise<EventStream> {
  const after = parseCursor(request.after);
  const project = await sources.projects.requireProject(actor, request.project);
  const stage = await sources.stages.requireStage(project, request.stage);
  return sources.bus.subscribe(project.id, after, (row) => row.stageId === stage.id && kinds.has(row.kind));
}

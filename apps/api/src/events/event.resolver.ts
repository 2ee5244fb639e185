/**
 * Project-scoped subscriptions. Each replays the log after `after` (when given), then goes
 * live, with no gap and no duplicate. The payload each receives is the shared event row, so
 * every field below must depend on the row and the caller alone (see graphql/shared-execution.ts).
 */
import type { EventRow } from "@pergola/db/schema";
import { Arg, Ctx, Root, Subscription, Resolver } from "type-graphql";
import type { SubscribeResolverData } from "type-graphql";
import type { Context } from "../context.js";
import { fromStageSnapshot, type StageSnapshot } from "../stages/stage.snapshot.js";
import type { Stage } from "../stages/stage.type.js";
import { notFound } from "../errors.js";
import { formatCursor, parseCursor } from "./cursor.js";
import { EventKind, stageEventKinds } from "./event-kind.js";
import { linkSnapshotFor } from "../outposts/outpost-link.js";
import { ProjectEvent, StageEvent } from "./event.type.js";

type ProjectArgs = { project: string; after?: string | null };
type StageArgs = ProjectArgs & { stage: string };

export function subscribeToProject(accept: (row: EventRow) => boolean) {
  return async ({ args, context }: SubscribeResolverData<unknown, ProjectArgs, Context>) => {
    const after = parseCursor(args.after);
    const project = await context.services.projects.requireProject(context.actor, args.project);
    return context.services.bus.subscribe(project.id, after, accept);
  };
}

/** A Stage's events of some kinds; the Stage is found (NOT_FOUND otherwise) when the subscription starts. */
export function subscribeToStage(kinds: ReadonlySet<string>) {
  return async ({ args, context }: SubscribeResolverData<unknown, StageArgs, Context>) => {
    const after = parseCursor(args.after);
    const project = await context.services.projects.requireProject(context.actor, args.project);
    const stage = await context.services.stages.findStage(project, args.stage);
    if (!stage) throw notFound(`Stage "${args.stage}" in Project "${project.slug}"`);
    return context.services.bus.subscribe(project.id, after, (row) => row.stageId === stage.id && kinds.has(row.kind));
  };
}

export function stageOf(row: EventRow): Stage | null {
  const snapshot = (row.payload as { stage?: StageSnapshot }).stage;
  return snapshot ? (fromStageSnapshot(snapshot) as Stage) : null;
}

@Resolver()
export class EventResolver {
  @Subscription(() => StageEvent, {
    description: "Every change of the Project's Stages. Give `after` a cursor to resume from it.",
    subscribe: subscribeToProject((row) => stageEventKinds.has(row.kind)),
  })
  stageChanged(
    @Root() row: EventRow,
    @Arg("project", () => String) _project: string,
    @Arg("after", () => String, { nullable: true }) _after?: string,
  ): StageEvent {
    return { cursor: formatCursor(row.seq), at: row.at, kind: row.kind as EventKind, actor: row.actor, stage: stageOf(row)! };
  }

  @Subscription(() => ProjectEvent, {
    description: "Everything that happens in the Project, in commit order.",
    subscribe: subscribeToProject(() => true),
  })
  events(
    @Root() row: EventRow,
    @Ctx() { actor }: Context,
    @Arg("project", () => String) _project: string,
    @Arg("after", () => String, { nullable: true }) _after?: string,
  ): ProjectEvent {
    const payload = row.payload as Record<string, any>;
    return {
      cursor: formatCursor(row.seq),
      at: row.at,
      kind: row.kind as EventKind,
      actor: row.actor,
      stage: stageOf(row),
      // The raw payload shows a link's Outpost only as far as the caller may see it.
      payload: row.kind === EventKind.OUTPOST_LINK_CHANGED ? { ...payload, link: linkSnapshotFor(actor, payload.link) } : payload,
    };
  }
}

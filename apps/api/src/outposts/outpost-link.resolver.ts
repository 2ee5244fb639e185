/** Stage.isOutpost, Stage.outpost (its OutpostLink) and `outpostLinkChanged`. */
import type { EventRow } from "@pergola/db/schema";
import { Arg, Ctx, FieldResolver, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import { ArgDoc } from "../graphql/argument-docs.js";
import type { Context } from "../context.js";
import { formatCursor } from "../events/cursor.js";
import { outpostLinkEventKinds, type EventKind } from "../events/event-kind.js";
import { streamStageEvents, type StageEventRequest } from "../events/project-event-stream.js";
import { stageOf } from "../stages/stage.snapshot.js";
import { Stage } from "../stages/stage.type.js";
import { fromLinkSnapshot, getLink, type LinkView } from "./outpost-link.js";
import { OutpostLink, OutpostLinkEvent } from "./outpost.type.js";

type StageWithOutpost = Stage & { outpostId: string | null; observedGeneration: number | null; applyErrors: unknown; generation: number };

@Resolver(() => Stage)
export class OutpostLinkResolver {
  @FieldResolver(() => Boolean, { description: "True when the Stage lives on a remote Outpost (false: the built-in local one)." })
  isOutpost(@Root() stage: StageWithOutpost): boolean {
    return stage.outpostId != null;
  }

  @FieldResolver(() => OutpostLink, { nullable: true, description: "How the Stage is linked to its Outpost; null for local Stages." })
  async outpost(@Root() stage: StageWithOutpost, @Ctx() { loaders }: Context): Promise<LinkView | null> {
    if (!stage.outpostId) return null;
    const outpost = await loaders.outpostById.load(stage.outpostId);
    return outpost ? getLink(stage as never, outpost) : null;
  }

  @Subscription(() => OutpostLinkEvent, {
    description: "Every change of the Stage's Outpost link (status, sync, apply errors). Give `after` a cursor to resume from it.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, StageEventRequest, Context>) =>
      streamStageEvents(context.services, context.actor, args, outpostLinkEventKinds),
  })
  outpostLinkChanged(
    @Root() row: EventRow,
    @Arg("project", () => String, { description: ArgDoc.project }) _project: string,
    @Arg("stage", () => String, { description: ArgDoc.stage }) _stage: string,
    @Arg("after", () => String, { nullable: true, description: ArgDoc.after }) _after?: string,
  ): OutpostLinkEvent {
    // Snapshots written before links had ids do not name their Stage: the event row does.
    const link = { ...fromLinkSnapshot((row.payload as { link: unknown }).link), stageId: row.stageId! };
    return {
      cursor: formatCursor(row.seq),
      at: row.at,
      kind: row.kind as EventKind,
      actor: row.actor,
      link: link as never,
      stage: stageOf(row)!,
    };
  }
}

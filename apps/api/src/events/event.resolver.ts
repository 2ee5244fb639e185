/**
 * Project-scoped subscriptions (streams in project-event-stream.ts). The payload each receives
 * is the shared event row, so every field below must depend on the row and the caller alone
 * (see graphql/shared-execution.ts).
 */
import type { EventRow } from "@pergola/db/schema";
import { Arg, Ctx, Root, Subscription, Resolver } from "type-graphql";
import { ArgDoc } from "../graphql/argument-docs.js";
import type { SubscribeResolverData } from "type-graphql";
import type { Context } from "../context.js";
import { stageOf } from "../stages/stage.snapshot.js";
import { formatCursor } from "./cursor.js";
import { EventKind, stageEventKinds } from "./event-kind.js";
import { linkSnapshotFor } from "../outposts/outpost-link.js";
import { ProjectEvent, StageEvent } from "./event.type.js";
import { streamProjectEvents, type ProjectEventRequest } from "./project-event-stream.js";

type Subscribe = SubscribeResolverData<unknown, ProjectEventRequest, Context>;

@Resolver()
export class EventResolver {
  @Subscription(() => StageEvent, {
    description: "Every change of the Project's Stages. Give `after` a cursor to resume from it.",
    subscribe: ({ args, context }: Subscribe) =>
      streamProjectEvents(context.services, context.actor, args, (row) => stageEventKinds.has(row.kind)),
  })
  stageChanged(
    @Root() row: EventRow,
    @Arg("project", () => String, { description: ArgDoc.project }) _project: string,
    @Arg("after", () => String, { nullable: true, description: ArgDoc.after }) _after?: string,
  ): StageEvent {
    return { cursor: formatCursor(row.seq), at: row.at, kind: row.kind as EventKind, actor: row.actor, stage: stageOf(row)! };
  }

  @Subscription(() => ProjectEvent, {
    description: "Everything that happens in the Project, in commit order.",
    subscribe: ({ args, context }: Subscribe) => streamProjectEvents(context.services, context.actor, args, () => true),
  })
  events(
    @Root() row: EventRow,
    @Ctx() { actor }: Context,
    @Arg("project", () => String, { description: ArgDoc.project }) _project: string,
    @Arg("after", () => String, { nullable: true, description: ArgDoc.after }) _after?: string,
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

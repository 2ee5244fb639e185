import type { EventRow } from "@pergola/db/schema";
import { Arg, Ctx, FieldResolver, Int, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import { ArgDoc } from "../graphql/argument-docs.js";
import { badInput } from "../errors.js";
import type { Context } from "../context.js";
import { formatCursor } from "../events/cursor.js";
import { componentEventKinds, type EventKind } from "../events/event-kind.js";
import { streamStageEvents, type StageEventRequest } from "../events/project-event-stream.js";
import { stageOf } from "../stages/stage.snapshot.js";
import { Component, type ComponentCommand, ComponentEvent } from "./component.type.js";

type ComponentSnapshot = Omit<Component, "observedAt"> & { observedAt: string | null; releaseId: string };

@Resolver(() => Component)
export class ComponentResolver {
  @FieldResolver(() => [String], {
    description:
      "Its shareable links, one per ingress, in both forms: /s/<project>/<stage>/<host>/ and http://<host>.<stage>.<project>.localhost:<port>/.",
  })
  links(@Root() component: Component & { releaseId: string }, @Ctx() { loaders }: Context): Promise<string[]> {
    return loaders.linksByComponent.load(`${component.releaseId}/${component.name}`);
  }

  @FieldResolver(() => [String], {
    description:
      "The last `tail` lines of its output (stdout and stderr interleaved), as the agent shipped them; at most 200 are kept. Empty in componentChanged events: query the Stage for them.",
  })
  logs(
    @Root() component: Component & { logs?: string[] },
    @Arg("tail", () => Int, { defaultValue: 50, description: "How many of the last lines, at most 200." }) tail: number,
  ): string[] {
    if (!Number.isInteger(tail) || tail < 0 || tail > 200) throw badInput("tail", "must be between 0 and 200");
    return tail === 0 ? [] : (component.logs ?? []).slice(-tail);
  }

  @Subscription(() => ComponentEvent, {
    description: "Every change of the Stage's Components (state, health, restarts). Give `after` a cursor to resume from it.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, StageEventRequest, Context>) =>
      streamStageEvents(context.services, context.actor, args, componentEventKinds),
  })
  componentChanged(
    @Root() row: EventRow,
    @Arg("project", () => String, { description: ArgDoc.project }) _project: string,
    @Arg("stage", () => String, { description: ArgDoc.stage }) _stage: string,
    @Arg("after", () => String, { nullable: true, description: ArgDoc.after }) _after?: string,
  ): ComponentEvent {
    const { component, command } = row.payload as { component: ComponentSnapshot; command?: ComponentCommand };
    return {
      cursor: formatCursor(row.seq),
      at: row.at,
      kind: row.kind as EventKind,
      actor: row.actor,
      component: { ...component, observedAt: component.observedAt ? new Date(component.observedAt) : null },
      command: command ?? null,
      stage: stageOf(row)!,
    };
  }
}

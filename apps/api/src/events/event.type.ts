import { Field, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, JSONScalar } from "../common/scalars.js";
import { Stage } from "../stages/stage.type.js";
import { EventKind } from "./event-kind.js";

registerEnumType(EventKind, { name: "EventKind", description: "What happened." });

/** What every event type carries: `cursor`, `at`, `kind` and the changed object (docs/design.md). */
@ObjectType({ description: "Not used on its own: the fields every event type has." })
export abstract class EventFields {
  @Field(() => String, { description: "Pass as `after` to resume right after this event." })
  cursor: string;

  @Field(() => DateTime)
  at: Date;

  @Field(() => EventKind)
  kind: EventKind;

  @Field(() => String, { description: 'Who caused it: "email (key name)", "email" for a dashboard session, "agent of <outpost>", or "system".' })
  actor: string;
}

@ObjectType({ description: "A change of a Stage: created, updated, deleted, or a state transition." })
export class StageEvent extends EventFields {
  @Field(() => Stage, { description: "The Stage as it was at this event." })
  stage: Stage;
}

@ObjectType({ description: "Any change in a Project, in commit order." })
export class ProjectEvent extends EventFields {
  @Field(() => Stage, { nullable: true, description: "The Stage as it was at this event, for Stage events." })
  stage: Stage | null;

  @Field(() => JSONScalar, {
    description: "The event's full payload: the stored rows, untyped.",
    deprecationReason: "Use `subject`: the same facts, typed (StageSnapshot, ReleaseSnapshot, ComponentSnapshot, OutpostLinkSnapshot, ConfigurationSnapshot).",
  })
  payload: unknown;
}

import { Field, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, JSONScalar } from "../common/scalars.js";
import { Stage } from "../stages/stage.type.js";
import { EventKind } from "./event-kind.js";

registerEnumType(EventKind, { name: "EventKind", description: "What happened." });

@ObjectType({ description: "A change of a Stage: created, updated, deleted, or a state transition." })
export class StageEvent {
  @Field(() => String, { description: "Pass as `after` to resume right after this event." })
  cursor: string;

  @Field(() => DateTime)
  at: Date;

  @Field(() => EventKind)
  kind: EventKind;

  @Field(() => Stage, { description: "The Stage as it was at this event." })
  stage: Stage;
}

@ObjectType({ description: "Any change in a Project, in commit order." })
export class ProjectEvent {
  @Field(() => String)
  cursor: string;

  @Field(() => DateTime)
  at: Date;

  @Field(() => EventKind)
  kind: EventKind;

  @Field(() => Stage, { nullable: true, description: "The Stage as it was at this event, for Stage events." })
  stage: Stage | null;

  @Field(() => JSONScalar, { description: "The event's full payload." })
  payload: unknown;
}

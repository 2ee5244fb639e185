import { Field, ID, Int, ObjectType } from "type-graphql";
import { DateTime } from "../common/scalars.js";
import { ReleaseState } from "../releases/release.type.js";
import { Health } from "./stage.type.js";

@ObjectType({ description: "A change of a Stage's health, as the event log recorded it (STAGE_HEALTH_CHANGED)." })
export class StageHealthChange {
  @Field(() => DateTime, { description: "When it changed." })
  at: Date;

  @Field(() => Health, { description: "The health it moved to." })
  health: Health;

  @Field(() => Health, { description: "The health it moved from." })
  previousHealth: Health;

  @Field(() => String, { description: "The event's cursor." })
  cursor: string;
}

@ObjectType({ description: "A Release that finished deploying on the Stage, or failed to: a marker on its charts." })
export class DeployMarker {
  @Field(() => DateTime, { description: "When it became DEPLOYED or FAILED." })
  at: Date;

  @Field(() => ID, { description: "The Release (`Release.id`)." })
  releaseId: string;

  @Field(() => Int, { description: "Its number on the Stage." })
  number: number;

  @Field(() => ReleaseState, { description: "DEPLOYED or FAILED." })
  state: ReleaseState;

  @Field(() => String, { nullable: true, description: "Why it failed." })
  message: string | null;
}

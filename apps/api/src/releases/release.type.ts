import { RELEASE_STATES } from "@pergola/schema";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";
import { EventFields } from "../events/event.type.js";
import { Stage } from "../stages/stage.type.js";

export const ReleaseState = graphqlEnum(RELEASE_STATES, {
  name: "ReleaseState",
  description: "PENDING → DEPLOYING → DEPLOYED | FAILED; DEPLOYED → SUPERSEDED when another Release takes the Stage.",
});
export type ReleaseState = keyof typeof ReleaseState;

@ObjectType({ description: "A Build plus a Configuration version, deployed to a Stage. Immutable: any change is a new Release." })
export class Release {
  @Field(() => ID)
  id: string;

  @Field(() => Int, { description: "1, 2, 3… per Stage." })
  number: number;

  @Field(() => ReleaseState)
  state: ReleaseState;

  @Field(() => Int, { nullable: true, description: "The Configuration version it runs with (null: none)." })
  configVersion: number | null;

  @Field(() => String, { nullable: true, description: "Why it waits, or why it failed." })
  message: string | null;

  @Field(() => String, { description: "Who released it (the token's name)." })
  createdBy: string;

  @Field(() => DateTime)
  createdAt: Date;

  @Field(() => DateTime)
  updatedAt: Date;

  stageId: string;
  buildId: string;
  configName: string | null;
}

@ObjectType({ description: "A Release created or moved to another state." })
export class ReleaseEvent extends EventFields {
  @Field(() => Release, { description: "The Release as it was at this event." })
  release: Release;

  @Field(() => Stage, { description: "Its Stage as it was at this event." })
  stage: Stage;
}

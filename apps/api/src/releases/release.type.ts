import { RELEASE_STATES } from "@pergola/schema";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";
import { EventFields } from "../events/event.type.js";
import { Stage } from "../stages/stage.type.js";
import { Node } from "../node/node.type.js";
import { Connection } from "../graphql/connection.type.js";

export const ReleaseState = graphqlEnum(RELEASE_STATES, {
  name: "ReleaseState",
  description: "PENDING → DEPLOYING → DEPLOYED | FAILED; DEPLOYED → SUPERSEDED when another Release takes the Stage.",
  valuesConfig: {
    PENDING: { description: "Made; waiting for the agent (or for the suspended Stage to resume)." },
    DEPLOYING: { description: "The agent is starting its Components." },
    DEPLOYED: { description: "Every service runs and is healthy: the Stage's live Release." },
    FAILED: { description: "A Component failed; `message` says which. Final." },
    SUPERSEDED: { description: "Another Release took the Stage (from PENDING, DEPLOYING or DEPLOYED). Final." },
  },
});
export type ReleaseState = keyof typeof ReleaseState;

@ObjectType({
  implements: Node,
  description: "A Build plus a Configuration version, deployed to a Stage. Immutable: any change is a new Release.",
})
export class Release {
  @Field(() => ID, { description: "Its unique ID." })
  id: string;

  @Field(() => Int, { description: "1, 2, 3… per Stage." })
  number: number;

  @Field(() => ReleaseState, { description: "Where it is in its life: PENDING → DEPLOYING → DEPLOYED, or FAILED, or SUPERSEDED." })
  state: ReleaseState;

  @Field(() => Int, { nullable: true, description: "The Configuration version it runs with (null: none)." })
  configVersion: number | null;

  @Field(() => String, { nullable: true, description: "Why it waits, or why it failed." })
  message: string | null;

  @Field(() => String, { description: "Who released it (the token's name).", deprecationReason: "Use `author`, an Actor." })
  createdBy: string;

  @Field(() => DateTime, { description: "When it was made." })
  createdAt: Date;

  @Field(() => DateTime, { description: "When its state last changed." })
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

@ObjectType("ReleaseConnection", { description: "A page of a Stage's Releases, newest first (as `releases`)." })
export class ReleaseConnection extends Connection(Release, "Release", "Releases") {}

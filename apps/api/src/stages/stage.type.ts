import { HEALTHS, STAGE_STATES, STAGE_TYPES } from "@pergola/schema";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";

export const StageType = graphqlEnum(STAGE_TYPES, { name: "StageType", description: "What a Stage is for." });
export type StageType = keyof typeof StageType;

export const StageState = graphqlEnum(STAGE_STATES, {
  name: "StageState",
  description: "RUNNING → SUSPENDING → SUSPENDED → RESUMING → RUNNING; other moves are STATE_CONFLICT.",
});
export type StageState = keyof typeof StageState;

export const Health = graphqlEnum(HEALTHS, {
  name: "Health",
  description: "From probes. DEGRADED only for Stages (some Components healthy); UNKNOWN when nobody has seen it lately.",
});
export type Health = keyof typeof Health;

@ObjectType({ description: "A runtime environment of a Project." })
export class Stage {
  @Field(() => ID)
  id: string;

  @Field(() => String, { description: "The Stage ID: a DNS label unique in its Project, fixed for life." })
  slug: string;

  @Field(() => String)
  name: string;

  @Field(() => StageType)
  type: StageType;

  @Field(() => StageState)
  state: StageState;

  @Field(() => Int, { description: "Seconds between SIGTERM and SIGKILL when the Stage is suspended." })
  suspendGraceSeconds: number;

  @Field(() => DateTime)
  createdAt: Date;

  @Field(() => DateTime)
  updatedAt: Date;

  projectId: string;
}

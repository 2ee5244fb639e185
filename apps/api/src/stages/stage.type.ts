import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTime } from "../common/scalars.js";

export enum StageType {
  DEV = "DEV",
  QA = "QA",
  PROD = "PROD",
}
registerEnumType(StageType, { name: "StageType", description: "What a Stage is for." });

export enum StageState {
  RUNNING = "RUNNING",
  SUSPENDING = "SUSPENDING",
  SUSPENDED = "SUSPENDED",
  RESUMING = "RESUMING",
}
registerEnumType(StageState, {
  name: "StageState",
  description: "RUNNING → SUSPENDING → SUSPENDED → RESUMING → RUNNING; other moves are STATE_CONFLICT.",
});

export enum Health {
  HEALTHY = "HEALTHY",
  DEGRADED = "DEGRADED",
  UNHEALTHY = "UNHEALTHY",
  UNKNOWN = "UNKNOWN",
}
registerEnumType(Health, {
  name: "Health",
  description: "From probes. DEGRADED only for Stages (some Components healthy); UNKNOWN when nobody has seen it lately.",
});

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

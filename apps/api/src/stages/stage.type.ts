import { HEALTHS, STAGE_STATES, STAGE_TYPES } from "@pergola/schema";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";
import { Connection } from "../graphql/connection.type.js";
import { Node } from "../node/node.type.js";

export const StageType = graphqlEnum(STAGE_TYPES, {
  name: "StageType",
  description: "What a Stage is for.",
  valuesConfig: {
    DEV: { description: "Development: a branch or a person's work in progress." },
    QA: { description: "Testing and acceptance before production." },
    PROD: { description: "Production: what users rely on." },
  },
});
export type StageType = keyof typeof StageType;

export const StageState = graphqlEnum(STAGE_STATES, {
  name: "StageState",
  description: "RUNNING → SUSPENDING → SUSPENDED → RESUMING → RUNNING; other moves are STATE_CONFLICT.",
  valuesConfig: {
    RUNNING: { description: "Its current Release runs (or would, once it has one)." },
    SUSPENDING: { description: "Suspended; waiting for the agent to report every Component stopped." },
    SUSPENDED: { description: "Nothing runs; its Release, Configuration and storage are kept for resumeStage." },
    RESUMING: { description: "Resumed; waiting for the agent to report its services running." },
  },
});
export type StageState = keyof typeof StageState;

export const Health = graphqlEnum(HEALTHS, {
  name: "Health",
  description: "From probes. DEGRADED only for Stages (some Components healthy); UNKNOWN when nobody has seen it lately.",
  valuesConfig: {
    HEALTHY: { description: "Its probe passes (a Stage: every service's)." },
    DEGRADED: { description: "Stages only: some services healthy, some not." },
    UNHEALTHY: { description: "Its probe fails (a Stage: no service is healthy)." },
    UNKNOWN: { description: "Nobody has judged it lately: no probe result, or the agent is not reporting." },
  },
});
export type Health = keyof typeof Health;

@ObjectType({ implements: Node, description: "A runtime environment of a Project." })
export class Stage {
  @Field(() => ID, { description: "Its unique ID across all Projects (not the Stage ID, which is `slug`)." })
  id: string;

  @Field(() => String, { description: "The Stage ID: a DNS label unique in its Project, fixed for life." })
  slug: string;

  @Field(() => String, { description: "Its display name; may change (updateStage)." })
  name: string;

  @Field(() => StageType, { description: "What it is for." })
  type: StageType;

  @Field(() => StageState, { description: "Running or suspended, or on the way between." })
  state: StageState;

  @Field(() => Int, { description: "Seconds between SIGTERM and SIGKILL when the Stage is suspended." })
  suspendGraceSeconds: number;

  @Field(() => Int, {
    description:
      "READY backups kept (1 to 100, 10 unless set with updateStage): when a backup becomes READY, older READY ones beyond this are deleted.",
  })
  backupRetention: number;

  @Field(() => DateTime, { description: "When it was created." })
  createdAt: Date;

  @Field(() => DateTime, { description: "When its name, type, grace period or state last changed." })
  updatedAt: Date;

  @Field(() => DateTime, { nullable: true, description: "When it was deleted (archived); null while in use. restoreStage brings it back." })
  archivedAt: Date | null;

  projectId: string;
}

@ObjectType("StageConnection", {
  description: "A page of a Project's Stages, oldest first (as `stages`), with the Project's event cursor to follow them live.",
})
export class StageConnection extends Connection(Stage, "Stage", "Stages") {
  @Field(() => String, {
    description:
      "The Project's event cursor, read before this page: subscribe `after` it (stageChanged, events) and no change this page misses is lost.",
  })
  eventCursor: string;
}

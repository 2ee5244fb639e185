import { STAGE_DEPLOYERS } from "@pergola/schema";
import { Field, Int, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";
import { StageType } from "../stages/stage.type.js";

export const StageDeployers = graphqlEnum(STAGE_DEPLOYERS, {
  name: "StageDeployers",
  description: "Who may deploy to the Stages of a type. Admins always may.",
  valuesConfig: {
    OWNERS: { description: "The Project's owners only." },
    OWNERS_AND_MEMBERS: { description: "The Project's owners and members (not read-only keys)." },
  },
});
export type StageDeployers = keyof typeof StageDeployers;

@ObjectType({
  description:
    "What Pergola administrators set for every Stage of one type: who deploys, where Releases come from, what asks for confirmation, defaults. Deploys (deployRelease, promoteRelease, rollbackStage) and suspendStage that break it are refused with FORBIDDEN or STATE_CONFLICT naming it.",
})
export class StagePolicy {
  @Field(() => StageType, { description: "The Stage type it is for; every type has one." })
  type: StageType;

  @Field(() => StageDeployers, { description: "Who may deploy: others get FORBIDDEN." })
  deployers: StageDeployers;

  @Field(() => StageType, {
    nullable: true,
    description:
      "A Release's Build must be, or have been, DEPLOYED on a Stage of this type in the Project (promote it from there); otherwise STATE_CONFLICT. Null: Builds may come from anywhere.",
  })
  requirePromotionFrom: StageType | null;

  @Field(() => Boolean, { description: "Deploys (deployRelease, promoteRelease, rollbackStage) need `confirm: true`; clients ask first." })
  confirmDeploy: boolean;

  @Field(() => Boolean, { description: "suspendStage needs `confirm: true`; clients ask first." })
  confirmSuspend: boolean;

  @Field(() => Int, { description: "The suspend grace (seconds, 0 to 86400) a new Stage of this type gets when createStage names none." })
  defaultSuspendGraceSeconds: number;

  @Field(() => Int, {
    description:
      "Hours without traffic through its links after which a RUNNING Stage is suspended (counted from its last traffic or its last change, whichever is later; looked at every 5 minutes); 0: never. A Stage on an Outpost is served by its agent's gateway, whose reports carry the traffic: it is looked at only while the Outpost is ONLINE, its quiet time counted from when it came ONLINE at the earliest.",
  })
  autoSuspendAfterHours: number;

  @Field(() => Int, {
    description:
      "Scheduling priority of the type's Components as a nice level, -20 (first) to 19 (last): the agent starts their processes at it (DesiredStage.nice). A change reaches the processes that start after the Stage's next change; a level below the agent's own needs privilege on the host.",
  })
  nice: number;

  @Field(() => String, { nullable: true, description: "Who last changed it; null: as installed." })
  updatedBy: string | null;

  @Field(() => DateTime, { description: "When it last changed." })
  updatedAt: Date;
}

import { Field, InputType, Int } from "type-graphql";
import { StageType } from "../stages/stage.type.js";
import { StageDeployers } from "./stage-policy.type.js";

@InputType({ description: "What changes in the policy of one Stage type; an omitted field stays as it is." })
export class UpdateStagePolicyInput {
  @Field(() => StageType, { description: "The Stage type whose policy changes." })
  type: StageType;

  @Field(() => StageDeployers, { nullable: true, description: "Who may deploy." })
  deployers?: StageDeployers | null;

  @Field(() => StageType, {
    nullable: true,
    description: "Releases' Builds must be or have been DEPLOYED on a Stage of this type (another type). See `clearRequirePromotionFrom`.",
  })
  requirePromotionFrom?: StageType | null;

  @Field(() => Boolean, { nullable: true, description: "True: drop the promotion rule (requirePromotionFrom becomes null)." })
  clearRequirePromotionFrom?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "Deploys need `confirm: true`." })
  confirmDeploy?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "suspendStage needs `confirm: true`." })
  confirmSuspend?: boolean | null;

  @Field(() => Int, { nullable: true, description: "Seconds, 0 to 86400." })
  defaultSuspendGraceSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: "Hours, 0 (never) or more." })
  autoSuspendAfterHours?: number | null;

  @Field(() => Int, { nullable: true, description: "-20 to 19." })
  nice?: number | null;
}

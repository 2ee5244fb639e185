import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../context.js";
import { Stage } from "../stages/stage.type.js";
import { UpdateStagePolicyInput } from "./stage-policy.input.js";
import { StagePolicy } from "./stage-policy.type.js";

@Resolver(() => StagePolicy)
export class StagePolicyResolver {
  @Query(() => [StagePolicy], { description: "The policy of each Stage type (DEV, QA, PROD), for everyone signed in." })
  stagePolicies(@Ctx() { services }: Context): Promise<StagePolicy[]> {
    return services.stagePolicies.listStagePolicies() as Promise<StagePolicy[]>;
  }

  @Mutation(() => StagePolicy, {
    description: "Admins only: changes the policy of one Stage type, for every Project; bad values are BAD_USER_INPUT naming the field.",
  })
  updateStagePolicy(
    @Arg("input", () => UpdateStagePolicyInput, { description: "The type and what changes." }) input: UpdateStagePolicyInput,
    @Ctx() { actor, services }: Context,
  ): Promise<StagePolicy> {
    return services.stagePolicies.updateStagePolicy(actor, input) as Promise<StagePolicy>;
  }
}

/** `Stage.policy`: what applies to a Stage, for the Stage page. */
@Resolver(() => Stage)
export class StagePolicyOfStageResolver {
  @FieldResolver(() => StagePolicy, { description: "The policy of its type: who deploys, what asks for confirmation, defaults." })
  async policy(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<StagePolicy> {
    return (await loaders.stagePolicyByType.load(stage.type)) as StagePolicy;
  }
}

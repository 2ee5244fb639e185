/** Configuration's Stage as an object, not a key. */
import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { Context } from "../context.js";
import { Stage } from "../stages/stage.type.js";
import { Configuration } from "./configuration.type.js";

@Resolver(() => Configuration)
export class ConfigurationRelationsResolver {
  @FieldResolver(() => Stage, { description: "The Stage it configures." })
  async stage(@Root() configuration: Configuration, @Ctx() { loaders }: Context): Promise<Stage> {
    return (await loaders.stageById.load(configuration.stageId)) as Stage;
  }
}

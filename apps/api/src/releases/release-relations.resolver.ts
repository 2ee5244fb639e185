/** Release's objects in place of its keys: `stage` and `author`. */
import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { RecordedActor, recordedActor } from "../auth/recorded-actor.type.js";
import type { Context } from "../context.js";
import { Stage } from "../stages/stage.type.js";
import { Release } from "./release.type.js";

@Resolver(() => Release)
export class ReleaseRelationsResolver {
  @FieldResolver(() => Stage, {
    description: "The Stage it was made for, as it is now: read after deployRelease, promoteRelease or rollbackStage, its new state.",
  })
  async stage(@Root() release: Release, @Ctx() { loaders }: Context): Promise<Stage> {
    return (await loaders.stageById.load(release.stageId)) as Stage;
  }

  @FieldResolver(() => RecordedActor, { description: "Who made it (deployed, promoted or rolled back)." })
  author(@Root() release: Release): RecordedActor {
    return recordedActor(release.createdBy);
  }
}

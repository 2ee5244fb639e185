/** Build's objects in place of its keys: `project` and `author`. */
import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { RecordedActor, recordedActor } from "../auth/recorded-actor.type.js";
import type { Context } from "../context.js";
import { Project } from "../projects/project.type.js";
import { Build } from "./build.type.js";

@Resolver(() => Build)
export class BuildRelationsResolver {
  @FieldResolver(() => Project, { description: "The Project it belongs to." })
  async project(@Root() build: Build & { projectId: string }, @Ctx() { loaders }: Context): Promise<Project> {
    return (await loaders.projectById.load(build.projectId)) as Project;
  }

  @FieldResolver(() => RecordedActor, { description: "Who pushed it." })
  author(@Root() build: Build): RecordedActor {
    return recordedActor(build.createdBy);
  }
}

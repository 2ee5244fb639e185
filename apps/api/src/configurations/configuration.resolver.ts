import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import { projectFor } from "../projects/project.service.js";
import { AddConfigDataInput, RemoveConfigDataInput } from "./configuration.input.js";
import { DEFAULT_CONFIG } from "./configuration.rules.js";
import { Configuration } from "./configuration.type.js";

const TAKES_EFFECT = "Stored at once as a new version; takes effect with the Stage's next Release.";

@Resolver(() => Configuration)
export class ConfigurationResolver {
  @Query(() => Configuration, { nullable: true, description: "The newest version; null when the Stage has no Configuration of that name." })
  async configuration(
    @Arg("project", () => String) project: string,
    @Arg("stage", () => String) stage: string,
    @Arg("name", () => String, { nullable: true, defaultValue: DEFAULT_CONFIG }) name: string | null,
    @Ctx() { actor, services }: Context,
  ): Promise<Configuration | null> {
    const p = await services.projects.requireProject(actor, project);
    return services.configurations.findConfiguration(p, stage, name ?? DEFAULT_CONFIG);
  }

  @Mutation(() => Configuration, { description: `Adds or replaces env entries and files; creates the Configuration (version 1) on first use. ${TAKES_EFFECT}` })
  addConfigData(@Arg("input", () => AddConfigDataInput) input: AddConfigDataInput, @Ctx() { actor, services }: Context) {
    return services.configurations.addConfigData(projectFor(services.projects, actor, input.project), actor.name, input);
  }

  @Mutation(() => Configuration, { description: `Removes entries by name. ${TAKES_EFFECT}` })
  removeConfigData(@Arg("input", () => RemoveConfigDataInput) input: RemoveConfigDataInput, @Ctx() { actor, services }: Context) {
    return services.configurations.removeConfigData(projectFor(services.projects, actor, input.project), actor.name, input);
  }
}

import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import { ArgDoc } from "../graphql/argument-docs.js";
import { optionalRenamed, renamedTo } from "../graphql/renamed-argument.js";
import { projectFor } from "../projects/project.service.js";
import { AddConfigDataInput, RemoveConfigDataInput } from "./configuration.input.js";
import { DEFAULT_CONFIG } from "./configuration.rules.js";
import { Configuration } from "./configuration.type.js";

const TAKES_EFFECT = "Stored at once as a new version; takes effect with the Stage's next Release.";

@Resolver(() => Configuration)
export class ConfigurationResolver {
  @Query(() => Configuration, { nullable: true, description: "The newest version; null when the Stage has no Configuration of that name." })
  async configuration(
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Arg("stage", () => String, { description: ArgDoc.stage }) stage: string,
    @Arg("configuration", () => String, { nullable: true, description: `${ArgDoc.configuration} Default \`${DEFAULT_CONFIG}\`.` })
    configuration: string | null,
    @Arg("name", () => String, { nullable: true, description: "The Configuration's name.", deprecationReason: renamedTo("configuration") })
    name: string | null,
    @Ctx() { actor, services }: Context,
  ): Promise<Configuration | null> {
    const p = await services.projects.requireProject(actor, project);
    return services.configurations.findConfiguration(p, stage, optionalRenamed({ configuration }, { name }) ?? DEFAULT_CONFIG);
  }

  @Mutation(() => Configuration, {
    description: `Adds or replaces env entries and files; creates the Configuration (version 1) on first use. ${TAKES_EFFECT}`,
  })
  addConfigData(
    @Arg("input", () => AddConfigDataInput, { description: "The entries to add or replace, and where." }) input: AddConfigDataInput,
    @Ctx() { actor, services }: Context,
  ) {
    const config = optionalRenamed({ configuration: input.configuration }, { config: input.config });
    return services.configurations.addConfigData(projectFor(services.projects, actor, input.project), actor.name, { ...input, config });
  }

  @Mutation(() => Configuration, { description: `Removes entries by name. ${TAKES_EFFECT}` })
  removeConfigData(
    @Arg("input", () => RemoveConfigDataInput, { description: "The entries to remove, and where." }) input: RemoveConfigDataInput,
    @Ctx() { actor, services }: Context,
  ) {
    const config = optionalRenamed({ configuration: input.configuration }, { config: input.config });
    return services.configurations.removeConfigData(projectFor(services.projects, actor, input.project), actor.name, { ...input, config });
  }
}

import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import { Configuration } from "../configurations/configuration.type.js";
import type { Context } from "../context.js";
import { projectFor } from "../projects/project.service.js";
import { Component } from "../components/component.type.js";
import { Release } from "../releases/release.type.js";
import { Project } from "../projects/project.type.js";
import { CreateStageInput, UpdateStageInput } from "./stage.input.js";
import { Health, Stage } from "./stage.type.js";

@Resolver(() => Stage)
export class StageResolver {
  @Query(() => [Stage])
  async stages(@Arg("project", () => String) project: string, @Ctx() { actor, services }: Context): Promise<Stage[]> {
    const p = await services.projects.requireProject(actor, project);
    return (await services.stages.listStages(p)) as Stage[];
  }

  @Query(() => Stage, { nullable: true })
  async stage(
    @Arg("project", () => String) project: string,
    @Arg("slug", () => String) slug: string,
    @Ctx() { actor, services }: Context,
  ): Promise<Stage | null> {
    const p = await services.projects.requireProject(actor, project);
    return (await services.stages.findStage(p, slug)) as Stage | null;
  }

  @Mutation(() => Stage)
  async createStage(@Arg("input", () => CreateStageInput) input: CreateStageInput, @Ctx() { actor, services }: Context) {
    return services.stages.createStage(projectFor(services.projects, actor, input.project), input, actor);
  }

  @Mutation(() => Stage, { description: "Renaming keeps the Stage ID." })
  async updateStage(@Arg("input", () => UpdateStageInput) input: UpdateStageInput, @Ctx() { actor, services }: Context) {
    return services.stages.updateStage(projectFor(services.projects, actor, input.project), input.slug, input);
  }

  @Mutation(() => Boolean)
  async deleteStage(
    @Arg("project", () => String) project: string,
    @Arg("slug", () => String) slug: string,
    @Ctx() { actor, services }: Context,
  ): Promise<boolean> {
    return services.stages.deleteStage(projectFor(services.projects, actor, project), slug);
  }

  @Mutation(() => Stage)
  async suspendStage(
    @Arg("project", () => String) project: string,
    @Arg("slug", () => String) slug: string,
    @Ctx() { actor, services }: Context,
  ) {
    return services.stages.suspendStage(projectFor(services.projects, actor, project), slug);
  }

  @Mutation(() => Stage)
  async resumeStage(
    @Arg("project", () => String) project: string,
    @Arg("slug", () => String) slug: string,
    @Ctx() { actor, services }: Context,
  ) {
    return services.stages.resumeStage(projectFor(services.projects, actor, project), slug);
  }

  @FieldResolver(() => Project)
  async project(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<Project> {
    return (await loaders.projectById.load(stage.projectId)) as Project;
  }

  @FieldResolver(() => [Configuration], {
    description: "The newest version of each of the Stage's Configurations, by name. The running Release may use an older one.",
  })
  configs(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<Configuration[]> {
    return loaders.configsByStageId.load(stage.id);
  }

  @FieldResolver(() => Release, { nullable: true, description: "The active Release: PENDING, DEPLOYING or DEPLOYED." })
  async currentRelease(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<Release | null> {
    return (await loaders.activeReleaseByStageId.load(stage.id)) as Release | null;
  }

  @FieldResolver(() => Boolean, {
    description: "True when the Stage's Configuration changed after its current Release was made: the change waits for the next Release.",
  })
  async configDrift(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<boolean> {
    const [release, configs] = await Promise.all([
      loaders.activeReleaseByStageId.load(stage.id),
      loaders.configsByStageId.load(stage.id),
    ]);
    if (!release) return false;
    const name = release.configName ?? "default";
    const config = configs.find((c) => c.name === name);
    return config !== undefined && config.version !== (release.configVersion ?? 0);
  }

  @FieldResolver(() => [Component], { description: "The Components of the active Release, as its agent last reported them." })
  async components(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<Component[]> {
    return (await loaders.componentsByStageId.load(stage.id)) as Component[];
  }

  @FieldResolver(() => Health, {
    description: "From the services' health: HEALTHY all, DEGRADED some, UNHEALTHY none; UNKNOWN while nothing reports.",
  })
  async health(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<Health> {
    return deriveStageHealth(await loaders.componentsByStageId.load(stage.id));
  }

}

/** Services decide a Stage's health; jobs and cron runs come and go. */
export function deriveStageHealth(components: readonly { kind: string; health: string }[]): Health {
  const services = components.filter((c) => c.kind === "SERVICE");
  const judged = services.filter((c) => c.health !== "UNKNOWN");
  if (services.length === 0 || judged.length < services.length) return Health.UNKNOWN;
  const healthy = judged.filter((c) => c.health === "HEALTHY").length;
  return healthy === judged.length ? Health.HEALTHY : healthy === 0 ? Health.UNHEALTHY : Health.DEGRADED;
}

import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { DateTime } from "../common/scalars.js";
import { DeployMarker, StageHealthChange } from "./stage-history.type.js";
import { MAX_HISTORY } from "./stage-history.js";
import { Configuration } from "../configurations/configuration.type.js";
import type { Context } from "../context.js";
import { projectFor } from "../projects/project.service.js";
import { Component } from "../components/component.type.js";
import { Release } from "../releases/release.type.js";
import { Project } from "../projects/project.type.js";
import { ArgDoc } from "../graphql/argument-docs.js";
import { requiredRenamed } from "../graphql/renamed-argument.js";
import { formatCursor } from "../events/cursor.js";
import { StageArgs, StagePageArgs, stageSlug } from "./stage.args.js";
import { CreateStageInput, UpdateStageInput } from "./stage.input.js";
import type { ListedStage } from "./stage.service.js";
import { Health, Stage, StageConnection } from "./stage.type.js";
import { deriveStageHealth } from "./stage.health.js";
import type { StageRow } from "@pergola/db/schema";

@Resolver(() => Stage)
export class StageResolver {
  @Query(() => [Stage], {
    description: "The Project's Stages, oldest first: those in use, or with `archived: true` the archived (deleted) ones.",
  })
  async stages(
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Arg("archived", () => Boolean, { nullable: true, description: "True: only the archived Stages; false or unset: only those in use." })
    archived: boolean | null,
    @Ctx() { actor, services }: Context,
  ): Promise<Stage[]> {
    return (await services.stages.listStagesOf(actor, project, Boolean(archived))) as Stage[];
  }

  @Query(() => StageConnection, {
    description: "The Project's Stages a page at a time, oldest first (as `stages`), optionally of one type or in one state.",
  })
  async stagesConnection(@Args(() => StagePageArgs) args: StagePageArgs, @Ctx() { actor, services }: Context): Promise<StageConnection> {
    const p = await services.projects.requireProject(actor, args.project);
    const page = await services.stages.listStagePage(p, args);
    // Not spread: `totalCount` is a getter that would then count on every page.
    return Object.assign(page, { eventCursor: formatCursor(p.seq) }) as unknown as StageConnection;
  }

  @Query(() => Stage, { nullable: true, description: "One Stage of a Project; null when the Project has no Stage of that ID." })
  async stage(@Args(() => StageArgs) args: StageArgs, @Ctx() { actor, services }: Context): Promise<Stage | null> {
    const p = await services.projects.requireProject(actor, args.project);
    return (await services.stages.findStage(p, stageSlug(args))) as Stage | null;
  }

  @Mutation(() => Stage, {
    description: "A new Stage, RUNNING, with no Release yet; a taken Stage ID is a CONFLICT with a free `suggestion`.",
  })
  async createStage(
    @Arg("input", () => CreateStageInput, { description: "The Stage to create." }) input: CreateStageInput,
    @Ctx() { actor, services }: Context,
  ) {
    return services.stages.createStage(projectFor(services.projects, actor, input.project), input, actor);
  }

  @Mutation(() => Stage, { description: "Renaming keeps the Stage ID." })
  async updateStage(
    @Arg("input", () => UpdateStageInput, { description: "The Stage and what changes." }) input: UpdateStageInput,
    @Ctx() { actor, services }: Context,
  ) {
    const slug = requiredRenamed({ stage: input.stage }, { slug: input.slug });
    return services.stages.updateStage(projectFor(services.projects, actor, input.project), slug, input);
  }

  @Mutation(() => Boolean, {
    description:
      "Deletes the Stage as Pergola does: archives it. A RUNNING Stage is suspended first (its agent stops its Components); its storage, Releases and Configurations are kept, its Stage ID stays taken, and it leaves the lists until restoreStage (or purgeStage). True when done.",
  })
  async deleteStage(@Args(() => StageArgs) args: StageArgs, @Ctx() { actor, services }: Context): Promise<boolean> {
    await services.stages.deleteStage(projectFor(services.projects, actor, args.project), stageSlug(args));
    return true;
  }

  @Mutation(() => Stage, {
    description:
      "Brings an archived Stage back as it was: with its Releases, Configurations and storage; one that was RUNNING is resumed. STATE_CONFLICT when it is not archived.",
  })
  async restoreStage(@Args(() => StageArgs) args: StageArgs, @Ctx() { actor, services }: Context) {
    return services.stages.restoreStage(projectFor(services.projects, actor, args.project), stageSlug(args));
  }

  @Mutation(() => Boolean, {
    description:
      "Owners only: removes an archived Stage for good, with its Releases, Components and Configurations; its agent forgets it. A PROD Stage asks for its Stage ID as `confirm`. STATE_CONFLICT when it is not archived.",
  })
  async purgeStage(
    @Args(() => StageArgs) args: StageArgs,
    @Arg("confirm", () => String, { nullable: true, description: "The Stage ID again: required for a PROD Stage." }) confirm: string | null,
    @Ctx() { actor, services }: Context,
  ): Promise<boolean> {
    await services.stages.purgeStage(projectFor(services.projects, actor, args.project, "project.manage"), stageSlug(args), confirm);
    return true;
  }

  @Mutation(() => Stage, {
    description:
      "RUNNING → SUSPENDING, then SUSPENDED once its agent reports every Component stopped (at once without a Release); other states are STATE_CONFLICT.",
  })
  async suspendStage(
    @Args(() => StageArgs) args: StageArgs,
    @Arg("confirm", () => Boolean, { nullable: true, description: ArgDoc.confirmSuspend }) confirm: boolean | null,
    @Ctx() { actor, services }: Context,
  ) {
    return services.stages.suspendStage(projectFor(services.projects, actor, args.project), stageSlug(args), confirm);
  }

  @Mutation(() => Stage, {
    description:
      "SUSPENDED → RESUMING, then RUNNING once its services run again (the same Release and Configuration); other states are STATE_CONFLICT.",
  })
  async resumeStage(@Args(() => StageArgs) args: StageArgs, @Ctx() { actor, services }: Context) {
    return services.stages.resumeStage(projectFor(services.projects, actor, args.project), stageSlug(args));
  }

  @FieldResolver(() => Project, { description: "The Project it belongs to." })
  async project(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<Project> {
    return (await loaders.projectById.load(stage.projectId)) as Project;
  }

  @FieldResolver(() => [Configuration], {
    description: "The newest version of each of the Stage's Configurations, by name. The running Release may use an older one.",
  })
  configs(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<Configuration[]> {
    return loaders.configsByStageId.load(stage.id);
  }

  @FieldResolver(() => Release, {
    nullable: true,
    description:
      "The current Release: the one on its way (PENDING or DEPLOYING) if there is one, else the DEPLOYED one. After a failed Release, the one that went on serving.",
  })
  currentRelease(@Root() stage: Stage & ListedStage, @Ctx() { loaders }: Context): Release | null | Promise<Release | null> {
    // Synchronous when the list read it: no promise per Stage.
    if (stage.listed) return stage.listed.currentRelease as Release | null;
    return loaders.activeReleaseByStageId.load(stage.id) as Promise<Release | null>;
  }

  @FieldResolver(() => Release, {
    nullable: true,
    description:
      "The DEPLOYED Release, whose Components serve the Stage's links. While a new Release starts beside it, this one keeps serving until the new one is DEPLOYED; if the new one FAILS, this one goes on.",
  })
  async liveRelease(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<Release | null> {
    return (await loaders.deployedReleaseByStageId.load(stage.id)) as Release | null;
  }

  @FieldResolver(() => Boolean, {
    description: "True when the Stage's Configuration changed after its current Release was made: the change waits for the next Release.",
  })
  async configDrift(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<boolean> {
    const { listed } = stage as Stage & ListedStage;
    const [release, configs] = await Promise.all([
      listed ? listed.currentRelease : loaders.activeReleaseByStageId.load(stage.id),
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

  @FieldResolver(() => [StageHealthChange], {
    description: `Its health changes, oldest first: the newest \`first\` (1 to ${MAX_HISTORY}, default 100) since \`since\`, as far back as the event log is kept.`,
  })
  healthHistory(
    @Root() stage: Stage,
    @Arg("since", () => DateTime, { nullable: true, description: "Only changes at or after this time." }) since: Date | null,
    @Arg("first", () => Int, { nullable: true, description: `How many of the newest, 1 to ${MAX_HISTORY}; default 100.` }) first:
      | number
      | null,
    @Ctx() { services }: Context,
  ): Promise<StageHealthChange[]> {
    return services.stages.listHealthChanges(stage.id, { since, first });
  }

  @FieldResolver(() => [DeployMarker], {
    description: `Its Releases' ends (DEPLOYED or FAILED), oldest first: the newest \`first\` (1 to ${MAX_HISTORY}, default 100) since \`since\`. Deploy markers for charts.`,
  })
  deployMarkers(
    @Root() stage: Stage,
    @Arg("since", () => DateTime, { nullable: true, description: "Only Releases that ended at or after this time." }) since: Date | null,
    @Arg("first", () => Int, { nullable: true, description: `How many of the newest, 1 to ${MAX_HISTORY}; default 100.` }) first:
      | number
      | null,
    @Ctx() { services }: Context,
  ): Promise<DeployMarker[]> {
    return services.stages.listDeployMarkers(stage.id, { since, first });
  }

  @FieldResolver(() => Health, {
    description:
      "From the health of the services of the Release serving the Stage (during a rollout, the one still serving): HEALTHY all, DEGRADED some, UNHEALTHY none; UNKNOWN while nothing reports or its Outpost is not ONLINE. In an event, as it was at that event (STAGE_HEALTH_CHANGED marks each change).",
  })
  health(@Root() stage: Stage & Partial<Pick<StageRow, "health">>, @Ctx() { loaders }: Context): Health | Promise<Health> {
    if (stage.health) return stage.health as Health;
    // An event written before Stages kept their health: derived now.
    return loaders.servingComponentsByStageId.load(stage.id).then(deriveStageHealth);
  }
}

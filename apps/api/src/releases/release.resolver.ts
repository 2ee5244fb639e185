import type { EventRow } from "@pergola/db/schema";
import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from "type-graphql";
import { Build } from "../builds/build.type.js";
import { Configuration } from "../configurations/configuration.type.js";
import type { Context } from "../context.js";
import { formatCursor } from "../events/cursor.js";
import { releaseEventKinds, type EventKind } from "../events/event-kind.js";
import { streamStageEvents, type StageEventRequest } from "../events/project-event-stream.js";
import { stageOf } from "../stages/stage.snapshot.js";
import { projectFor } from "../projects/project.service.js";
import { ArgDoc } from "../graphql/argument-docs.js";
import { optionalRenamed } from "../graphql/renamed-argument.js";
import { StageArgs, stageSlug } from "../stages/stage.args.js";
import { DeployReleaseInput } from "./release.input.js";
import type { OutpostView } from "../outposts/outpost-views.js";
import { Release, ReleaseConnection, ReleaseEvent } from "./release.type.js";
import { ReleasePageArgs } from "./release.args.js";

type ReleaseSnapshot = Omit<Release, "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string };

/** A PENDING Release on an Outpost that is not ONLINE says what it waits for. */
function describeWait(outpost: OutpostView): string | null {
  if (outpost.status === "PENDING") return `waiting for Outpost ${outpost.slug}, whose agent has never connected`;
  if (outpost.status === "ONLINE") return null;
  const since = outpost.statusSince.toISOString().slice(0, 16).replace("T", " ");
  return `waiting for Outpost ${outpost.slug}, ${outpost.status === "OFFLINE" ? "offline" : "connecting"} since ${since} UTC`;
}

@Resolver(() => Release)
export class ReleaseResolver {
  @Query(() => [Release], { description: "The Stage's Releases, newest first." })
  async releases(
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Arg("stage", () => String, { description: ArgDoc.stage }) stage: string,
    @Arg("first", () => Int, { defaultValue: 20, description: "How many of the newest, 1 to 500." }) first: number,
    @Ctx() { actor, services }: Context,
  ): Promise<Release[]> {
    const s = await services.stages.requireStage(await services.projects.requireProject(actor, project), stage);
    return (await services.releases.listReleases(s, first)) as Release[];
  }

  @Query(() => ReleaseConnection, { description: "The Stage's Releases a page at a time, newest first (as `releases`)." })
  async releasesConnection(
    @Args(() => ReleasePageArgs) args: ReleasePageArgs,
    @Ctx() { actor, services }: Context,
  ): Promise<ReleaseConnection> {
    const s = await services.stages.requireStage(await services.projects.requireProject(actor, args.project), args.stage);
    return (await services.releases.listReleasePage(s, args)) as unknown as ReleaseConnection;
  }

  @Mutation(() => Release, {
    description:
      "A new Release of a Build and/or Configuration; the missing one is the Stage's current. It starts beside the DEPLOYED Release, which keeps serving until the new one is DEPLOYED and goes on if the new one FAILS.",
  })
  async deployRelease(
    @Arg("input", () => DeployReleaseInput, { description: "What to release, and where." }) input: DeployReleaseInput,
    @Ctx() { actor, services }: Context,
  ) {
    const config = optionalRenamed({ configuration: input.configuration }, { config: input.config });
    return (await services.releases.deployRelease(
      projectFor(services.projects, actor, input.project),
      { actor, confirm: input.confirm },
      { ...input, config },
    )) as Release;
  }

  @Mutation(() => Release, { description: "Deploys the Build live on `from` to `to`; each Stage keeps its Configuration." })
  async promoteRelease(
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Arg("from", () => String, { description: "The Stage ID whose current Release's Build is promoted." }) from: string,
    @Arg("to", () => String, { description: "The Stage ID that gets a new Release of that Build." }) to: string,
    @Arg("confirm", () => Boolean, { nullable: true, description: ArgDoc.confirmDeploy }) confirm: boolean | null,
    @Ctx() { actor, services }: Context,
  ) {
    return (await services.releases.promoteRelease(projectFor(services.projects, actor, project), { actor, confirm }, from, to)) as Release;
  }

  @Mutation(() => Release, {
    description:
      "Undoes the Stage's latest Release (a failed one too): redeploys the Build of the newest Release before it that did not fail, with the current Configuration. The new Release starts beside the serving one.",
  })
  async rollbackStage(
    @Args(() => StageArgs) args: StageArgs,
    @Arg("confirm", () => Boolean, { nullable: true, description: ArgDoc.confirmDeploy }) confirm: boolean | null,
    @Ctx() { actor, services }: Context,
  ) {
    return (await services.releases.rollbackStage(
      projectFor(services.projects, actor, args.project),
      { actor, confirm },
      stageSlug(args),
    )) as Release;
  }

  @Subscription(() => ReleaseEvent, {
    description: "The Stage's Releases as they are created and move. Give `after` a cursor to resume from it.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, StageEventRequest, Context>) =>
      streamStageEvents(context.services, context.actor, args, releaseEventKinds),
  })
  releaseChanged(
    @Root() row: EventRow,
    @Arg("project", () => String, { description: ArgDoc.project }) _project: string,
    @Arg("stage", () => String, { description: ArgDoc.stage }) _stage: string,
    @Arg("after", () => String, { nullable: true, description: ArgDoc.after }) _after?: string,
  ): ReleaseEvent {
    const release = (row.payload as { release: ReleaseSnapshot }).release;
    return {
      cursor: formatCursor(row.seq),
      at: row.at,
      kind: row.kind as EventKind,
      actor: row.actor,
      release: { ...release, createdAt: new Date(release.createdAt), updatedAt: new Date(release.updatedAt) },
      stage: stageOf(row)!,
    };
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Why it waits ("waiting for Outpost factory-berlin, offline since 10:42 UTC"), or why it failed.',
  })
  async message(@Root() release: Release & { stageId: string }, @Ctx() { loaders }: Context): Promise<string | null> {
    if (release.state !== "PENDING") return release.message;
    const outpost = await loaders.outpostByStageId.load(release.stageId);
    return (outpost && describeWait(outpost)) ?? release.message;
  }

  @FieldResolver(() => Build, { description: "The Build it runs." })
  async build(@Root() release: Release, @Ctx() { loaders }: Context): Promise<Build> {
    return (await loaders.buildById.load(release.buildId)) as Build;
  }

  @FieldResolver(() => Configuration, { nullable: true, description: "The Configuration as this Release runs it (that version)." })
  config(@Root() release: Release, @Ctx() { services }: Context): Promise<Configuration | null> | null {
    if (!release.configName || release.configVersion == null) return null;
    return services.configurations.findVersion(release.stageId, release.configName, release.configVersion);
  }
}

/**
 * Components' resource usage in the schema: `Component.usage` and `Component.metrics` (reads),
 * `componentMetrics` (live), and the agents' `reportUsage`. Usage has a mutation of its own,
 * beside `reportStatus`, on the same socket: it comes on a clock (every 10 s) where reports come
 * on changes, it is one batch for all of an agent's Stages where a report is one Stage's, and it
 * changes no state, so it takes no Project or Stage lock and writes no event — a status report
 * carrying it would run the state machines and append to the event log every 10 s per Stage.
 */
import { Arg, Ctx, FieldResolver, Int, Mutation, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import { authorize } from "../auth/policy.js";
import { DateTime } from "../common/scalars.js";
import { Component } from "../components/component.type.js";
import type { Context } from "../context.js";
import { ArgDoc } from "../graphql/argument-docs.js";
import { streamComponentMetrics, type ComponentMetricsBatch, type ComponentMetricsRequest } from "./usage-stream.js";
import { ComponentMetricsEvent, ComponentUsage, StageUsagePoint, UsageReportInput, UsageReportResult } from "./usage.type.js";
import type { StageUsagePoint as StageUsagePointRow, UsagePoint } from "./usage.service.js";
import { Stage } from "../stages/stage.type.js";

type ComponentRoot = Component & { stageId: string };

@Resolver(() => Stage)
export class StageUsageResolver {
  @FieldResolver(() => [StageUsagePoint], {
    description:
      "Its resource usage over the last hour, one point a minute (minutes without a sample left out), summed over its Components: a Stage list's sparkline. One statement for a whole list.",
  })
  usageTrend(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<StageUsagePointRow[]> {
    return loaders.usageTrendByStageId.load(stage.id);
  }
}

@Resolver(() => Component)
export class ComponentUsageResolver {
  @FieldResolver(() => ComponentUsage, {
    nullable: true,
    description:
      "What its processes use now: the newest sample its agent shipped (every 10 s); null when there is none from the last hour (not sampled yet, or its agent is away). Shared by the Components of the Stage's Releases that have this name.",
  })
  usage(@Root() component: ComponentRoot, @Ctx() { loaders }: Context): Promise<UsagePoint | null> {
    return loaders.usageByComponent.load(`${component.stageId}/${component.name}`);
  }

  @FieldResolver(() => [ComponentUsage], {
    description:
      "What its processes used since `since`, one point per `step` seconds, in time order, for a chart; steps without a sample are left out. Kept: every 10 s sample for an hour, then one point per minute for 24 hours. BAD_USER_INPUT for a `since` older than 24 hours, a step under 10 s, or more than 2,000 points.",
  })
  metrics(
    @Root() component: ComponentRoot,
    @Arg("since", () => DateTime, { description: "From when; at most 24 hours ago." }) since: Date,
    @Arg("step", () => Int, {
      nullable: true,
      description:
        "Seconds per point, at least 10; each point averages the samples in its step. Default: 10 within the last hour, else 60.",
    })
    step: number | null | undefined,
    @Ctx() { services }: Context,
  ): Promise<UsagePoint[]> {
    return services.usage.listSeries(component.stageId, component.name, { since, step });
  }
}

@Resolver()
export class UsageResolver {
  @Mutation(() => UsageReportResult, {
    description: "Agents only: a batch of usage samples of the Components the agent runs, sampled from /proc every 10 s.",
  })
  reportUsage(
    @Arg("input", () => UsageReportInput, { description: "The samples." }) input: UsageReportInput,
    @Ctx() { actor, services, agentSession }: Context,
  ) {
    authorize(actor, "agent.act", undefined);
    return services.usage.applyUsageReport(input.samples, { outpost: actor.outpost!, session: agentSession });
  }

  @Subscription(() => ComponentMetricsEvent, {
    description:
      "The usage of the Stage's Components as their agent ships it: first the newest sample of each from the last hour (an empty list when there is none: the subscription is live from that first message), then each new batch (every 10 s). No cursor: read `Component.metrics` for what came before.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, ComponentMetricsRequest, Context>) =>
      streamComponentMetrics(context.services, context.actor, args),
  })
  componentMetrics(
    @Root() batch: ComponentMetricsBatch,
    @Arg("project", () => String, { description: ArgDoc.project }) _project: string,
    @Arg("stage", () => String, { description: ArgDoc.stage }) _stage: string,
  ): ComponentMetricsEvent {
    return batch;
  }
}

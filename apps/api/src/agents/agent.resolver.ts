/**
 * The agent's side of the API (apps/agent/PROTOCOL.md). Only AGENT tokens get here
 * (auth/agent-scope.ts); each resolver checks again, because the scope check reads only the
 * operation's root fields.
 */
import { Arg, Ctx, ID, Mutation, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { Actor } from "../auth/token.service.js";
import type { Context } from "../context.js";
import { authorize } from "../auth/policy.js";
import { DesiredStateEvent, StatusReportInput, StatusReportResult } from "./agent.type.js";
import { streamDesiredState } from "./desired-state-stream.js";

function requireAgent(actor: Actor): string {
  authorize(actor, "agent.act", undefined);
  return actor.outpost!;
}

@Resolver()
export class AgentResolver {
  @Subscription(() => DesiredStateEvent, {
    description: "Agents only: the desired state of the agent's Outpost — in full first, then each change.",
    subscribe: ({ context }: SubscribeResolverData<unknown, object, Context>) =>
      streamDesiredState(context.services, requireAgent(context.actor)),
  })
  desiredState(@Root() event: DesiredStateEvent): DesiredStateEvent {
    return event;
  }

  @Mutation(() => StatusReportResult, { description: "Agents only: what the agent observes of a Stage's Components." })
  reportStatus(
    @Arg("input", () => StatusReportInput, { description: "The report of one Stage." }) input: StatusReportInput,
    @Ctx() { actor, services, agentSession }: Context,
  ) {
    return services.components.applyReport(input, { outpost: requireAgent(actor), session: agentSession });
  }

  @Mutation(() => Boolean, {
    description:
      "Agents only: the agent removed a purged Stage's storage from its host (or had none), so its tombstone goes and its Stage ID is free again. Idempotent: true.",
  })
  acknowledgePurge(
    @Arg("stageId", () => ID, { description: "The purged Stage's ID, from desiredState's `purged`." }) stageId: string,
    @Ctx() { actor, services }: Context,
  ): Promise<boolean> {
    return services.desiredState.acknowledgePurge(requireAgent(actor), stageId);
  }
}

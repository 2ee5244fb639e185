/**
 * The agent's side of the API (apps/agent/PROTOCOL.md). Only AGENT tokens get here
 * (auth/agent-scope.ts); each resolver checks again, because the scope check reads only the
 * operation's root fields.
 */
import { Repeater } from "@repeaterjs/repeater";
import { Arg, Ctx, Mutation, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { Actor } from "../auth/token.service.js";
import { Signals } from "../common/signals.js";
import type { Context } from "../context.js";
import { authorize } from "../auth/policy.js";
import type { Services } from "../services.js";
import { DesiredStateEvent, StatusReportInput, StatusReportResult } from "./agent.type.js";
import type { DesiredStage } from "./desired-state.service.js";

function requireAgent(actor: Actor): string {
  authorize(actor, "agent.act", undefined);
  return actor.outpost!;
}

/** The full state first; then, after each commit anywhere, the Stages whose generation moved. */
function streamDesiredState(services: Services, outpost: string) {
  return new Repeater<DesiredStateEvent>(async (push, stop) => {
    const sent = new Map<string, { projectId: string; generation: number }>();
    const remember = (stage: DesiredStage) => sent.set(stage.stageId, { projectId: stage.projectId, generation: stage.generation });
    const signals = new Signals<string>(stop);
    const unlisten = services.bus.onCommit(signals.add);
    try {
      const all = await services.desiredState.listDesired(outpost);
      all.forEach(remember);
      await push({ full: true, stages: all, removed: [] });
      for (let projects = await signals.next(); projects; projects = await signals.next()) {
        const changed: DesiredStage[] = [];
        const removed: string[] = [];
        for (const projectId of projects) {
          const now = await services.desiredState.listDesired(outpost, projectId);
          for (const stage of now) {
            if (sent.get(stage.stageId)?.generation !== stage.generation) changed.push(stage);
          }
          for (const [stageId, seen] of sent) {
            if (seen.projectId === projectId && !now.some((s) => s.stageId === stageId)) removed.push(stageId);
          }
        }
        changed.forEach(remember);
        removed.forEach((id) => sent.delete(id));
        if (changed.length || removed.length) await push({ full: false, stages: changed, removed });
      }
    } finally {
      unlisten();
    }
  });
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
  reportStatus(@Arg("input", () => StatusReportInput) input: StatusReportInput, @Ctx() { actor, services, agentSession }: Context) {
    return services.components.applyReport(input, { outpost: requireAgent(actor), session: agentSession });
  }
}

import { Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { Context } from "../context.js";
import { HealthEvent } from "./health.type.js";

@Resolver()
export class HealthResolver {
  @Subscription(() => HealthEvent, {
    description:
      "The health of every Stage the caller may see, in all Projects, from one subscription: first a SNAPSHOT, then each change of a Stage's health or state, a Component's health, or a Stage's Outpost link. Subscribe again after a reconnect: the SNAPSHOT comes again, so no state is missed.",
    subscribe: ({ context }: SubscribeResolverData<unknown, object, Context>) => context.services.health.streamHealth(context.actor),
  })
  healthChanged(@Root() event: HealthEvent): HealthEvent {
    return event;
  }
}

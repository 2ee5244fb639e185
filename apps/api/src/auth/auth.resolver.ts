import { Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import { SocketTicket } from "./actor.type.js";

@Resolver()
export class AuthResolver {
  @Mutation(() => SocketTicket, {
    description:
      "A one-time ticket (30 s) that opens a WebSocket as the caller: `{ ticket }` in connection_init instead of the token, for browsers that must not hold it.",
  })
  createSocketTicket(@Ctx() { actor, services }: Context) {
    return services.tickets.createTicket(actor);
  }
}

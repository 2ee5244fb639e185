import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import { Actor, ApiTokenCredentials, CreateApiTokenInput, SocketTicket } from "./actor.type.js";

@Resolver()
export class AuthResolver {
  @Query(() => Actor, { description: "The caller." })
  me(@Ctx() { actor }: Context): Actor {
    return actor as Actor;
  }

  @Mutation(() => ApiTokenCredentials, { description: "Admins only. The token is shown once." })
  createApiToken(
    @Arg("input", () => CreateApiTokenInput) input: CreateApiTokenInput,
    @Ctx() { actor, services }: Context,
  ): Promise<ApiTokenCredentials> {
    return services.tokens.createApiToken(actor, input) as Promise<ApiTokenCredentials>;
  }

  @Mutation(() => SocketTicket, {
    description: "A one-time ticket (30 s) that opens a WebSocket as the caller: `{ ticket }` in connection_init instead of the token, for browsers that must not hold it.",
  })
  createSocketTicket(@Ctx() { actor, services }: Context) {
    return services.tickets.createTicket(actor);
  }
}

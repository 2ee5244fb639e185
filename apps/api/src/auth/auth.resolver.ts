import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import { Actor, ApiTokenCredentials, CreateApiTokenInput } from "./actor.type.js";

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
}

import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../context.js";
import { User } from "../users/user.type.js";
import { toUser } from "../users/user.view.js";
import { AccessKey, AccessKeyCredentials, CreateAccessKeyInput } from "./access-key.type.js";

@Resolver(() => AccessKey)
export class AccessKeyResolver {
  @Query(() => [AccessKey], { description: "Your own keys; admins may name another user (id or email)." })
  accessKeys(@Arg("user", () => String, { nullable: true }) user: string | null, @Ctx() { actor, services }: Context) {
    return services.accessKeys.listAccessKeys(actor, user);
  }

  @Mutation(() => AccessKeyCredentials, { description: "At most 2 enabled keys per user: a third is a CONFLICT naming the limit." })
  createAccessKey(@Arg("input", () => CreateAccessKeyInput) input: CreateAccessKeyInput, @Ctx() { actor, services }: Context) {
    return services.accessKeys.createAccessKey(actor, input);
  }

  @Mutation(() => AccessKey, { description: "The key answers 401 from its next request; its open sockets close." })
  disableAccessKey(@Arg("id", () => ID) id: string, @Ctx() { actor, services }: Context) {
    return services.accessKeys.disableAccessKey(actor, id);
  }

  @Mutation(() => AccessKey)
  enableAccessKey(@Arg("id", () => ID) id: string, @Ctx() { actor, services }: Context) {
    return services.accessKeys.enableAccessKey(actor, id);
  }

  @Mutation(() => Boolean, { description: "For good; its open sockets close." })
  deleteAccessKey(@Arg("id", () => ID) id: string, @Ctx() { actor, services }: Context) {
    return services.accessKeys.deleteAccessKey(actor, id);
  }

  @FieldResolver(() => User, { nullable: true, description: "Whose key it is." })
  async user(@Root() key: AccessKey, @Ctx() { services }: Context): Promise<User | null> {
    const row = await services.users.getUser(key.userId);
    return row ? toUser(row) : null;
  }
}

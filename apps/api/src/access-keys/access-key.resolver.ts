import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../context.js";
import { User } from "../users/user.type.js";
import { toUser } from "../users/user.view.js";
import { AccessKey, AccessKeyCredentials, CreateAccessKeyInput } from "./access-key.type.js";

const KEY_ID = "The key's id: the part of its token before the colon.";

@Resolver(() => AccessKey)
export class AccessKeyResolver {
  @Query(() => [AccessKey], { description: "Your own keys; admins may name another user (id or email)." })
  accessKeys(
    @Arg("user", () => String, { nullable: true, description: "Admins only: whose keys, by id or email; omitted: the caller's." }) user:
      | string
      | null,
    @Ctx() { actor, services }: Context,
  ) {
    return services.accessKeys.listAccessKeys(actor, user);
  }

  @Mutation(() => AccessKeyCredentials, { description: "At most 2 enabled keys per user: a third is a CONFLICT naming the limit." })
  createAccessKey(
    @Arg("input", () => CreateAccessKeyInput, { description: "The key to create." }) input: CreateAccessKeyInput,
    @Ctx() { actor, services }: Context,
  ) {
    return services.accessKeys.createAccessKey(actor, input);
  }

  @Mutation(() => AccessKey, { description: "The key answers 401 from its next request; its open sockets close." })
  disableAccessKey(@Arg("id", () => ID, { description: KEY_ID }) id: string, @Ctx() { actor, services }: Context) {
    return services.accessKeys.disableAccessKey(actor, id);
  }

  @Mutation(() => AccessKey, { description: "A disabled key works again (within the limit of 2 enabled keys per user)." })
  enableAccessKey(@Arg("id", () => ID, { description: KEY_ID }) id: string, @Ctx() { actor, services }: Context) {
    return services.accessKeys.enableAccessKey(actor, id);
  }

  @Mutation(() => Boolean, { description: "For good; its open sockets close." })
  deleteAccessKey(@Arg("id", () => ID, { description: KEY_ID }) id: string, @Ctx() { actor, services }: Context) {
    return services.accessKeys.deleteAccessKey(actor, id);
  }

  @FieldResolver(() => User, { nullable: true, description: "Whose key it is." })
  async user(@Root() key: AccessKey, @Ctx() { services }: Context): Promise<User | null> {
    const row = await services.users.getUser(key.userId);
    return row ? toUser(row) : null;
  }
}

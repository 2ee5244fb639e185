import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, ID, Info, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import { notFound } from "../errors.js";
import { CreateUserInput, Session, UpdateUserInput, User } from "./user.type.js";
import { agentAsUser, toUser, userOfActor } from "./user.view.js";

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { description: "The caller: the user of the key or session (an agent: its token)." })
  async me(@Ctx() { actor, services }: Context, @Info() info: GraphQLResolveInfo): Promise<User> {
    if (!actor.userId) return agentAsUser(actor);
    // What the credential check read (at most a few seconds old) answers most `me`s without a statement.
    const known = userOfActor(actor, info);
    if (known) return known;
    const row = await services.users.getUser(actor.userId);
    if (!row) throw notFound("User");
    return toUser(row, actor.readOnly);
  }

  @Query(() => [User], { description: "Admins only." })
  async users(@Ctx() { actor, services }: Context): Promise<User[]> {
    return (await services.users.listUsers(actor)).map((u) => toUser(u));
  }

  @Mutation(() => User, { description: "Admins only. CONFLICT when the email is taken." })
  async createUser(
    @Arg("input", () => CreateUserInput, { description: "The user to create." }) input: CreateUserInput,
    @Ctx() { actor, services }: Context,
  ): Promise<User> {
    return toUser(await services.users.createUser(actor, input));
  }

  @Mutation(() => User, { description: "Changes a user: your own name and password, or (admins) anyone's, their email and admin role." })
  async updateUser(
    @Arg("input", () => UpdateUserInput, { description: "The user and what changes." }) input: UpdateUserInput,
    @Ctx() { actor, services }: Context,
  ): Promise<User> {
    return toUser(await services.users.updateUser(actor, input));
  }

  @Mutation(() => User, { description: "Admins only. Every key and session of the user stops at once; open sockets close." })
  async disableUser(
    @Arg("id", () => ID, { description: "The user's id." }) id: string,
    @Ctx() { actor, services }: Context,
  ): Promise<User> {
    return toUser(await services.users.disableUser(actor, id));
  }

  @Mutation(() => User, { description: "Admins only. The user's keys work again; sessions ended for good." })
  async enableUser(@Arg("id", () => ID, { description: "The user's id." }) id: string, @Ctx() { actor, services }: Context): Promise<User> {
    return toUser(await services.users.enableUser(actor, id));
  }

  @Mutation(() => Session, {
    description:
      "Email and password in, a 12-hour session out. One answer (UNAUTHENTICATED) for every wrong combination; TOO_MANY_REQUESTS after 10 failures in 10 minutes (by email or address), with `retryAfterSeconds`.",
  })
  async signIn(
    @Arg("email", () => String, { description: "The user's email (case does not matter)." }) email: string,
    @Arg("password", () => String, { description: "The user's password." }) password: string,
    @Ctx() { services, address }: Context,
  ): Promise<Session> {
    const session = await services.signIn.signIn(email, password, address ?? "unknown");
    return { token: session.token, expiresAt: session.expiresAt, user: toUser(session.user) };
  }

  @Mutation(() => Boolean, { description: "Ends the caller's session; false for an access key." })
  signOut(@Ctx() { actor, services }: Context): Promise<boolean> {
    return services.signIn.signOut(actor);
  }
}

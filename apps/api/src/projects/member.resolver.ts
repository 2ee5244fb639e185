import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import type { MemberView } from "./project.service.js";
import { Member, MemberRole } from "./member.type.js";
import { toUser } from "../users/user.view.js";

export function toMember(view: MemberView): Member {
  return { user: toUser(view.user), role: view.role as MemberRole, addedAt: view.addedAt };
}

@Resolver(() => Member)
export class MemberResolver {
  @Mutation(() => Member, { description: "Owners and admins. The user must exist (admins create users)." })
  async addMember(
    @Arg("project", () => String) project: string,
    @Arg("email", () => String) email: string,
    @Arg("role", () => MemberRole, { defaultValue: MemberRole.MEMBER }) role: MemberRole,
    @Ctx() { actor, services }: Context,
  ): Promise<Member> {
    return toMember(await services.projects.addMember(actor, project, email, role));
  }

  @Mutation(() => Member, { description: "Owners and admins. The last owner stays an owner (CONFLICT)." })
  async updateMember(
    @Arg("project", () => String) project: string,
    @Arg("email", () => String) email: string,
    @Arg("role", () => MemberRole) role: MemberRole,
    @Ctx() { actor, services }: Context,
  ): Promise<Member> {
    return toMember(await services.projects.updateMember(actor, project, email, role));
  }

  @Mutation(() => Boolean, { description: "Owners and admins remove anyone; members may remove themselves (leave). The last owner cannot leave (CONFLICT)." })
  removeMember(@Arg("project", () => String) project: string, @Arg("email", () => String) email: string, @Ctx() { actor, services }: Context): Promise<boolean> {
    return services.projects.removeMember(actor, project, email);
  }
}

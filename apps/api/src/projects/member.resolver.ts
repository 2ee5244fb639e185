import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import { ArgDoc } from "../graphql/argument-docs.js";
import type { MemberView } from "./project.service.js";
import { Member, MemberRole } from "./member.type.js";
import { toUser } from "../users/user.view.js";

export function toMember(view: MemberView): Member {
  return { user: toUser(view.user), role: view.role as MemberRole, addedAt: view.addedAt };
}

const EMAIL = "The user's email (case does not matter).";

@Resolver(() => Member)
export class MemberResolver {
  @Mutation(() => Member, { description: "Owners and admins. The user must exist (admins create users)." })
  async addMember(
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Arg("email", () => String, { description: EMAIL }) email: string,
    @Arg("role", () => MemberRole, { defaultValue: MemberRole.MEMBER, description: "What the user may do in the Project." })
    role: MemberRole,
    @Ctx() { actor, services }: Context,
  ): Promise<Member> {
    return toMember(await services.projects.addMember(actor, project, email, role));
  }

  @Mutation(() => Member, { description: "Owners and admins. The last owner stays an owner (CONFLICT)." })
  async updateMember(
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Arg("email", () => String, { description: EMAIL }) email: string,
    @Arg("role", () => MemberRole, { description: "The member's new role." }) role: MemberRole,
    @Ctx() { actor, services }: Context,
  ): Promise<Member> {
    return toMember(await services.projects.updateMember(actor, project, email, role));
  }

  @Mutation(() => Boolean, {
    description: "Owners and admins remove anyone; members may remove themselves (leave). The last owner cannot leave (CONFLICT).",
  })
  removeMember(
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Arg("email", () => String, { description: EMAIL }) email: string,
    @Ctx() { actor, services }: Context,
  ): Promise<boolean> {
    return services.projects.removeMember(actor, project, email);
  }
}

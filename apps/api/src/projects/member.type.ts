import { MEMBER_ROLES } from "@pergola/schema";
import { Field, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";
import { User } from "../users/user.type.js";

export const MemberRole = graphqlEnum(MEMBER_ROLES, {
  name: "MemberRole",
  description: "OWNER: manages the members and may delete the Project. MEMBER: everything else in it.",
});
export type MemberRole = keyof typeof MemberRole;

@ObjectType({ description: "A user's place in a Project." })
export class Member {
  @Field(() => User)
  user: User;

  @Field(() => MemberRole)
  role: MemberRole;

  @Field(() => DateTime)
  addedAt: Date;
}

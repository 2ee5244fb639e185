import { Field, ObjectType, registerEnumType } from "type-graphql";
import { DateTime } from "../common/scalars.js";
import { User } from "../users/user.type.js";

export enum MemberRole {
  OWNER = "OWNER",
  MEMBER = "MEMBER",
}

registerEnumType(MemberRole, {
  name: "MemberRole",
  description: "OWNER: manages the members and may delete the Project. MEMBER: everything else in it.",
});

@ObjectType({ description: "A user's place in a Project." })
export class Member {
  @Field(() => User)
  user: User;

  @Field(() => MemberRole)
  role: MemberRole;

  @Field(() => DateTime)
  addedAt: Date;
}

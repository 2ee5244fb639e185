import { MEMBER_ROLES } from "@pergola/schema";
import { Field, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";
import { User } from "../users/user.type.js";

export const MemberRole = graphqlEnum(MEMBER_ROLES, {
  name: "MemberRole",
  description: "OWNER: manages the members and may delete the Project. MEMBER: everything else in it.",
  valuesConfig: {
    OWNER: { description: "Does what a member does, manages the members and may delete the Project." },
    MEMBER: { description: "Works with everything in the Project: Stages, Builds, Releases, Configurations." },
  },
});
export type MemberRole = keyof typeof MemberRole;

@ObjectType({ description: "A user's place in a Project." })
export class Member {
  @Field(() => User, { description: "The user." })
  user: User;

  @Field(() => MemberRole, { description: "What the user may do in the Project." })
  role: MemberRole;

  @Field(() => DateTime, { description: "When the user joined the Project (created it, or was added)." })
  addedAt: Date;
}

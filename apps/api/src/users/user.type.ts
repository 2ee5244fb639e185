import { ROLES } from "@pergola/schema";
import { Field, ID, InputType, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";

export const Role = graphqlEnum(ROLES, {
  name: "Role",
  description: "ADMIN: a user who sees everything and manages users and Outposts. MEMBER: any other user. AGENT: an Outpost's agent (its token), which may only read its desired state and report.",
});
export type Role = keyof typeof Role;

@ObjectType({ description: "A person who uses Pergola." })
export class User {
  @Field(() => ID)
  id: string;

  @Field(() => String, { description: "Lower-case; empty for an agent asking `me`." })
  email: string;

  @Field(() => String)
  name: string;

  @Field(() => Boolean)
  isAdmin: boolean;

  @Field(() => Boolean, { description: "A disabled user's keys and sessions all stop working." })
  disabled: boolean;

  @Field(() => DateTime)
  createdAt: Date;

  @Field(() => DateTime, { nullable: true, description: "When one of the user's keys or sessions was last used (to the minute)." })
  lastSeenAt: Date | null;

  @Field(() => Role, { description: "ADMIN or MEMBER for users; AGENT when an agent asks `me`." })
  role: Role;

  @Field(() => Boolean, { description: "`me` only: the credential of this request is a read-only key." })
  readOnly: boolean;
}

@ObjectType({ description: "A signed-in session: send `token` as `Authorization: Bearer <token>`. It ends at `expiresAt` or with signOut." })
export class Session {
  @Field(() => String)
  token: string;

  @Field(() => DateTime)
  expiresAt: Date;

  @Field(() => User)
  user: User;
}

@InputType()
export class CreateUserInput {
  @Field(() => String)
  email: string;

  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true, description: "At least 12 characters. Without one, the user signs in with SSO only." })
  password?: string | null;

  @Field(() => Boolean, { defaultValue: false })
  isAdmin: boolean;
}

@InputType({ description: "Users change their own name and password; admins change anyone's, their email and whether they are admins." })
export class UpdateUserInput {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  password?: string | null;

  @Field(() => Boolean, { nullable: true })
  isAdmin?: boolean | null;
}

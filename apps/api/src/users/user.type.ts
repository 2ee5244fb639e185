import { ROLES } from "@pergola/schema";
import { Field, ID, InputType, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";
import { Node } from "../node/node.type.js";

export const Role = graphqlEnum(ROLES, {
  name: "Role",
  description:
    "ADMIN: a user who sees everything and manages users and Outposts. MEMBER: any other user. AGENT: an Outpost's agent (its token), which may only read its desired state and report.",
  valuesConfig: {
    ADMIN: { description: "A user who sees everything and manages users and Outposts." },
    MEMBER: { description: "Any other user: works in the Projects it is a member of." },
    AGENT: { description: "An Outpost's agent (its token): reads its desired state and reports, nothing else." },
  },
});
export type Role = keyof typeof Role;

@ObjectType({ implements: Node, description: "A person who uses Pergola." })
export class User {
  @Field(() => ID, { description: "Its unique ID." })
  id: string;

  @Field(() => String, { description: "Lower-case; empty for an agent asking `me`." })
  email: string;

  @Field(() => String, { description: "The person's name, as shown to others." })
  name: string;

  @Field(() => Boolean, { description: "True for an admin (role ADMIN)." })
  isAdmin: boolean;

  @Field(() => Boolean, { description: "A disabled user's keys and sessions all stop working." })
  disabled: boolean;

  @Field(() => DateTime, { description: "When the user was created." })
  createdAt: Date;

  @Field(() => DateTime, { nullable: true, description: "When one of the user's keys or sessions was last used (to the minute)." })
  lastSeenAt: Date | null;

  @Field(() => Role, { description: "ADMIN or MEMBER for users; AGENT when an agent asks `me`." })
  role: Role;

  @Field(() => Boolean, { description: "`me` only: the credential of this request is a read-only key." })
  readOnly: boolean;
}

@ObjectType({
  description: "A signed-in session: send `token` as `Authorization: Bearer <token>`. It ends at `expiresAt` or with signOut.",
})
export class Session {
  @Field(() => String, { description: "The session's bearer token; secret." })
  token: string;

  @Field(() => DateTime, { description: "When it ends: 12 hours after sign-in." })
  expiresAt: Date;

  @Field(() => User, { description: "Who signed in." })
  user: User;
}

@InputType({ description: "A new user." })
export class CreateUserInput {
  @Field(() => String, { description: "Unique; stored lower-case, at most 254 characters." })
  email: string;

  @Field(() => String, { description: "The person's name; at most 200 characters." })
  name: string;

  @Field(() => String, { nullable: true, description: "At least 12 characters. Without one, the user signs in with SSO only." })
  password?: string | null;

  @Field(() => Boolean, { defaultValue: false, description: "True to make the user an admin." })
  isAdmin: boolean;
}

@InputType({ description: "Users change their own name and password; admins change anyone's, their email and whether they are admins." })
export class UpdateUserInput {
  @Field(() => ID, { description: "The user to change." })
  id: string;

  @Field(() => String, { nullable: true, description: "A new name; omitted: unchanged." })
  name?: string | null;

  @Field(() => String, { nullable: true, description: "Admins only. A new email, unique; omitted: unchanged." })
  email?: string | null;

  @Field(() => String, { nullable: true, description: "A new password, at least 12 characters; omitted: unchanged." })
  password?: string | null;

  @Field(() => Boolean, { nullable: true, description: "Admins only. Whether the user is an admin; omitted: unchanged." })
  isAdmin?: boolean | null;
}

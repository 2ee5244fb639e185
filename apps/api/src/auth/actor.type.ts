import { DateTime } from "../common/scalars.js";
import { Field, InputType, ObjectType, registerEnumType } from "type-graphql";

export enum Role {
  ADMIN = "ADMIN",
  MEMBER = "MEMBER",
  AGENT = "AGENT",
}
registerEnumType(Role, {
  name: "Role",
  description: "ADMIN: every Project, Outposts and tokens. MEMBER: the Projects it created or was given. AGENT: an Outpost's agent, which may only read its desired state and report.",
});

@ObjectType({ description: "Who is calling: the API token's holder." })
export class Actor {
  @Field(() => String)
  name: string;

  @Field(() => Role)
  role: Role;
}

@InputType()
export class CreateApiTokenInput {
  @Field(() => String)
  name: string;

  @Field(() => Role, { defaultValue: Role.MEMBER })
  role: Role;

  @Field(() => [String], { defaultValue: [], description: "Project slugs a MEMBER token may use." })
  projects: string[];
}

@ObjectType({ description: "A new API token. `token` is shown only this once." })
export class ApiTokenCredentials {
  @Field(() => Actor)
  actor: Actor;

  @Field(() => String)
  token: string;
}

@ObjectType({ description: "Opens one WebSocket, once, within 30 s." })
export class SocketTicket {
  @Field(() => String)
  ticket: string;

  @Field(() => DateTime)
  expiresAt: Date;
}

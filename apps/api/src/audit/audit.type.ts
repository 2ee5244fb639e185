import { Field, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, JSONScalar } from "../common/scalars.js";
import { AuditAction } from "./audit-action.js";

registerEnumType(AuditAction, { name: "AuditAction", description: "What an audit entry records." });

@ObjectType({ description: "One thing done to access: a sign-in, a key, a member, a user." })
export class AuditEntry {
  @Field(() => String, { description: "Pass as `after` for the entries before this one." })
  cursor: string;

  @Field(() => DateTime)
  at: Date;

  @Field(() => AuditAction)
  action: AuditAction;

  @Field(() => String, { description: '"email (key name)", "email" for a session; for a failed sign-in, the email tried.' })
  actor: string;

  @Field(() => String, { nullable: true, description: "The Project it concerns (slug), if any." })
  project: string | null;

  @Field(() => String, { nullable: true, description: "The caller's address (sign-ins)." })
  address: string | null;

  @Field(() => JSONScalar, { description: "What changed: the key, member, user and role concerned." })
  detail: unknown;
}

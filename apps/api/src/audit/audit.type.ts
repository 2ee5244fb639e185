import { Field, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, JSONScalar } from "../common/scalars.js";
import { AuditAction } from "./audit-action.js";

registerEnumType(AuditAction, {
  name: "AuditAction",
  description: "What an audit entry records.",
  valuesConfig: {
    SIGN_IN: { description: "A user signed in (password or SSO)." },
    SIGN_IN_FAILED: { description: "A sign-in was refused; `actor` is the email tried." },
    SIGN_OUT: { description: "A user ended a session." },
    USER_CREATED: { description: "An admin created a user." },
    USER_UPDATED: { description: "A user's name, email, password or admin role changed." },
    USER_DISABLED: { description: "An admin disabled a user: its keys and sessions stopped." },
    USER_ENABLED: { description: "An admin enabled a user again." },
    ACCESS_KEY_CREATED: { description: "An access key was created." },
    ACCESS_KEY_DISABLED: { description: "An access key was disabled." },
    ACCESS_KEY_ENABLED: { description: "An access key was enabled again." },
    ACCESS_KEY_DELETED: { description: "An access key was deleted." },
    MEMBER_ADDED: { description: "A user was added to a Project." },
    MEMBER_UPDATED: { description: "A member's role in a Project changed." },
    MEMBER_REMOVED: { description: "A member was removed from a Project, or left it." },
    OUTPOST_GRANTED: { description: "An admin granted an Outpost to a Project." },
    OUTPOST_REVOKED: { description: "An admin revoked a Project's grant of an Outpost." },
    WEBHOOK_CREATED: { description: "A webhook was created: from then on Pergola sends its events to that URL." },
    WEBHOOK_UPDATED: { description: "A webhook's URL, events or secret changed." },
    WEBHOOK_DELETED: { description: "A webhook was deleted, with its deliveries." },
    STAGE_POLICY_UPDATED: { description: "An admin changed the policy of a Stage type (detail: the type and what changed)." },
  },
});

@ObjectType({ description: "One thing done to access: a sign-in, a key, a member, a user." })
export class AuditEntry {
  @Field(() => String, { description: "Pass as `after` for the entries before this one." })
  cursor: string;

  @Field(() => DateTime, { description: "When it happened." })
  at: Date;

  @Field(() => AuditAction, { description: "What happened." })
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

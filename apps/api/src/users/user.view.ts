/** Users as the API shows them: never a password hash. */
import type { UserRow } from "@pergola/db/schema";
import { Kind, type GraphQLResolveInfo } from "graphql";
import type { Actor } from "../auth/actor.js";
import { Role, type User } from "./user.type.js";

export function toUser(row: UserRow, readOnly = false): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    isAdmin: row.isAdmin,
    disabled: row.disabledAt !== null,
    createdAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    role: row.isAdmin ? Role.ADMIN : Role.MEMBER,
    readOnly,
  };
}

/** `me` for an agent: its token, shaped as a user. */
export function agentAsUser(actor: Actor): User {
  return {
    id: actor.tokenId,
    email: "",
    name: actor.name,
    isAdmin: false,
    disabled: false,
    createdAt: new Date(0),
    lastSeenAt: null,
    role: Role.AGENT,
    readOnly: false,
  };
}

/** The fields of `User` an actor of a user's credential carries (disabled users have no actor). */
const ACTOR_FIELDS = new Set(["__typename", "id", "email", "name", "isAdmin", "disabled", "role", "readOnly"]);

/**
 * `me` from the actor alone, when the selection asks only for what it carries (plain fields, no
 * fragment); null otherwise, and the user's row is read.
 */
export function userOfActor(actor: Actor, info: GraphQLResolveInfo): User | null {
  if (!actor.userId || !actor.email) return null;
  const selections = info.fieldNodes.flatMap((node) => node.selectionSet?.selections ?? []);
  if (!selections.every((s) => s.kind === Kind.FIELD && ACTOR_FIELDS.has(s.name.value))) return null;
  return {
    id: actor.userId,
    email: actor.email,
    name: actor.name,
    isAdmin: actor.role === "ADMIN",
    disabled: false,
    // Not selected (see ACTOR_FIELDS): never read.
    createdAt: new Date(0),
    lastSeenAt: null,
    role: actor.role === "ADMIN" ? Role.ADMIN : Role.MEMBER,
    readOnly: actor.readOnly,
  };
}

/** Users as the API shows them: never a password hash. */
import type { UserRow } from "@pergola/db/schema";
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

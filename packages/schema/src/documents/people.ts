/**
 * What the CLI's and the dashboard's documents about people (users, access keys, Project
 * members) share: the rows' types, their selections, and the mutations that take an id.
 */
import { typed, type TypedDocument } from "./typed.js";

export type MemberRole = "OWNER" | "MEMBER";

export interface UserRow {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
  disabled: boolean;
  createdAt: string;
  lastSeenAt: string | null;
}

export interface AccessKeyRow {
  id: string;
  name: string;
  readOnly: boolean;
  enabled: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

/** The selection of a UserRow. */
export const USER_FIELDS = `id email name isAdmin disabled createdAt lastSeenAt`;
/** The selection of an AccessKeyRow. */
export const ACCESS_KEY_FIELDS = `id name readOnly enabled createdAt lastUsedAt`;

/**
 * `mutation <operation>($id: ID!) { <field>(id: $id) { <selection> } }` (no braces without a
 * selection), registered as `name`: disable/enable/delete of a user or an access key.
 */
export function idMutation<Field extends string, Row>(name: string, operation: string, field: Field, selection?: string): TypedDocument<{ [K in Field]: Row }, { id: string }> {
  return typed(name, `mutation ${operation}($id: ID!) { ${field}(id: $id)${selection ? ` { ${selection} }` : ""} }`);
}

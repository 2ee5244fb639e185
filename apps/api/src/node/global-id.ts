/**
 * Global ids. Most objects are rows with a UUID of their own, and their `id` is that UUID, as it
 * always was (clients keep them); UUIDs do not repeat across tables, so `node(id:)` finds the
 * type by looking the UUID up in each table. Objects without a UUID of their own get an opaque
 * id: base64url of `<Type>:<key>`. Clients must treat every id as opaque.
 */
export const OPAQUE_NODE_TYPES = ["Configuration", "Component", "OutpostLink", "Actor"] as const;
export type OpaqueNodeType = (typeof OPAQUE_NODE_TYPES)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (id: string): boolean => UUID.test(id);

/**
 * `key`: a Configuration version's `<configurationId>/<version>`, a Component's `<releaseId>/<name>`,
 * an OutpostLink's Stage id, an Actor's recorded name.
 */
export function toGlobalId(type: OpaqueNodeType, key: string): string {
  return Buffer.from(`${type}:${key}`, "utf8").toString("base64url");
}

/** The type and key of an opaque id; null for anything else (a UUID included). */
export function fromGlobalId(id: string): { type: OpaqueNodeType; key: string } | null {
  if (isUuid(id) || !/^[A-Za-z0-9_-]+$/.test(id)) return null;
  const decoded = Buffer.from(id, "base64url").toString("utf8");
  const colon = decoded.indexOf(":");
  const type = decoded.slice(0, colon) as OpaqueNodeType;
  if (colon < 0 || !OPAQUE_NODE_TYPES.includes(type)) return null;
  return { type, key: decoded.slice(colon + 1) };
}

/** `<uuid>/<rest>` split, or null when the first part is no UUID. */
export function splitKey(key: string): [string, string] | null {
  const slash = key.indexOf("/");
  const first = key.slice(0, slash);
  return slash > 0 && isUuid(first) ? [first, key.slice(slash + 1)] : null;
}

/** Who is calling: built from the credential of every request and socket. */
import type { CredentialKind, Role } from "@pergola/schema";

/** ADMIN and MEMBER are users (admins see everything); AGENT is an Outpost's agent; ANONYMOUS has no credential. */
export type ActorRole = Role | "ANONYMOUS";

export interface Actor {
  role: ActorRole;
  /** The credential presented (access key, session, legacy or agent token); "" for ANONYMOUS. */
  tokenId: string;
  kind: CredentialKind | "NONE";
  /** The user's name, or the agent token's name. */
  name: string;
  userId: string | null;
  email: string | null;
  /** The access key's name (sessions: "session"). */
  keyName: string;
  /** A read-only access key: queries and subscriptions only. */
  readOnly: boolean;
  /** AGENT tokens: the Outpost they act for. */
  outpost: string | null;
  /** ANONYMOUS only: the caller's address (the sign-in rate limit counts by it). */
  address?: string;
}

export function anonymousActor(address?: string): Actor {
  return {
    role: "ANONYMOUS",
    tokenId: "",
    kind: "NONE",
    name: "anonymous",
    userId: null,
    email: null,
    keyName: "",
    readOnly: true,
    outpost: null,
    address,
  };
}

/** How an actor is named in the event log and the audit log: "email (key name)", "email", or "agent of <outpost>". */
export function actorLabel(actor: Actor): string {
  if (actor.role === "AGENT") return actor.name;
  if (actor.role === "ANONYMOUS") return "anonymous";
  const who = actor.email ?? actor.name;
  return actor.kind === "SESSION" ? who : `${who} (${actor.keyName})`;
}

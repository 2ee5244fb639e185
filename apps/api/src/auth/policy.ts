/**
 * Authorization in one place: `can(actor, action, resource)` says whether an actor may do an
 * action, `authorize` throws the refusal a client sees. Services load what a decision needs
 * (a membership, a grant) and ask here; nothing else decides who may do what. The one caller
 * outside the services is the operation gate (HTTP plugin and socket), which asks
 * "operation.run" before any resolver runs.
 *
 * The answers, and why:
 * - A non-member gets NOT_FOUND for everything in a Project — the answer for a Project that does
 *   not exist — so Project slugs cannot be probed.
 * - Read-only keys may run no mutation at all: a key on a wall display must not change anything.
 * - An agent's token acts for its Outpost only (desired state, reports, heartbeats); no other
 *   credential reaches those fields.
 * - ANONYMOUS callers may only sign in.
 * - Outposts belong to the Projects they are granted to: members place Stages and see an Outpost
 *   (name, description, region, status) only there; the rest of its facts — its host, and other
 *   Projects' use of it — are the admins'. To others an Outpost is as missing.
 * - Artifacts belong to the Projects they were uploaded for (or built in): their members, admins
 *   and the agents that run them read them; to anyone else an artifact is as missing.
 * - Webhooks send a Project's news to a URL outside: a Project's are its owners' (and admins')
 *   to see and manage, as its members are; a global one (no Project: every Project's news) is
 *   the admins'. Their URLs can hold credentials (chat hooks do), so members do not read them.
 * - Stage policies are set by admins for every Project at once; who may deploy to a Stage is
 *   its type's policy (`deployers`): owners only, or owners and members. Admins always may, as
 *   they may manage any Project.
 */
import type { MemberRole, StageDeployers, StageType } from "@pergola/db/schema";
import { AppError, ErrorCode, forbidden, notFound, unauthenticated } from "../errors.js";
import type { Actor } from "./actor.js";

/** Root fields for agents only. */
export const AGENT_ONLY_FIELDS: ReadonlySet<string> = new Set([
  "desiredState",
  "reportStatus",
  "reportUsage",
  "reportBackup",
  "acknowledgePurge",
  "heartbeat",
]);
/** Root fields an agent's token may use: its own, and the harmless `me` and `__typename`. */
export const AGENT_FIELDS: ReadonlySet<string> = new Set([...AGENT_ONLY_FIELDS, "me", "__typename"]);
/** Root fields callers without a credential may use. */
export const PUBLIC_FIELDS: ReadonlySet<string> = new Set(["signIn", "signInOptions", "__typename"]);

export interface ProjectResource {
  slug: string;
  /** The actor's role in the Project; null when not a member. */
  membership: MemberRole | null;
}

interface Resources {
  /** Every GraphQL operation, before any resolver runs: its type and root fields. */
  "operation.run": { operation: "query" | "mutation" | "subscription"; fields: readonly string[] };
  "project.create": undefined;
  /** See it and everything in it, subscriptions included. */
  "project.read": ProjectResource;
  /** Stages, Builds, Releases, Configurations. */
  "project.write": ProjectResource;
  /** Members, and deleting the Project. */
  "project.manage": ProjectResource;
  /** Register, rotate, delete and grant Outposts; see every Outpost and its full facts. */
  "outpost.manage": undefined;
  /** Place a Stage on an Outpost: granted to the Project (admins grant it by placing one). */
  "outpost.place": { outpost: string; granted: boolean };
  /**
   * Know that an Outpost exists, its name, description, region and status: admins, and members
   * of a Project it is granted to (`granted`). To anyone else it does not exist, as for a
   * missing one, so Outpost slugs cannot be probed through validateOutpostUri.
   */
  "outpost.read": { outpost: string; granted: boolean };
  /**
   * An Outpost's other facts — labels, agent version, public URL, heartbeats, Stage count (across
   * Projects), history, granted Projects: admins only (read-only admin keys too). They describe
   * the host and other Projects' use of it, nothing a member placing a Stage needs.
   */
  "outpost.inspect": undefined;
  /** Users: create, update others, disable, list. */
  "user.manage": undefined;
  /** Update a user: oneself (name, password) or, for admins, anyone. */
  "user.update": { userId: string; changesAdmin: boolean };
  /**
   * Access keys of a user: one's own, or anyone's for admins. To anyone else a key (`key`: the
   * id asked for) gets the answer for a missing one, so key ids cannot be probed.
   */
  "accessKey.manage": { ownerId: string | null; write: boolean; key?: string };
  "audit.read": undefined;
  /** The agent API, for this Outpost. */
  "agent.act": undefined;
  /**
   * Read an artifact or build from it: admins, members of a Project it was uploaded for, or an
   * agent whose desired state includes it. Anyone else gets the answer for a missing artifact.
   */
  "artifact.read": { sha256: string; memberOfOwner: boolean; agentRunsIt: boolean };
  /** Open a WebSocket with a one-time ticket (browsers). */
  "ticket.create": undefined;
  /**
   * See (`write: false`) or create, test and delete a webhook: of a Project (`project`), its
   * owners and admins; a global one (`project` null), admins. Non-members get NOT_FOUND.
   */
  "webhook.manage": { project: ProjectResource | null; write: boolean };
  /** Change a Stage type's policy (updateStagePolicy): admins only. Everyone signed in reads them. */
  "stagePolicy.manage": undefined;
  /**
   * Make a Release on a Stage of `type` (deploy, promote, roll back), for one who may write in
   * its Project: as its policy's `deployers` say. The refusal names the policy.
   */
  "stage.deploy": { type: StageType; deployers: StageDeployers; membership: MemberRole | null };
}

export type Action = keyof Resources;

export function can<A extends Action>(actor: Actor, action: A, resource: Resources[A]): boolean {
  return refusal(actor, action, resource) === undefined;
}

/** Throws what the client should see when `actor` may not. */
export function authorize<A extends Action>(actor: Actor, action: A, resource: Resources[A]): void {
  const refused = refusal(actor, action, resource);
  if (refused) throw refused;
}

/** The refusal, or undefined when allowed. */
export function refusal<A extends Action>(actor: Actor, action: A, resource: Resources[A]): AppError | undefined {
  const isAdmin = actor.role === "ADMIN";
  const isUser = actor.role === "ADMIN" || actor.role === "MEMBER";
  switch (action) {
    case "operation.run":
      return operationRefusal(actor, resource as Resources["operation.run"]);
    case "project.create":
      if (!isUser) return forbidden("Only users create Projects");
      return writable(actor);
    case "project.read":
    case "project.write":
    case "project.manage": {
      const { slug, membership } = resource as ProjectResource;
      if (!isUser) return notFound(`Project "${slug}"`);
      if (!isAdmin && !membership) return notFound(`Project "${slug}"`);
      if (action === "project.read") return undefined;
      if (actor.readOnly) return readOnlyRefusal();
      if (action === "project.manage" && !isAdmin && membership !== "OWNER") {
        return forbidden(`Only the owners of Project "${slug}" (or an admin) can manage its members or delete it`);
      }
      return undefined;
    }
    case "outpost.manage":
      if (!isAdmin) return forbidden("Only admins manage Outposts");
      return writable(actor);
    case "outpost.place": {
      const { outpost, granted } = resource as Resources["outpost.place"];
      if (isAdmin || granted) return undefined;
      return new AppError(ErrorCode.FORBIDDEN, `Outpost "${outpost}" is not granted to this Project: an admin grants it (grantOutpost)`, {
        field: "outpostUri",
      });
    }
    case "outpost.read": {
      const { outpost, granted } = resource as Resources["outpost.read"];
      if (isAdmin || (isUser && granted)) return undefined;
      return notFound(`Outpost "${outpost}"`);
    }
    case "outpost.inspect":
      return isAdmin ? undefined : forbidden("Only admins see an Outpost's labels, agent, heartbeats, Stages and history");
    case "user.manage":
      if (!isAdmin) return forbidden("Only admins manage users");
      return writable(actor);
    case "user.update": {
      const { userId, changesAdmin } = resource as Resources["user.update"];
      if (!isUser) return forbidden("Only users have a profile");
      if (!isAdmin && (userId !== actor.userId || changesAdmin)) return forbidden("Only admins change other users, or who is an admin");
      return writable(actor);
    }
    case "accessKey.manage": {
      const { ownerId, write, key } = resource as Resources["accessKey.manage"];
      if (!isUser) return forbidden("Only users have access keys");
      if (!isAdmin && ownerId !== actor.userId) return notFound(key ? `Access key "${key}"` : "Access key");
      return write ? writable(actor) : undefined;
    }
    case "audit.read":
      return isAdmin ? undefined : forbidden("Only admins read the audit log");
    case "agent.act":
      return actor.role === "AGENT" && actor.outpost ? undefined : forbidden("Only an Outpost's agent token can do this");
    case "artifact.read": {
      const { sha256, memberOfOwner, agentRunsIt } = resource as Resources["artifact.read"];
      if (isAdmin || (isUser && memberOfOwner) || (actor.role === "AGENT" && agentRunsIt)) return undefined;
      return notFound(`Artifact ${sha256}`);
    }
    case "ticket.create":
      return isUser ? undefined : forbidden("Agents authenticate their sockets with their token");
    case "webhook.manage": {
      const { project, write } = resource as Resources["webhook.manage"];
      if (!project) {
        if (!isAdmin) return forbidden("Only admins see and manage global webhooks (those without a Project)");
        return write ? writable(actor) : undefined;
      }
      const seen = refusal(actor, "project.read", project);
      if (seen) return seen;
      if (!isAdmin && project.membership !== "OWNER") {
        return forbidden(`Only the owners of Project "${project.slug}" (or an admin) see and manage its webhooks`);
      }
      return write ? writable(actor) : undefined;
    }
    case "stagePolicy.manage":
      if (!isAdmin) return forbidden("Only admins change Stage policies");
      return writable(actor);
    case "stage.deploy": {
      const { type, deployers, membership } = resource as Resources["stage.deploy"];
      if (isAdmin || deployers === "OWNERS_AND_MEMBERS" || membership === "OWNER") return undefined;
      return new AppError(ErrorCode.FORBIDDEN, `policy of ${type} Stages: only owners deploy`, { policy: type, rule: "deployers" });
    }
  }
  return forbidden("Not allowed");
}

function writable(actor: Actor): AppError | undefined {
  return actor.readOnly ? readOnlyRefusal() : undefined;
}

function readOnlyRefusal(): AppError {
  return forbidden("This access key is read-only");
}

function operationRefusal(actor: Actor, { operation, fields }: Resources["operation.run"]): AppError | undefined {
  if (actor.role === "ANONYMOUS") {
    const refused = fields.find((f) => !PUBLIC_FIELDS.has(f));
    return refused ? unauthenticated("Send an access key or a session token: Authorization: Bearer <token>") : undefined;
  }
  if (actor.role === "AGENT") {
    const refused = fields.find((f) => !AGENT_FIELDS.has(f));
    return refused ? forbidden(`An agent token can only read its desired state and report; not "${refused}"`) : undefined;
  }
  const agentOnly = fields.find((f) => AGENT_ONLY_FIELDS.has(f));
  if (agentOnly) return forbidden(`"${agentOnly}" is for Outpost agents (agent tokens) only`);
  if (operation === "mutation" && actor.readOnly) return readOnlyRefusal();
  return undefined;
}

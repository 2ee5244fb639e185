import { OUTPOST_HISTORY_KINDS, OUTPOST_PROBLEM_CODES } from "@pergola/schema";
import { OutpostLinkStatus } from "./outpost-link-status.js";

export { OutpostLinkStatus };
import { Field, ID, Int, ObjectType, UseMiddleware, type MiddlewareFn } from "type-graphql";
import { can } from "../auth/policy.js";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";
import type { Context } from "../context.js";
import { EventFields } from "../events/event.type.js";
import { Stage } from "../stages/stage.type.js";
import { LABELS_AS_STRINGS } from "./label.type.js";
import { Node } from "../node/node.type.js";
import { Connection } from "../graphql/connection.type.js";

export const OutpostHistoryKind = graphqlEnum(OUTPOST_HISTORY_KINDS, {
  name: "OutpostHistoryKind",
  description: "What an entry of an Outpost's connection history records.",
  valuesConfig: {
    CREATED: { description: "The Outpost was registered." },
    TOKEN_ROTATED: { description: "Its agent token was rotated: the old one stopped working." },
    TOKEN_REJECTED: { description: "An agent presented a revoked token of this Outpost." },
    CONNECTED: { description: "An agent connected: a new session." },
    ONLINE: { description: "Heartbeats arrive from the agent: ONLINE." },
    DISCONNECTED: { description: "The agent's socket closed: OFFLINE." },
    HEARTBEAT_MISSED: { description: "No heartbeat within offlineAfterSeconds: OFFLINE." },
    SUPERSEDED: { description: "A newer connection of the agent replaced an open session, whose reports are refused from then on." },
    APPLY_ERROR: { description: "The agent reported a Component it could not apply." },
  },
});
export type OutpostHistoryKind = keyof typeof OutpostHistoryKind;

export const OutpostProblemCode = graphqlEnum(OUTPOST_PROBLEM_CODES, {
  name: "OutpostProblemCode",
  description: "What validateOutpostUri found wrong with a URI.",
  valuesConfig: {
    MALFORMED: { description: "Not an outpost://<slug> URI." },
    UNKNOWN_OUTPOST: { description: "No such Outpost, or none granted to any of the caller's Projects." },
    NEVER_CONNECTED: { description: "A warning: its agent has never connected, so Releases will wait for it." },
  },
});
export type OutpostProblemCode = keyof typeof OutpostProblemCode;

@ObjectType({ description: "One entry of an Outpost's connection history." })
export class OutpostHistoryEntry {
  @Field(() => OutpostHistoryKind, { description: "What happened." })
  event: OutpostHistoryKind;

  @Field(() => String, {
    description:
      "What happened, in lower case with dashes: connected, disconnected, heartbeat-missed, token-rejected, superseded, apply-error, created, token-rotated, online.",
    deprecationReason: "Use `event`, the same as an OutpostHistoryKind (HEARTBEAT_MISSED for heartbeat-missed).",
  })
  kind: string;

  @Field(() => String, { description: "What happened, in a sentence." })
  message: string;

  @Field(() => DateTime, { description: "When it happened." })
  at: Date;
}

/**
 * The facts of an Outpost only admins see (policy "outpost.inspect"): null for anyone else, on
 * every path that reaches an Outpost (validateOutpostUri, a Stage's Outpost link).
 */
const adminFact: MiddlewareFn<Context> = ({ context }, next) =>
  can(context.actor, "outpost.inspect", undefined) ? next() : Promise.resolve(null);

const ADMINS_ONLY = "Admins only (null for others).";

@ObjectType({
  implements: Node,
  description:
    "A remote environment whose agent runs Stages: a cluster, an edge device, a factory host. Members of a Project it is granted to see its name, description, region and status; the other facts are for admins.",
})
export class Outpost {
  @Field(() => ID, { description: "Its unique ID." })
  id: string;

  @Field(() => String, { description: "Its ID in outpost://<slug>: unique, a DNS label, fixed for life." })
  slug: string;

  @Field(() => String, { description: "outpost://<slug>: what createStage's outpostUri takes." })
  uri: string;

  @Field(() => String, { description: "Its display name." })
  name: string;

  @Field(() => String, { nullable: true, description: "Free text from whoever registered it; null when none." })
  description: string | null;

  @Field(() => String, { nullable: true, description: "Where it is, e.g. eu-central; null when not given." })
  region: string | null;

  @Field(() => [String], { nullable: true, description: `key=value. ${ADMINS_ONLY}`, deprecationReason: LABELS_AS_STRINGS })
  @UseMiddleware(adminFact)
  labels: string[];

  @Field(() => OutpostLinkStatus, { description: "How its agent is connected." })
  status: OutpostLinkStatus;

  @Field(() => DateTime, { description: "Since when the status is what it is." })
  statusSince: Date;

  @Field(() => String, { nullable: true, description: `What the agent said it is, when it connected. ${ADMINS_ONLY}` })
  @UseMiddleware(adminFact)
  agentVersion: string | null;

  @Field(() => String, { nullable: true, description: `Where the agent serves its Stages' links (--public-url). ${ADMINS_ONLY}` })
  @UseMiddleware(adminFact)
  publicUrl: string | null;

  @Field(() => DateTime, { nullable: true, description: `The last heartbeat, by the database's clock. ${ADMINS_ONLY}` })
  @UseMiddleware(adminFact)
  lastSeenAt: Date | null;

  @Field(() => Int, { nullable: true, description: `Round trip of a heartbeat, as the agent measured it, in ms. ${ADMINS_ONLY}` })
  @UseMiddleware(adminFact)
  latencyMs: number | null;

  @Field(() => Int, { nullable: true, description: ADMINS_ONLY })
  @UseMiddleware(adminFact)
  heartbeatIntervalSeconds: number;

  @Field(() => Int, { nullable: true, description: `OFFLINE after this long without a heartbeat. ${ADMINS_ONLY}` })
  @UseMiddleware(adminFact)
  offlineAfterSeconds: number;

  @Field(() => Int, { nullable: true, description: `How many Stages live on it, of every Project. ${ADMINS_ONLY}` })
  @UseMiddleware(adminFact)
  stageCount: number;

  @Field(() => DateTime, { description: "When it was registered." })
  createdAt: Date;
}

@ObjectType({ description: "An Outpost and its agent token, shown only here, once." })
export class OutpostCredentials {
  @Field(() => Outpost, { description: "The new Outpost." })
  outpost: Outpost;

  @Field(() => String, { description: "Shown once; stored only as a hash." })
  agentToken: string;

  @Field(() => String, { description: "The command to run on the Outpost's host." })
  agentCommand: string;
}

@ObjectType({ description: "Something wrong (or worth knowing) about an Outpost URI." })
export class OutpostProblem {
  @Field(() => OutpostProblemCode, {
    description: "MALFORMED, UNKNOWN_OUTPOST (also: not granted to any of the caller's Projects) or NEVER_CONNECTED.",
  })
  code: OutpostProblemCode;

  @Field(() => String, { description: "What is wrong, in a sentence." })
  message: string;

  @Field(() => Boolean, { description: "A warning leaves the URI valid." })
  warning: boolean;
}

@ObjectType({ description: "What validateOutpostUri found." })
export class OutpostValidation {
  @Field(() => Boolean, { description: "True when a Stage may be placed there: no problem but warnings." })
  valid: boolean;

  @Field(() => String, { description: "The URI as checked (trimmed)." })
  uri: string;

  @Field(() => Outpost, { nullable: true, description: "The Outpost it names; null when there is none the caller may use." })
  outpost: Outpost | null;

  @Field(() => [OutpostProblem], { description: "What is wrong or worth knowing; empty when all is well." })
  problems: OutpostProblem[];
}

@ObjectType({ description: "Something the agent reported it could not apply." })
export class OutpostApplyError {
  @Field(() => String, { description: "The Component's name." })
  component: string;

  @Field(() => String, { description: "Why the agent could not apply it." })
  message: string;

  @Field(() => DateTime, { description: "When the agent reported it." })
  at: Date;
}

@ObjectType({ implements: Node, description: "How a Stage on an Outpost is connected to it." })
export class OutpostLink {
  @Field(() => OutpostLinkStatus, { description: "How the Stage's agent is connected, as far as this Stage is concerned." })
  status: OutpostLinkStatus;

  @Field(() => DateTime, { description: "Since when the status is what it is." })
  since: Date;

  @Field(() => DateTime, { nullable: true, description: "The agent's last heartbeat; null if it never sent one." })
  lastHeartbeatAt: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: "Round trip of the last heartbeat in milliseconds, as the agent measured it; null before the second one.",
  })
  latencyMs: number | null;

  @Field(() => String, { nullable: true, description: `What the agent said it is, when it connected. ${ADMINS_ONLY}` })
  @UseMiddleware(adminFact)
  agentVersion: string | null;

  @Field(() => Int, { description: "The Stage's desired-state generation." })
  generation: number;

  @Field(() => Int, { nullable: true, description: "The generation the agent last reported applying." })
  observedGeneration: number | null;

  @Field(() => Boolean, { description: "The agent has applied the newest generation." })
  inSync: boolean;

  @Field(() => [OutpostApplyError], { description: "What the agent last reported it could not apply; empty when all applied." })
  errors: OutpostApplyError[];

  @Field(() => Outpost, { description: "The Outpost the Stage lives on." })
  outpost: Outpost;
}

@ObjectType({ description: "A Stage's Outpost link changed." })
export class OutpostLinkEvent extends EventFields {
  @Field(() => OutpostLink, { description: "The link as it was at this event." })
  link: OutpostLink;

  @Field(() => Stage, { description: "Its Stage as it was at this event." })
  stage: Stage;
}

@ObjectType({ description: "What a heartbeat is answered with." })
export class HeartbeatResult {
  @Field(() => Boolean, { description: "False when the session is no longer the Outpost's (`reason` says why)." })
  accepted: boolean;

  @Field(() => String, { nullable: true, description: "Why not (a superseded session)." })
  reason: string | null;

  @Field(() => Int, { description: "When to send the next one." })
  intervalSeconds: number;

  @Field(() => String, { description: "The slug of the Outpost this agent's token acts for (its /healthz says it)." })
  outpost: string;
}

@ObjectType("OutpostConnection", { description: "A page of the Outposts (admins only), by slug (as `outposts`)." })
export class OutpostConnection extends Connection(Outpost, "Outpost", "Outposts") {}

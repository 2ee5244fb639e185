/**
 * A Stage's OutpostLink, derived from its Outpost and what the agent last reported of it (the
 * rules are domain/outpost-link.machine.ts'): the same function serves queries and the snapshots
 * stored in OUTPOST_LINK_CHANGED events.
 */
import type { StageRow } from "@pergola/db/schema";
import type { OutpostLinkStatus } from "@pergola/schema";
import type { Actor } from "../auth/actor.js";
import { can } from "../auth/policy.js";
import { isInSync, linkStatus, type ApplyError } from "../domain/outpost-link.machine.js";
import type { OutpostView } from "./outpost-views.js";

export interface ApplyErrorView {
  component: string;
  message: string;
  at: Date;
}

export interface LinkView {
  /** The Stage's id: a Stage has one link. */
  stageId: string;
  status: OutpostLinkStatus;
  since: Date;
  lastHeartbeatAt: Date | null;
  latencyMs: number | null;
  agentVersion: string | null;
  generation: number;
  observedGeneration: number | null;
  inSync: boolean;
  errors: ApplyErrorView[];
  outpost: OutpostView;
}

type StoredApplyError = ApplyError;

export function getLink(stage: Pick<StageRow, "id" | "generation" | "observedGeneration" | "applyErrors">, outpost: OutpostView): LinkView {
  const errors = ((stage.applyErrors ?? []) as StoredApplyError[]).map((e) => ({ ...e, at: new Date(e.at) }));
  const status = linkStatus(outpost.status, errors.length);
  return {
    stageId: stage.id,
    status,
    since: outpost.statusSince,
    lastHeartbeatAt: outpost.lastSeenAt,
    latencyMs: outpost.latencyMs,
    agentVersion: outpost.agentVersion,
    generation: stage.generation,
    observedGeneration: stage.observedGeneration ?? null,
    inSync: isInSync(stage),
    errors,
    outpost,
  };
}

/** JSON-safe, for event payloads. */
export function toLinkSnapshot(link: LinkView) {
  return JSON.parse(JSON.stringify(link)) as Record<string, unknown>;
}

/** The Outpost facts a member of a Project on it sees (the Outpost type's fields without `adminFact`). */
const MEMBER_OUTPOST_FACTS = ["id", "slug", "uri", "name", "description", "region", "status", "statusSince", "createdAt"] as const;

/**
 * A stored link snapshot as `actor` may see it in a raw event payload (`ProjectEvent.payload`):
 * without "outpost.inspect", the Outpost's admin facts (labels, agent version, public URL,
 * heartbeat settings, Stage count of every Project) are left out, as the typed fields leave them.
 */
export function linkSnapshotFor(actor: Actor, snapshot: Record<string, any>): Record<string, unknown> {
  if (can(actor, "outpost.inspect", undefined)) return snapshot;
  const outpost = Object.fromEntries(MEMBER_OUTPOST_FACTS.map((fact) => [fact, snapshot.outpost?.[fact] ?? null]));
  return { ...snapshot, agentVersion: null, outpost };
}

/** Back from an event payload: the dates are Dates again. */
export function fromLinkSnapshot(snapshot: any): LinkView {
  const date = (v: string | null) => (v ? new Date(v) : null);
  return {
    ...snapshot,
    since: new Date(snapshot.since),
    lastHeartbeatAt: date(snapshot.lastHeartbeatAt),
    errors: (snapshot.errors ?? []).map((e: StoredApplyError) => ({ ...e, at: new Date(e.at) })),
    outpost: {
      ...snapshot.outpost,
      statusSince: new Date(snapshot.outpost.statusSince),
      lastSeenAt: date(snapshot.outpost.lastSeenAt),
      createdAt: new Date(snapshot.outpost.createdAt),
      updatedAt: new Date(snapshot.outpost.updatedAt),
    },
  };
}

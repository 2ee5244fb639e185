/**
 * A Stage's OutpostLink, derived from its Outpost and what the agent last reported of it: the
 * same function serves queries and the snapshots stored in OUTPOST_LINK_CHANGED events.
 */
import type { StageRow } from "@pergola/db/schema";
import type { OutpostView } from "./outpost.service.js";

export interface ApplyErrorView {
  component: string;
  message: string;
  at: Date;
}

export interface LinkView {
  status: "PENDING" | "CONNECTING" | "ONLINE" | "OFFLINE" | "ERROR";
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

type StoredApplyError = { component: string; message: string; at: string };

export function getLink(stage: Pick<StageRow, "generation" | "observedGeneration" | "applyErrors">, outpost: OutpostView): LinkView {
  const errors = ((stage.applyErrors ?? []) as StoredApplyError[]).map((e) => ({ ...e, at: new Date(e.at) }));
  // The agent is there but says it cannot apply: that is the link's news, not "ONLINE".
  const status = outpost.status === "ONLINE" && errors.length > 0 ? "ERROR" : outpost.status;
  return {
    status,
    since: outpost.statusSince,
    lastHeartbeatAt: outpost.lastSeenAt,
    latencyMs: outpost.latencyMs,
    agentVersion: outpost.agentVersion,
    generation: stage.generation,
    observedGeneration: stage.observedGeneration ?? null,
    inSync: stage.observedGeneration != null && stage.observedGeneration >= stage.generation,
    errors,
    outpost,
  };
}

/** JSON-safe, for event payloads. */
export function toLinkSnapshot(link: LinkView) {
  return JSON.parse(JSON.stringify(link)) as Record<string, unknown>;
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

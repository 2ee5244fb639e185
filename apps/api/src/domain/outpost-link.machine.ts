/**
 * A Stage's link to the agent that runs it: who may report for the Stage, and what the agent
 * last observed (the generation it applied, the Components it could not apply). The link's
 * status is the Outpost's, except that an ONLINE agent that cannot apply is in ERROR.
 */
import type { OutpostLinkStatus } from "@pergola/schema";
import { EventKind } from "../events/event-kind.js";
import { ErrorCode } from "../errors.js";
import type { ObservedComponent } from "./component.machine.js";
import { refuse, type Refusal } from "./outcome.js";

/** A Component the agent could not apply, since `at` (kept while the message stays the same). */
export interface ApplyError {
  component: string;
  message: string;
  at: string;
}

export interface LinkFacts {
  /** null: the Stage runs on the built-in local Outpost (its agent has no socket session). */
  outpostId: string | null;
  /** The Outpost's current agent session epoch (null on the local Outpost). */
  outpostSession: number | null;
  generation: number;
  observedGeneration: number | null;
  applyErrors: readonly ApplyError[];
}

/** The agent that sends a report: the local one, or an Outpost's over its socket session. */
export type LinkAgent = { local: true } | { local: false; session?: { outpostId: string; epoch: number } };

export interface LinkReport {
  kind: "report";
  agent: LinkAgent;
  observedGeneration: number;
  /** What the agent runs for the Stage's active Release; none when nothing is to run. */
  components: readonly Pick<ObservedComponent, "name" | "state" | "message">[];
  /**
   * The Stage's newest Release, when it FAILED (this report may be the one that fails it): an
   * error of the link until a newer Release is made, though the one before goes on serving.
   */
  failedRelease?: { number: number; message: string | null } | null;
  now: Date;
}

export type LinkEvent =
  | { kind: typeof EventKind.OUTPOST_LINK_CHANGED }
  /** Not an event of the log: a line of the Outpost's history ("apply-error"). */
  | { kind: "APPLY_ERROR"; component: string; message: string };

export interface LinkObserved {
  observedGeneration: number;
  applyErrors: ApplyError[];
}

/** `changed`: what the agent observed differs from what is kept, and is to be written. */
export type LinkOutcome = { next: LinkObserved; changed: boolean; events: LinkEvent[] } | { refused: Refusal };

const REPORT_REFUSED = ErrorCode.STATE_CONFLICT;

/** Why this agent may not report for this Stage, if it may not. */
export function admitAgent(link: Pick<LinkFacts, "outpostId" | "outpostSession">, agent: LinkAgent): Refusal | null {
  const refusal = (message: string) => refuse(message, REPORT_REFUSED).refused;
  if (agent.local) return link.outpostId ? refusal("that Stage is not on this agent's Outpost") : null;
  if (!agent.session) return refusal("an Outpost's agent reports over its socket");
  if (link.outpostId !== agent.session.outpostId) return refusal("that Stage is not on this agent's Outpost");
  if (link.outpostSession !== agent.session.epoch) return refusal("superseded: another agent connected with this Outpost's token");
  return null;
}

export function stepLink(link: LinkFacts, report: LinkReport): LinkOutcome {
  const refused = admitAgent(link, report.agent);
  if (refused) return { refused };
  if (report.observedGeneration < link.generation) {
    return refuse(`generation ${report.observedGeneration} is older than the Stage's ${link.generation}`, REPORT_REFUSED);
  }
  const before = link.applyErrors;
  const at = report.now.toISOString();
  const known = (component: string, message: string | null | undefined) =>
    before.find((b) => b.component === component && b.message === message);
  const failures = report.components
    .filter((c) => c.state === "FAILED")
    .map((c) => ({ component: c.name, message: c.message ?? "failed" }));
  if (report.failedRelease) {
    const { number, message } = report.failedRelease;
    failures.push({ component: `${RELEASE_ERROR}${number}`, message: `failed${message ? `: ${message}` : ""}` });
  }
  const applyErrors = failures.map((f) => ({ ...f, at: known(f.component, f.message)?.at ?? at }));
  const sameErrors =
    applyErrors.length === before.length &&
    applyErrors.every((e, i) => e.component === before[i]!.component && e.message === before[i]!.message);
  const next = { observedGeneration: report.observedGeneration, applyErrors };
  if (sameErrors && link.observedGeneration === report.observedGeneration) return { next, changed: false, events: [] };
  const events: LinkEvent[] = [];
  if (link.outpostId) {
    events.push({ kind: EventKind.OUTPOST_LINK_CHANGED });
    for (const e of applyErrors)
      if (!known(e.component, e.message)) events.push({ kind: "APPLY_ERROR", component: e.component, message: e.message });
  }
  return { next, changed: true, events };
}

/** The component of a link error that says a Release failed: `release #<number>`. */
const RELEASE_ERROR = "release #";

/** Whether the link's errors say a Release failed (then each report asks again whether the Stage's newest Release still is that failure). */
export function hasReleaseFailure(applyErrors: readonly Pick<ApplyError, "component">[]): boolean {
  return applyErrors.some((e) => e.component.startsWith(RELEASE_ERROR));
}

/** The link's status: the Outpost's, or ERROR when its agent is there but cannot apply. */
export function linkStatus(outpostStatus: OutpostLinkStatus, applyErrors: number): OutpostLinkStatus {
  return outpostStatus === "ONLINE" && applyErrors > 0 ? "ERROR" : outpostStatus;
}

/** In sync: the agent has applied the Stage's current generation. */
export function isInSync(stage: { generation: number; observedGeneration: number | null }): boolean {
  return stage.observedGeneration != null && stage.observedGeneration >= stage.generation;
}

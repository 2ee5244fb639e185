/**
 * People's commands to one Component of a Stage's Release: restart, stop and start a service, run
 * a job or cron job now. They change the Release's desired state, never a process: the agent
 * acts on the next generation (ADR 0002) and its reports move the Component.
 *
 *   stop     a level: `stopped` is set; the agent stops the service and keeps it STOPPED,
 *            across agent restarts, until `start` or a new Release (which has no requests).
 *   start    clears `stopped`; the agent starts the service again.
 *   restart  an edge: `restarts` counts requests; the agent restarts the service when the
 *            count grows (a new process), not when it starts up and reads it.
 *   run      an edge: `runs` counts requests; the agent runs the job when the count grows.
 *
 * Refused: on a Stage that is not RUNNING (suspended, or on its way to or from it), with no
 * active Release, while a Release is on its way (its Components are not settled), for a
 * Component the Release does not have, for the wrong kind, and for a command that would
 * change nothing (stop a stopped service, start a running one, run a job whose run is under way).
 */
import type { ComponentCommand, ComponentKind, StageState } from "@pergola/schema";
import type { ComponentControl } from "@pergola/db/schema";
import { ErrorCode } from "../errors.js";
import { EventKind } from "../events/event-kind.js";
import { refuse, type Outcome } from "./outcome.js";

export interface ControlFacts {
  stage: { slug: string; state: StageState };
  /** The Stage's current Release (the one on its way, else the DEPLOYED one); null: none. */
  release: { number: number; state: string } | null;
  /** The Component as the Release's manifest declares it; null when it declares none of that name. */
  declared: { name: string; kind: ComponentKind } | null;
  /** Its state as its agent last reported it; null before the first report. */
  reportedState: string | null;
  /** What was asked of it before in this Release. */
  control: ComponentControl;
}

export interface ControlEvent {
  kind: typeof EventKind.COMPONENT_CONTROLLED;
  command: ComponentCommand;
}

export type ControlOutcome = Outcome<ComponentControl, ControlEvent>;

const MUTATION: Record<ComponentCommand, string> = {
  RESTART: "restartComponent",
  STOP: "stopComponent",
  START: "startComponent",
  RUN: "runJob",
};

/** A job's run is under way in these states: another cannot start beside it. */
const RUN_UNDER_WAY: ReadonlySet<string> = new Set(["PENDING", "STARTING", "RUNNING", "STOPPING"]);

export function controlComponent(facts: ControlFacts, command: ComponentCommand, component: string): ControlOutcome {
  const { stage, release, declared, control } = facts;
  if (stage.state !== "RUNNING") {
    return refuse(`Stage "${stage.slug}" is ${stage.state}; Components can be controlled only on a RUNNING Stage`);
  }
  if (!release) return refuse(`Stage "${stage.slug}" has no active Release; deploy one first`);
  if (!declared) return refuse(`Component "${component}" in Stage "${stage.slug}" not found`, ErrorCode.NOT_FOUND);
  const forServices = command !== "RUN";
  if (forServices !== (declared.kind === "SERVICE")) {
    const instead = forServices ? "runJob runs it now" : "restartComponent, stopComponent and startComponent control it";
    return refuse(
      `"${declared.name}" is a ${declared.kind}; ${MUTATION[command]} is for ${forServices ? "services" : "jobs and cron jobs"} (${instead})`,
      ErrorCode.BAD_USER_INPUT,
      { field: "component" },
    );
  }
  if (release.state !== "DEPLOYED") {
    return refuse(
      `Release #${release.number} of Stage "${stage.slug}" is ${release.state}; its Components can be controlled once it is DEPLOYED`,
    );
  }
  if (facts.reportedState === null) return refuse(`Component "${declared.name}" has not been reported by its agent yet`);
  const what = `Component "${declared.name}"`;
  switch (command) {
    case "STOP":
      if (control.stopped) return refuse(`${what} is stopped already; startComponent starts it`);
      return done({ ...control, stopped: true }, command);
    case "START":
      if (!control.stopped) return refuse(`${what} is ${facts.reportedState}, not stopped; restartComponent restarts it`);
      return done({ ...control, stopped: false }, command);
    case "RESTART":
      if (control.stopped) return refuse(`${what} is stopped; startComponent starts it`);
      return done({ ...control, restarts: (control.restarts ?? 0) + 1 }, command);
    case "RUN":
      if (RUN_UNDER_WAY.has(facts.reportedState)) return refuse(`${what} is ${facts.reportedState}; wait until its run has ended`);
      return done({ ...control, runs: (control.runs ?? 0) + 1 }, command);
  }
}

function done(next: ComponentControl, command: ComponentCommand): ControlOutcome {
  return { next, events: [{ kind: EventKind.COMPONENT_CONTROLLED, command }] };
}

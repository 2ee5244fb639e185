/**
 * The Stage state machine: RUNNING → SUSPENDING → SUSPENDED → RESUMING → RUNNING.
 *
 * Commands (suspend, resume) take the first step at once and tell the agent with a new
 * generation. The second step waits for the agent's report that the Components stopped (or
 * run again), unless no Release is active on the Stage: then there is nothing to wait for and
 * both steps are taken together, one event each.
 */
import type { StageState } from "@pergola/schema";
import { EventKind } from "../events/event-kind.js";
import { isActiveComponent, type ObservedComponent } from "./component.machine.js";
import { refuse, type Outcome } from "./outcome.js";

export interface StageFacts {
  slug: string;
  state: StageState;
}

export type StageInput =
  /** `activeRelease`: a Release is PENDING, DEPLOYING or DEPLOYED on the Stage. */
  | { kind: "suspend"; activeRelease: boolean }
  | { kind: "resume"; activeRelease: boolean }
  /**
   * The agent's accepted report for the Stage's active Release. `stopped`: the services people
   * stopped (stopComponent), which stay STOPPED when the Stage resumes.
   */
  | { kind: "report"; components: readonly Pick<ObservedComponent, "name" | "kind" | "state">[]; stopped?: readonly string[] };

/** One STAGE_STATE_CHANGED event per step; `newGeneration` when the agent must act on it. */
export interface StageStep {
  kind: typeof EventKind.STAGE_STATE_CHANGED;
  state: StageState;
  newGeneration: boolean;
}

export type StageOutcome = Outcome<StageState, StageStep>;

const COMMANDS = {
  suspend: { from: "RUNNING", first: "SUSPENDING", settled: "SUSPENDED", verb: "suspended" },
  resume: { from: "SUSPENDED", first: "RESUMING", settled: "RUNNING", verb: "resumed" },
} as const satisfies Record<string, { from: StageState; first: StageState; settled: StageState; verb: string }>;

export function stepStage(stage: StageFacts, input: StageInput): StageOutcome {
  if (input.kind === "report") return settleStage(stage.state, input.components, new Set(input.stopped));
  const { from, first, settled, verb } = COMMANDS[input.kind];
  if (stage.state !== from) return refuse(`Stage "${stage.slug}" is ${stage.state}; only a ${from} Stage can be ${verb}`);
  const steps = [step(first, true)];
  if (!input.activeRelease) steps.push(step(settled, false));
  return { next: steps.at(-1)!.state, events: steps };
}

/** SUSPENDING settles once nothing is active; RESUMING once every service runs (or is STOPPED, as people asked). Other states stay. */
function settleStage(
  state: StageState,
  reported: readonly Pick<ObservedComponent, "name" | "kind" | "state">[],
  stopped: ReadonlySet<string>,
): StageOutcome {
  if (state === "SUSPENDING" && !reported.some((c) => isActiveComponent(c.state))) {
    return { next: "SUSPENDED", events: [step("SUSPENDED", false)] };
  }
  const settled = (c: Pick<ObservedComponent, "name" | "state">) => c.state === "RUNNING" || (c.state === "STOPPED" && stopped.has(c.name));
  if (state === "RESUMING" && reported.filter((c) => c.kind === "SERVICE").every(settled)) {
    return { next: "RUNNING", events: [step("RUNNING", false)] };
  }
  return { next: state, events: [] };
}

function step(state: StageState, newGeneration: boolean): StageStep {
  return { kind: EventKind.STAGE_STATE_CHANGED, state, newGeneration };
}

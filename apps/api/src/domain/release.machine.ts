/**
 * The Release state machine. A Release is made PENDING; the agent's reports move it
 * PENDING → DEPLOYING → DEPLOYED, or to FAILED when a Component failed. FAILED and SUPERSEDED
 * are final.
 *
 * A new Release does not take the Stage from the one serving it: the DEPLOYED Release keeps
 * serving while the new one starts beside it (the agent's rollout), and is SUPERSEDED only
 * when the new one is DEPLOYED. If the new one FAILS, the DEPLOYED one simply goes on. A
 * Release still on its way (PENDING, DEPLOYING) is SUPERSEDED as soon as another is made.
 */
import { ACTIVE_RELEASE_STATES, isOneOf, type ReleaseState, type StageState } from "@pergola/schema";
import { EventKind } from "../events/event-kind.js";
import type { ObservedComponent } from "./component.machine.js";
import { ErrorCode } from "../errors.js";
import { refuse, type Outcome, type Refusal } from "./outcome.js";

export function isActiveRelease(state: string): boolean {
  return isOneOf(ACTIVE_RELEASE_STATES, state);
}

export interface ReleaseFacts {
  state: ReleaseState;
  message: string | null;
}

export type ReleaseInput =
  /** Another Release was made (this one is on its way), or was DEPLOYED (this one served). */
  | { kind: "supersede" }
  /** The agent's report for this Release, with the state of its Stage when it came. */
  | { kind: "report"; stage: StageState; components: readonly Pick<ObservedComponent, "name" | "kind" | "state" | "health" | "message">[] };

/** One RELEASE_STATE_CHANGED event; `newStageGeneration` when the agent must stop what is left. */
export interface ReleaseChange {
  kind: typeof EventKind.RELEASE_STATE_CHANGED;
  state: ReleaseState;
  message: string | null;
  newStageGeneration: boolean;
}

export type ReleaseOutcome = Outcome<ReleaseFacts, ReleaseChange>;

/** A new Release: PENDING, and why it waits. */
export function createRelease(stage: StageState): ReleaseFacts {
  return { state: "PENDING", message: stage === "RUNNING" ? "waiting for the agent" : "the Stage is suspended; it starts on resume" };
}

export function stepRelease(release: ReleaseFacts, input: ReleaseInput): ReleaseOutcome {
  if (input.kind === "supersede") {
    if (!isActiveRelease(release.state)) return refuse(`a ${release.state} Release cannot be superseded`);
    // A deployed Release keeps what it said; one that never got there says why it ends.
    const message = release.state === "DEPLOYED" ? release.message : "replaced before it was deployed";
    return change({ state: "SUPERSEDED", message }, false);
  }
  if (!isActiveRelease(release.state)) return refuse("that Release is not the Stage's active Release");
  // A suspending or suspended Stage stops its Components: their state says nothing of the Release.
  if (input.stage !== "RUNNING" && input.stage !== "RESUMING") return unchanged(release);
  const failed = input.components.find((c) => c.state === "FAILED");
  const services = input.components.filter((c) => c.kind === "SERVICE");
  // Deployed means serving: every service running and its probe (if any) green, not merely started.
  const serving = services.every((c) => c.state === "RUNNING" && c.health === "HEALTHY");
  const next: ReleaseState = failed ? "FAILED" : serving ? "DEPLOYED" : "DEPLOYING";
  if (next === release.state || (release.state === "DEPLOYED" && next === "DEPLOYING")) return unchanged(release);
  // A failed Release is no longer the Stage's: a new generation tells the agent to stop what is left of it.
  return change({ state: next, message: failed ? `${failed.name}: ${failed.message ?? "failed"}` : null }, next === "FAILED");
}

function change(next: ReleaseFacts, newStageGeneration: boolean): ReleaseOutcome {
  return { next, events: [{ kind: EventKind.RELEASE_STATE_CHANGED, ...next, newStageGeneration }] };
}

function unchanged(release: ReleaseFacts): ReleaseOutcome {
  return { next: release, events: [] };
}

/** A Release a new one can take its Build or Configuration from. */
export interface ReleaseSource {
  buildId: string;
  configName: string | null;
}

/**
 * The commands that make a Release. `current` is the target Stage's newest active Release (the
 * one on its way, else the one serving); promote takes the Build `live` on another Stage.
 * Rollback undoes the Stage's `latest` Release (whatever its state: a failed deploy is undone
 * too) with the Build of `previous`, the newest Release before it that did not fail.
 */
export type ReleaseCommand =
  | { kind: "deploy"; stage: string; build: string | null; config: string | null; current: ReleaseSource | null }
  | { kind: "promote"; from: string; live: ReleaseSource | null; current: ReleaseSource | null }
  | {
      kind: "rollback";
      stage: string;
      latest: ReleaseSource | null;
      current: ReleaseSource | null;
      previous: ReleaseSource | null;
    };

/** The new Release's Build (by name when the caller gave one, else by id) and Configuration. */
export interface ReleasePlan {
  build: { name: string } | { id: string };
  configName: string;
}

/**
 * What a command's new Release runs, or why there is none. The one of Build and Configuration a
 * deploy leaves out is the current Release's; a promoted Build keeps the target's Configuration
 * (as Heroku pipelines do); a rollback keeps the current Configuration. The new Release is
 * PENDING (createRelease); one still on its way moves to SUPERSEDED (stepRelease "supersede").
 */
export function planRelease(command: ReleaseCommand): { plan: ReleasePlan } | { refused: Refusal } {
  switch (command.kind) {
    case "deploy": {
      const { build, config, current } = command;
      if (!build && !current) {
        return refuse(`build: Stage "${command.stage}" has no Release yet: give a Build`, ErrorCode.BAD_USER_INPUT, { field: "build" });
      }
      return {
        plan: { build: build ? { name: build } : { id: current!.buildId }, configName: config ?? current?.configName ?? "default" },
      };
    }
    case "promote":
      if (!command.live) return refuse(`Stage "${command.from}" has no Release to promote`);
      return { plan: { build: { id: command.live.buildId }, configName: command.current?.configName ?? "default" } };
    case "rollback":
      if (!command.latest) return refuse(`Stage "${command.stage}" has no Release to roll back`);
      if (!command.previous) return refuse(`Stage "${command.stage}" has no earlier Release that did not fail to roll back to`);
      return {
        plan: {
          build: { id: command.previous.buildId },
          configName: (command.current ?? command.latest).configName ?? "default",
        },
      };
  }
}

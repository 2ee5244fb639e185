/**
 * Every (Release state, input) pair of the Release machine: the next state, message and event,
 * or the refusal. The last test fails when a state or an input is added without its rows.
 */
import { RELEASE_STATES, type ReleaseState } from "@pergola/schema";
import { describe, expect, it } from "vitest";
import { createRelease, planRelease, stepRelease, type ReleaseCommand, type ReleaseInput } from "./release.machine.js";

const web = (state: string, health = "HEALTHY") => ({ name: "web", kind: "SERVICE", state, health, message: null });
const migrate = { name: "migrate", kind: "JOB", state: "FAILED", health: "UNKNOWN", message: "exit 1" };

const INPUTS = {
  supersede: { kind: "supersede" },
  "report, Stage RUNNING: serving": { kind: "report", stage: "RUNNING", components: [web("RUNNING")] },
  "report, Stage RUNNING: started, not healthy yet": { kind: "report", stage: "RUNNING", components: [web("RUNNING", "UNKNOWN")] },
  "report, Stage RUNNING: a Component failed": { kind: "report", stage: "RUNNING", components: [web("RUNNING"), migrate] },
  "report, Stage RESUMING: serving": { kind: "report", stage: "RESUMING", components: [web("RUNNING")] },
  "report, Stage SUSPENDING: a Component failed": { kind: "report", stage: "SUSPENDING", components: [migrate] },
  "report, Stage SUSPENDED: serving": { kind: "report", stage: "SUSPENDED", components: [web("RUNNING")] },
} satisfies Record<string, ReleaseInput>;

type InputName = keyof typeof INPUTS;
/** The Release before: its state, with the message "was". */
type Expected = { state: ReleaseState; message: string | null; event: boolean; newStageGeneration?: boolean } | { refused: string };
type Row = [ReleaseState, InputName, Expected];

const same = (state: ReleaseState): Expected => ({ state, message: "was", event: false });
const moved = (state: ReleaseState, message: string | null = null): Expected => ({
  state,
  message,
  event: true,
  newStageGeneration: state === "FAILED",
});
const failed = moved("FAILED", "migrate: exit 1");
const notActive = { refused: "that Release is not the Stage's active Release" };
const final = (s: ReleaseState) => ({ refused: `a ${s} Release cannot be superseded` });
const replaced = moved("SUPERSEDED", "replaced before it was deployed");

const TABLE: Row[] = [
  ["PENDING", "supersede", replaced],
  ["PENDING", "report, Stage RUNNING: serving", moved("DEPLOYED")],
  ["PENDING", "report, Stage RUNNING: started, not healthy yet", moved("DEPLOYING")],
  ["PENDING", "report, Stage RUNNING: a Component failed", failed],
  ["PENDING", "report, Stage RESUMING: serving", moved("DEPLOYED")],
  ["PENDING", "report, Stage SUSPENDING: a Component failed", same("PENDING")],
  ["PENDING", "report, Stage SUSPENDED: serving", same("PENDING")],

  ["DEPLOYING", "supersede", replaced],
  ["DEPLOYING", "report, Stage RUNNING: serving", moved("DEPLOYED")],
  ["DEPLOYING", "report, Stage RUNNING: started, not healthy yet", same("DEPLOYING")],
  ["DEPLOYING", "report, Stage RUNNING: a Component failed", failed],
  ["DEPLOYING", "report, Stage RESUMING: serving", moved("DEPLOYED")],
  ["DEPLOYING", "report, Stage SUSPENDING: a Component failed", same("DEPLOYING")],
  ["DEPLOYING", "report, Stage SUSPENDED: serving", same("DEPLOYING")],

  // Once deployed, a Release does not go back to DEPLOYING (a restart is the Component's news).
  ["DEPLOYED", "supersede", { state: "SUPERSEDED", message: "was", event: true, newStageGeneration: false }],
  ["DEPLOYED", "report, Stage RUNNING: serving", same("DEPLOYED")],
  ["DEPLOYED", "report, Stage RUNNING: started, not healthy yet", same("DEPLOYED")],
  ["DEPLOYED", "report, Stage RUNNING: a Component failed", failed],
  ["DEPLOYED", "report, Stage RESUMING: serving", same("DEPLOYED")],
  ["DEPLOYED", "report, Stage SUSPENDING: a Component failed", same("DEPLOYED")],
  ["DEPLOYED", "report, Stage SUSPENDED: serving", same("DEPLOYED")],

  ["FAILED", "supersede", final("FAILED")],
  ["FAILED", "report, Stage RUNNING: serving", notActive],
  ["FAILED", "report, Stage RUNNING: started, not healthy yet", notActive],
  ["FAILED", "report, Stage RUNNING: a Component failed", notActive],
  ["FAILED", "report, Stage RESUMING: serving", notActive],
  ["FAILED", "report, Stage SUSPENDING: a Component failed", notActive],
  ["FAILED", "report, Stage SUSPENDED: serving", notActive],

  ["SUPERSEDED", "supersede", final("SUPERSEDED")],
  ["SUPERSEDED", "report, Stage RUNNING: serving", notActive],
  ["SUPERSEDED", "report, Stage RUNNING: started, not healthy yet", notActive],
  ["SUPERSEDED", "report, Stage RUNNING: a Component failed", notActive],
  ["SUPERSEDED", "report, Stage RESUMING: serving", notActive],
  ["SUPERSEDED", "report, Stage SUSPENDING: a Component failed", notActive],
  ["SUPERSEDED", "report, Stage SUSPENDED: serving", notActive],
];

describe("Release machine", () => {
  it.each(TABLE)("%s + %s", (state, input, expected) => {
    const outcome = stepRelease({ state, message: "was" }, INPUTS[input]);
    if ("refused" in expected) {
      expect(outcome).toEqual({ refused: { code: "STATE_CONFLICT", message: expected.refused } });
      return;
    }
    if ("refused" in outcome) throw new Error(`refused: ${outcome.refused.message}`);
    expect(outcome.next).toEqual({ state: expected.state, message: expected.message });
    expect(outcome.events).toEqual(
      expected.event
        ? [
            {
              kind: "RELEASE_STATE_CHANGED",
              state: expected.state,
              message: expected.message,
              newStageGeneration: expected.newStageGeneration,
            },
          ]
        : [],
    );
  });

  it("the table has one row for every state × input", () => {
    const rows = TABLE.map(([state, input]) => `${state} / ${input}`);
    const all = RELEASE_STATES.flatMap((s) => Object.keys(INPUTS).map((i) => `${s} / ${i}`));
    expect(new Set(rows).size).toBe(rows.length);
    expect([...rows].sort()).toEqual([...all].sort());
  });

  it("a new Release is PENDING, and says why it waits", () => {
    expect(createRelease("RUNNING")).toEqual({ state: "PENDING", message: "waiting for the agent" });
    for (const stage of ["SUSPENDING", "SUSPENDED", "RESUMING"] as const) {
      expect(createRelease(stage)).toEqual({ state: "PENDING", message: "the Stage is suspended; it starts on resume" });
    }
  });

  /** The commands that make a Release, with and without the Releases they take from. */
  const cur = { buildId: "b-current", configName: "prod" };
  const old = { buildId: "b-previous", configName: "old" };
  const live = { buildId: "b-live", configName: "qa" };
  const failed = { buildId: "b-failed", configName: "next" };
  const COMMANDS: [string, ReleaseCommand, object][] = [
    [
      "deploy a Build, a Release current",
      { kind: "deploy", stage: "web", build: "v2", config: null, current: cur },
      { build: { name: "v2" }, configName: "prod" },
    ],
    [
      "deploy a Build, none current",
      { kind: "deploy", stage: "web", build: "v2", config: null, current: null },
      { build: { name: "v2" }, configName: "default" },
    ],
    [
      "deploy a Configuration, a Release current",
      { kind: "deploy", stage: "web", build: null, config: "blue", current: cur },
      { build: { id: "b-current" }, configName: "blue" },
    ],
    [
      "deploy a Configuration, none current",
      { kind: "deploy", stage: "web", build: null, config: "blue", current: null },
      { refused: { code: "BAD_USER_INPUT", message: `build: Stage "web" has no Release yet: give a Build`, details: { field: "build" } } },
    ],
    [
      "promote a live Release, a Release current",
      { kind: "promote", from: "qa", live, current: cur },
      { build: { id: "b-live" }, configName: "prod" },
    ],
    [
      "promote a live Release, none current",
      { kind: "promote", from: "qa", live, current: null },
      { build: { id: "b-live" }, configName: "default" },
    ],
    [
      "promote, nothing live",
      { kind: "promote", from: "qa", live: null, current: null },
      { refused: { code: "STATE_CONFLICT", message: `Stage "qa" has no Release to promote` } },
    ],
    [
      "rollback, a Release before the current",
      { kind: "rollback", stage: "web", latest: cur, current: cur, previous: old },
      { build: { id: "b-previous" }, configName: "prod" },
    ],
    [
      "rollback of a failed deploy: the Build before it, the Configuration of the one still serving",
      { kind: "rollback", stage: "web", latest: failed, current: cur, previous: cur },
      { build: { id: "b-current" }, configName: "prod" },
    ],
    [
      "rollback of a failed deploy with nothing serving: its own Configuration",
      { kind: "rollback", stage: "web", latest: failed, current: null, previous: old },
      { build: { id: "b-previous" }, configName: "next" },
    ],
    [
      "rollback, none before the latest",
      { kind: "rollback", stage: "web", latest: cur, current: cur, previous: null },
      { refused: { code: "STATE_CONFLICT", message: `Stage "web" has no earlier Release that did not fail to roll back to` } },
    ],
    [
      "rollback, no Release at all",
      { kind: "rollback", stage: "web", latest: null, current: null, previous: null },
      { refused: { code: "STATE_CONFLICT", message: `Stage "web" has no Release to roll back` } },
    ],
  ];

  it.each(COMMANDS)("%s", (_what, command, expected) => {
    expect(planRelease(command)).toEqual("refused" in expected ? expected : { plan: expected });
  });

  it("the command table covers every command with and without the Releases it takes from", () => {
    const seen = new Set(
      COMMANDS.map(
        ([, c]) =>
          `${c.kind}:${"build" in c ? Boolean(c.build) : ""}:${"live" in c ? Boolean(c.live) : ""}:${Boolean(c.current)}:${"previous" in c ? Boolean(c.previous) : ""}:${"latest" in c ? Boolean(c.latest) : ""}`,
      ),
    );
    expect(seen).toEqual(
      new Set([
        "deploy:true::true::",
        "deploy:true::false::",
        "deploy:false::true::",
        "deploy:false::false::",
        "promote::true:true::",
        "promote::true:false::",
        "promote::false:false::",
        "rollback:::true:true:true",
        "rollback:::false:true:true",
        "rollback:::true:false:true",
        "rollback:::false:false:false",
      ]),
    );
  });
});

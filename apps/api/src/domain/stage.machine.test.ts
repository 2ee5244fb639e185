/**
 * Every (Stage state, input) pair of the Stage machine: the next state and the steps taken, or
 * the refusal. The last test fails when a state or an input is added without its rows.
 */
import { STAGE_STATES, type StageState } from "@pergola/schema";
import { describe, expect, it } from "vitest";
import { stepStage, type StageInput } from "./stage.machine.js";

const service = (state: string, name = "web") => ({ name, kind: "SERVICE", state });
const job = (state: string) => ({ name: "migrate", kind: "JOB", state });

const INPUTS = {
  "suspend, a Release active": { kind: "suspend", activeRelease: true },
  "suspend, no Release active": { kind: "suspend", activeRelease: false },
  "resume, a Release active": { kind: "resume", activeRelease: true },
  "resume, no Release active": { kind: "resume", activeRelease: false },
  "report: everything stopped": { kind: "report", components: [service("STOPPED"), job("COMPLETED")] },
  "report: services run, a job runs": { kind: "report", components: [service("RUNNING"), job("RUNNING")] },
  "report: a service starting": { kind: "report", components: [service("STARTING"), service("RUNNING")] },
  "report: no Components": { kind: "report", components: [] },
  "report: one service runs, one stopped by stopComponent": {
    kind: "report",
    components: [service("RUNNING"), service("STOPPED", "worker")],
    stopped: ["worker"],
  },
} satisfies Record<string, StageInput>;

type InputName = keyof typeof INPUTS;
/** [state, input, next state, steps as "STATE" or "STATE+gen"] or [state, input, refusal]. */
type Row = [StageState, InputName, StageState, string[]] | [StageState, InputName, { refused: string }];

const notSuspendable = (s: StageState) => ({ refused: `Stage "web" is ${s}; only a RUNNING Stage can be suspended` });
const notResumable = (s: StageState) => ({ refused: `Stage "web" is ${s}; only a SUSPENDED Stage can be resumed` });

const TABLE: Row[] = [
  ["RUNNING", "suspend, a Release active", "SUSPENDING", ["SUSPENDING+gen"]],
  ["RUNNING", "suspend, no Release active", "SUSPENDED", ["SUSPENDING+gen", "SUSPENDED"]],
  ["RUNNING", "resume, a Release active", notResumable("RUNNING")],
  ["RUNNING", "resume, no Release active", notResumable("RUNNING")],
  ["RUNNING", "report: everything stopped", "RUNNING", []],
  ["RUNNING", "report: services run, a job runs", "RUNNING", []],
  ["RUNNING", "report: a service starting", "RUNNING", []],
  ["RUNNING", "report: no Components", "RUNNING", []],
  ["RUNNING", "report: one service runs, one stopped by stopComponent", "RUNNING", []],

  ["SUSPENDING", "suspend, a Release active", notSuspendable("SUSPENDING")],
  ["SUSPENDING", "suspend, no Release active", notSuspendable("SUSPENDING")],
  ["SUSPENDING", "resume, a Release active", notResumable("SUSPENDING")],
  ["SUSPENDING", "resume, no Release active", notResumable("SUSPENDING")],
  ["SUSPENDING", "report: everything stopped", "SUSPENDED", ["SUSPENDED"]],
  ["SUSPENDING", "report: services run, a job runs", "SUSPENDING", []],
  ["SUSPENDING", "report: a service starting", "SUSPENDING", []],
  ["SUSPENDING", "report: no Components", "SUSPENDED", ["SUSPENDED"]],
  ["SUSPENDING", "report: one service runs, one stopped by stopComponent", "SUSPENDING", []],

  ["SUSPENDED", "suspend, a Release active", notSuspendable("SUSPENDED")],
  ["SUSPENDED", "suspend, no Release active", notSuspendable("SUSPENDED")],
  ["SUSPENDED", "resume, a Release active", "RESUMING", ["RESUMING+gen"]],
  ["SUSPENDED", "resume, no Release active", "RUNNING", ["RESUMING+gen", "RUNNING"]],
  ["SUSPENDED", "report: everything stopped", "SUSPENDED", []],
  ["SUSPENDED", "report: services run, a job runs", "SUSPENDED", []],
  ["SUSPENDED", "report: a service starting", "SUSPENDED", []],
  ["SUSPENDED", "report: no Components", "SUSPENDED", []],
  ["SUSPENDED", "report: one service runs, one stopped by stopComponent", "SUSPENDED", []],

  ["RESUMING", "suspend, a Release active", notSuspendable("RESUMING")],
  ["RESUMING", "suspend, no Release active", notSuspendable("RESUMING")],
  ["RESUMING", "resume, a Release active", notResumable("RESUMING")],
  ["RESUMING", "resume, no Release active", notResumable("RESUMING")],
  ["RESUMING", "report: everything stopped", "RESUMING", []],
  ["RESUMING", "report: services run, a job runs", "RUNNING", ["RUNNING"]],
  ["RESUMING", "report: a service starting", "RESUMING", []],
  ["RESUMING", "report: no Components", "RUNNING", ["RUNNING"]],
  ["RESUMING", "report: one service runs, one stopped by stopComponent", "RUNNING", ["RUNNING"]],
];

describe("Stage machine", () => {
  it.each(TABLE)("%s + %s", (state, input, ...expected) => {
    const outcome = stepStage({ slug: "web", state }, INPUTS[input]);
    if (expected.length === 1) {
      expect(outcome).toEqual({ refused: { code: "STATE_CONFLICT", message: expected[0].refused } });
      return;
    }
    const [next, steps] = expected;
    if ("refused" in outcome) throw new Error(`refused: ${outcome.refused.message}`);
    expect(outcome.next).toBe(next);
    expect(outcome.events.map((e) => `${e.state}${e.newGeneration ? "+gen" : ""}`)).toEqual(steps);
    expect(outcome.events.every((e) => e.kind === "STAGE_STATE_CHANGED")).toBe(true);
  });

  it("the table has one row for every state × input", () => {
    const rows = TABLE.map(([state, input]) => `${state} / ${input}`);
    const all = STAGE_STATES.flatMap((s) => Object.keys(INPUTS).map((i) => `${s} / ${i}`));
    expect(new Set(rows).size).toBe(rows.length);
    expect([...rows].sort()).toEqual([...all].sort());
  });
});

import { STAGE_STATES } from "@pergola/schema";
import { describe, expect, it } from "vitest";
import { controlComponent, type ControlFacts } from "./component-control.machine.js";

const facts = (over: Partial<ControlFacts> = {}): ControlFacts => ({
  stage: { slug: "prod", state: "RUNNING" },
  release: { number: 3, state: "DEPLOYED" },
  declared: { name: "web", kind: "SERVICE" },
  reportedState: "RUNNING",
  control: {},
  ...over,
});
const job = (state: string, kind: "JOB" | "CRON" = "JOB") => facts({ declared: { name: "migrate", kind }, reportedState: state });

describe("controlComponent", () => {
  it("stop is a level, restart and run count requests", () => {
    expect(controlComponent(facts(), "STOP", "web")).toEqual({
      next: { stopped: true },
      events: [{ kind: "COMPONENT_CONTROLLED", command: "STOP" }],
    });
    expect(controlComponent(facts({ control: { stopped: true, restarts: 2 } }), "START", "web")).toMatchObject({
      next: { stopped: false, restarts: 2 },
    });
    expect(controlComponent(facts({ control: { restarts: 2 } }), "RESTART", "web")).toMatchObject({ next: { restarts: 3 } });
    expect(controlComponent(job("COMPLETED"), "RUN", "migrate")).toMatchObject({ next: { runs: 1 } });
    expect(controlComponent(job("SCHEDULED", "CRON"), "RUN", "migrate")).toMatchObject({ next: { runs: 1 } });
    expect(controlComponent(job("FAILED"), "RUN", "migrate")).toMatchObject({ next: { runs: 1 } });
  });

  it("refuses every command on a Stage that is not RUNNING, naming its state", () => {
    for (const state of STAGE_STATES.filter((s) => s !== "RUNNING")) {
      for (const command of ["STOP", "START", "RESTART", "RUN"] as const) {
        expect(controlComponent(facts({ stage: { slug: "prod", state } }), command, "web")).toEqual({
          refused: { code: "STATE_CONFLICT", message: `Stage "prod" is ${state}; Components can be controlled only on a RUNNING Stage` },
        });
      }
    }
  });

  it("refuses without an active Release, and while one is on its way", () => {
    expect(controlComponent(facts({ release: null }), "STOP", "web")).toMatchObject({ refused: { code: "STATE_CONFLICT" } });
    expect(controlComponent(facts({ release: { number: 4, state: "DEPLOYING" } }), "STOP", "web")).toEqual({
      refused: {
        code: "STATE_CONFLICT",
        message: 'Release #4 of Stage "prod" is DEPLOYING; its Components can be controlled once it is DEPLOYED',
      },
    });
    expect(controlComponent(facts({ reportedState: null }), "RESTART", "web")).toMatchObject({ refused: { code: "STATE_CONFLICT" } });
  });

  it("an unknown Component is NOT_FOUND, the wrong kind BAD_USER_INPUT on `component`", () => {
    expect(controlComponent(facts({ declared: null }), "STOP", "nope")).toEqual({
      refused: { code: "NOT_FOUND", message: 'Component "nope" in Stage "prod" not found' },
    });
    for (const command of ["STOP", "START", "RESTART"] as const) {
      expect(controlComponent(job("COMPLETED"), command, "migrate")).toMatchObject({
        refused: { code: "BAD_USER_INPUT", details: { field: "component" } },
      });
    }
    expect(controlComponent(facts(), "RUN", "web")).toEqual({
      refused: {
        code: "BAD_USER_INPUT",
        message: '"web" is a SERVICE; runJob is for jobs and cron jobs (restartComponent, stopComponent and startComponent control it)',
        details: { field: "component" },
      },
    });
  });

  it("refuses a command that would change nothing", () => {
    const stopped = facts({ control: { stopped: true }, reportedState: "STOPPED" });
    expect(controlComponent(stopped, "STOP", "web")).toMatchObject({ refused: { code: "STATE_CONFLICT" } });
    expect(controlComponent(stopped, "RESTART", "web")).toEqual({
      refused: { code: "STATE_CONFLICT", message: 'Component "web" is stopped; startComponent starts it' },
    });
    expect(controlComponent(facts(), "START", "web")).toEqual({
      refused: { code: "STATE_CONFLICT", message: 'Component "web" is RUNNING, not stopped; restartComponent restarts it' },
    });
    for (const state of ["RUNNING", "STARTING", "PENDING"]) {
      expect(controlComponent(job(state), "RUN", "migrate")).toEqual({
        refused: { code: "STATE_CONFLICT", message: `Component "migrate" is ${state}; wait until its run has ended` },
      });
    }
  });
});

/**
 * The Component machine: for every state a Component can be in before a report (or none yet)
 * and every state a report can bring, whether the report is news (a COMPONENT_CHANGED event);
 * then the other facts of a report, and every refusal. Coverage checks close each table.
 */
import { COMPONENT_STATES } from "@pergola/schema";
import { describe, expect, it } from "vitest";
import { checkComponent, componentAsSeen, stepComponent, type ComponentFacts, type ObservedComponent } from "./component.machine.js";

const MAX_LINES = 5;
const facts = (over: Partial<ComponentFacts> = {}): ComponentFacts => ({
  kind: "SERVICE",
  state: "RUNNING",
  health: "HEALTHY",
  lastKnownHealth: "HEALTHY",
  observedAt: new Date("2026-01-01T00:00:00Z"),
  restarts: 0,
  host: "10.0.0.1",
  message: null,
  logs: ["a", "b"],
  logsTotal: 2,
  ...over,
});
const report = (over: Partial<ObservedComponent> = {}): ObservedComponent => ({
  name: "web",
  kind: "SERVICE",
  state: "RUNNING",
  health: "HEALTHY",
  observedAt: new Date("2026-01-01T00:01:00Z"),
  restarts: 0,
  host: "10.0.0.1",
  message: null,
  ...over,
});

/**
 * Rows: the state before ("—": no such Component yet); columns: the reported state, in the order
 * of COMPONENT_STATES. "C": COMPONENT_CHANGED; "·": no event.
 */
const COLUMNS = ["PENDING", "STARTING", "RUNNING", "SCHEDULED", "COMPLETED", "STOPPING", "STOPPED", "SUSPENDED", "FAILED", "CRASHLOOP"];
const STATE_TABLE: Record<string, string> = {
  "—": "C C C C C C C C C C",
  PENDING: "· C C C C C C C C C",
  STARTING: "C · C C C C C C C C",
  RUNNING: "C C · C C C C C C C",
  SCHEDULED: "C C C · C C C C C C",
  COMPLETED: "C C C C · C C C C C",
  STOPPING: "C C C C C · C C C C",
  STOPPED: "C C C C C C · C C C",
  SUSPENDED: "C C C C C C C · C C",
  FAILED: "C C C C C C C C · C",
  CRASHLOOP: "C C C C C C C C C ·",
};

describe("Component machine", () => {
  const pairs = Object.entries(STATE_TABLE).flatMap(([before, row]) =>
    row.split(" ").map((cell, i) => [before, COLUMNS[i]!, cell] as const),
  );

  it.each(pairs)("%s + report %s → %s", (before, state, cell) => {
    const outcome = stepComponent(before === "—" ? null : facts({ state: before }), report({ state }), MAX_LINES);
    if ("refused" in outcome) throw new Error(outcome.refused.message);
    expect(outcome.next.state).toBe(state);
    expect(outcome.events).toEqual(cell === "C" ? [{ kind: "COMPONENT_CHANGED" }] : []);
  });

  it("the state table has a row for no Component and every state, a column for every state", () => {
    expect(COLUMNS).toEqual([...COMPONENT_STATES]);
    expect(Object.keys(STATE_TABLE).sort()).toEqual(["—", ...COMPONENT_STATES].sort());
    expect(pairs).toHaveLength((COMPONENT_STATES.length + 1) * COMPONENT_STATES.length);
  });

  /** The same state, other facts: [what, before, report, expected facts, events]. */
  const FACTS: [string, Partial<ComponentFacts>, Partial<ObservedComponent>, Partial<ComponentFacts>, string[]][] = [
    ["nothing new but the time", {}, {}, { observedAt: new Date("2026-01-01T00:01:00Z") }, []],
    ["health changes", {}, { health: "UNHEALTHY" }, { health: "UNHEALTHY", lastKnownHealth: "UNHEALTHY" }, ["COMPONENT_CHANGED"]],
    [
      "health turns UNKNOWN: the last verdict stays",
      {},
      { health: "UNKNOWN" },
      { health: "UNKNOWN", lastKnownHealth: "HEALTHY" },
      ["COMPONENT_CHANGED"],
    ],
    ["restarts", {}, { restarts: 2 }, { restarts: 2 }, ["COMPONENT_CHANGED"]],
    ["message", {}, { message: "probe slow" }, { message: "probe slow" }, ["COMPONENT_CHANGED"]],
    ["host", {}, { host: "10.0.0.2" }, { host: "10.0.0.2" }, ["COMPONENT_CHANGED"]],
    ["kind alone is no news", {}, { kind: "JOB" }, { kind: "JOB" }, []],
    ["output alone is no news", {}, { logs: ["c"] }, { logs: ["a", "b", "c"], logsTotal: 3 }, ["OUTPUT:1"]],
    ["output keeps the newest lines", {}, { logs: ["c", "d", "e", "f"] }, { logs: ["b", "c", "d", "e", "f"], logsTotal: 6 }, ["OUTPUT:4"]],
    [
      "news and output",
      {},
      { restarts: 1, logs: ["c"] },
      { restarts: 1, logs: ["a", "b", "c"], logsTotal: 3 },
      ["COMPONENT_CHANGED", "OUTPUT:1"],
    ],
  ];

  it.each(FACTS)("%s", (_what, before, reported, expected, events) => {
    const outcome = stepComponent(facts(before), report(reported), MAX_LINES);
    if ("refused" in outcome) throw new Error(outcome.refused.message);
    expect(outcome.next).toEqual({ ...facts(before), observedAt: new Date("2026-01-01T00:01:00Z"), ...expected });
    expect(outcome.events.map((e) => (e.kind === "OUTPUT" ? `OUTPUT:${e.lines}` : e.kind))).toEqual(events);
  });

  it("a new Component starts its output and its last verdict from nothing", () => {
    const outcome = stepComponent(null, report({ health: "UNKNOWN", logs: ["x"] }), MAX_LINES);
    if ("refused" in outcome) throw new Error(outcome.refused.message);
    expect(outcome.next).toMatchObject({ lastKnownHealth: null, logs: ["x"], logsTotal: 1 });
    expect(outcome.events).toEqual([{ kind: "COMPONENT_CHANGED" }, { kind: "OUTPUT", lines: 1 }]);
  });

  /** Every refusal: [field, report, message]. */
  const REFUSALS: [string, Partial<ObservedComponent>, string][] = [
    ["kind", { kind: "DAEMON" }, `"DAEMON" is not SERVICE, JOB or CRON`],
    ["state", { state: "DONE" }, `"DONE" is not a Component state`],
    ["health", { health: "OK" }, `"OK" is not HEALTHY, UNHEALTHY or UNKNOWN`],
    ["restarts", { restarts: -1 }, "must be a whole number ≥ 0"],
    ["restarts", { restarts: 1.5 }, "must be a whole number ≥ 0"],
    ["message", { message: "x".repeat(4001) }, "at most 4000 characters"],
    ["logs", { logs: ["1", "2", "3", "4", "5", "6"] }, `at most ${MAX_LINES} lines`],
  ];

  it.each(REFUSALS)("refuses a bad %s", (field, reported, message) => {
    const outcome = stepComponent(facts(), report(reported), MAX_LINES, 3);
    expect(outcome).toEqual({
      refused: { code: "BAD_USER_INPUT", message: `components[3].${field}: ${message}`, details: { field: `components[3].${field}` } },
    });
    expect(checkComponent(report(reported), 3, MAX_LINES)).toEqual("refused" in outcome ? outcome.refused : null);
  });

  it("the refusal table names every checked field", () => {
    expect(new Set(REFUSALS.map(([field]) => field))).toEqual(new Set(["kind", "state", "health", "restarts", "message", "logs"]));
    expect(checkComponent(report({ message: "x".repeat(4000), logs: ["1", "2", "3", "4", "5"] }), 0, MAX_LINES)).toBeNull();
  });

  it("nobody sees a Component on an Outpost that is not ONLINE: its health reads UNKNOWN", () => {
    const seen = { health: "HEALTHY", lastKnownHealth: "UNHEALTHY" };
    expect(componentAsSeen(seen, null)).toBe(seen);
    expect(componentAsSeen(seen, "ONLINE")).toBe(seen);
    expect(componentAsSeen(seen, "OFFLINE")).toEqual({ health: "UNKNOWN", lastKnownHealth: "HEALTHY" });
    expect(componentAsSeen({ health: "UNKNOWN", lastKnownHealth: "UNHEALTHY" }, "CONNECTING")).toEqual({
      health: "UNKNOWN",
      lastKnownHealth: "UNHEALTHY",
    });
  });
});

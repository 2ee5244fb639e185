/**
 * Every (link, report) pair of the OutpostLink machine: what is kept of the agent's observation
 * and the events, or the refusal; and the link's status. Coverage checks close each table.
 */
import { OUTPOST_LINK_STATUSES, type OutpostLinkStatus } from "@pergola/schema";
import { describe, expect, it } from "vitest";
import { admitAgent, isInSync, linkStatus, stepLink, type LinkFacts, type LinkReport } from "./outpost-link.machine.js";

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T00:05:00.000Z";
const onOutpost = { outpostId: "o1", outpostSession: 7, generation: 3 };

const LINKS = {
  "local Stage, in sync": { outpostId: null, outpostSession: null, generation: 3, observedGeneration: 3, applyErrors: [] },
  "never reported": { ...onOutpost, observedGeneration: null, applyErrors: [] },
  "in sync": { ...onOutpost, observedGeneration: 3, applyErrors: [] },
  behind: { ...onOutpost, observedGeneration: 2, applyErrors: [] },
  "in sync, web failing": { ...onOutpost, observedGeneration: 3, applyErrors: [{ component: "web", message: "boom", at: T0 }] },
} satisfies Record<string, LinkFacts>;

const its = { local: false, session: { outpostId: "o1", epoch: 7 } } as const;
const web = (state: string, message: string | null = null) => [{ name: "web", state, message }];
const input = (agent: LinkReport["agent"], observedGeneration: number, components = web("RUNNING")): LinkReport => ({
  kind: "report",
  agent,
  observedGeneration,
  components,
  now: new Date(T1),
});

const REPORTS = {
  "local agent, gen 3": input({ local: true }, 3),
  "its agent, gen 3": input(its, 3),
  "its agent, gen 4": input(its, 4),
  "its agent, gen 3, web failed: boom": input(its, 3, web("FAILED", "boom")),
  "its agent, gen 3, web failed: crash": input(its, 3, web("FAILED", "crash")),
  "its agent, gen 2": input(its, 2),
  "an Outpost agent without its socket": input({ local: false }, 3),
  "a superseded session": input({ local: false, session: { outpostId: "o1", epoch: 6 } }, 3),
  "another Outpost's agent": input({ local: false, session: { outpostId: "o2", epoch: 7 } }, 3),
};

type Expected = { kept: number; errors: string[]; changed: boolean; events: string[] } | { refused: string };
type Row = [keyof typeof LINKS, keyof typeof REPORTS, Expected];

const same = (kept: number, errors: string[] = []): Expected => ({ kept, errors, changed: false, events: [] });
const changed = (kept: number, errors: string[] = [], events = ["OUTPOST_LINK_CHANGED"]): Expected => ({
  kept,
  errors,
  changed: true,
  events,
});
const boom = changed(3, [`web: boom @${T1}`], ["OUTPOST_LINK_CHANGED", "APPLY_ERROR web: boom"]);
const crash = changed(3, [`web: crash @${T1}`], ["OUTPOST_LINK_CHANGED", "APPLY_ERROR web: crash"]);
const notHere = { refused: "that Stage is not on this agent's Outpost" };
const noSocket = { refused: "an Outpost's agent reports over its socket" };
const superseded = { refused: "superseded: another agent connected with this Outpost's token" };
const older = { refused: "generation 2 is older than the Stage's 3" };

const TABLE: Row[] = [
  ["local Stage, in sync", "local agent, gen 3", same(3)],
  ["local Stage, in sync", "its agent, gen 3", notHere],
  ["local Stage, in sync", "its agent, gen 4", notHere],
  ["local Stage, in sync", "its agent, gen 3, web failed: boom", notHere],
  ["local Stage, in sync", "its agent, gen 3, web failed: crash", notHere],
  ["local Stage, in sync", "its agent, gen 2", notHere],
  ["local Stage, in sync", "an Outpost agent without its socket", noSocket],
  ["local Stage, in sync", "a superseded session", notHere],
  ["local Stage, in sync", "another Outpost's agent", notHere],

  ["never reported", "local agent, gen 3", notHere],
  ["never reported", "its agent, gen 3", changed(3)],
  ["never reported", "its agent, gen 4", changed(4)],
  ["never reported", "its agent, gen 3, web failed: boom", boom],
  ["never reported", "its agent, gen 3, web failed: crash", crash],
  ["never reported", "its agent, gen 2", older],
  ["never reported", "an Outpost agent without its socket", noSocket],
  ["never reported", "a superseded session", superseded],
  ["never reported", "another Outpost's agent", notHere],

  ["in sync", "local agent, gen 3", notHere],
  ["in sync", "its agent, gen 3", same(3)],
  ["in sync", "its agent, gen 4", changed(4)],
  ["in sync", "its agent, gen 3, web failed: boom", boom],
  ["in sync", "its agent, gen 3, web failed: crash", crash],
  ["in sync", "its agent, gen 2", older],
  ["in sync", "an Outpost agent without its socket", noSocket],
  ["in sync", "a superseded session", superseded],
  ["in sync", "another Outpost's agent", notHere],

  ["behind", "local agent, gen 3", notHere],
  ["behind", "its agent, gen 3", changed(3)],
  ["behind", "its agent, gen 4", changed(4)],
  ["behind", "its agent, gen 3, web failed: boom", boom],
  ["behind", "its agent, gen 3, web failed: crash", crash],
  ["behind", "its agent, gen 2", older],
  ["behind", "an Outpost agent without its socket", noSocket],
  ["behind", "a superseded session", superseded],
  ["behind", "another Outpost's agent", notHere],

  ["in sync, web failing", "local agent, gen 3", notHere],
  ["in sync, web failing", "its agent, gen 3", changed(3, [])],
  ["in sync, web failing", "its agent, gen 4", changed(4, [])],
  // The same error is no news: it keeps the time it was first seen.
  ["in sync, web failing", "its agent, gen 3, web failed: boom", same(3, [`web: boom @${T0}`])],
  ["in sync, web failing", "its agent, gen 3, web failed: crash", crash],
  ["in sync, web failing", "its agent, gen 2", older],
  ["in sync, web failing", "an Outpost agent without its socket", noSocket],
  ["in sync, web failing", "a superseded session", superseded],
  ["in sync, web failing", "another Outpost's agent", notHere],
];

describe("OutpostLink machine", () => {
  it.each(TABLE)("%s + %s", (link, report, expected) => {
    const outcome = stepLink(LINKS[link], REPORTS[report]);
    if ("refused" in expected) {
      expect(outcome).toEqual({ refused: { code: "STATE_CONFLICT", message: expected.refused } });
      if (!expected.refused.startsWith("generation"))
        expect(admitAgent(LINKS[link], REPORTS[report].agent)?.message).toBe(expected.refused);
      return;
    }
    if ("refused" in outcome) throw new Error(`refused: ${outcome.refused.message}`);
    expect(outcome.next.observedGeneration).toBe(expected.kept);
    expect(outcome.next.applyErrors.map((e) => `${e.component}: ${e.message} @${e.at}`)).toEqual(expected.errors);
    expect(outcome.changed).toBe(expected.changed);
    expect(outcome.events.map((e) => (e.kind === "APPLY_ERROR" ? `APPLY_ERROR ${e.component}: ${e.message}` : e.kind))).toEqual(
      expected.events,
    );
  });

  it("the table has one row for every link × report", () => {
    const rows = TABLE.map(([link, report]) => `${link} / ${report}`);
    const all = Object.keys(LINKS).flatMap((l) => Object.keys(REPORTS).map((r) => `${l} / ${r}`));
    expect(new Set(rows).size).toBe(rows.length);
    expect([...rows].sort()).toEqual([...all].sort());
  });

  it("a local Stage's link changes without an event", () => {
    const outcome = stepLink(LINKS["local Stage, in sync"], input({ local: true }, 3, web("FAILED", "boom")));
    expect(outcome).toMatchObject({
      changed: true,
      events: [],
      next: { observedGeneration: 3, applyErrors: [{ component: "web", message: "boom", at: T1 }] },
    });
  });

  /** [Outpost status, apply errors, link status]: every Outpost status, with and without errors. */
  const STATUS: [OutpostLinkStatus, number, string][] = [
    ["PENDING", 0, "PENDING"],
    ["PENDING", 1, "PENDING"],
    ["CONNECTING", 0, "CONNECTING"],
    ["CONNECTING", 1, "CONNECTING"],
    ["ONLINE", 0, "ONLINE"],
    ["ONLINE", 1, "ERROR"],
    ["OFFLINE", 0, "OFFLINE"],
    ["OFFLINE", 1, "OFFLINE"],
    ["ERROR", 0, "ERROR"],
    ["ERROR", 1, "ERROR"],
  ];

  it.each(STATUS)("an Outpost %s with %i apply errors: the link is %s", (outpost, errors, status) => {
    expect(linkStatus(outpost, errors)).toBe(status);
  });

  it("the status table covers every Outpost status", () => {
    expect(new Set(STATUS.map(([s]) => s))).toEqual(new Set(OUTPOST_LINK_STATUSES));
  });

  it("in sync once the agent applied the current generation", () => {
    expect(isInSync({ generation: 3, observedGeneration: null })).toBe(false);
    expect(isInSync({ generation: 3, observedGeneration: 2 })).toBe(false);
    expect(isInSync({ generation: 3, observedGeneration: 3 })).toBe(true);
  });
});

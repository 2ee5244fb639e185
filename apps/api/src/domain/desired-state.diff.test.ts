/** Every case of the desired-state diff: moved, new, unchanged, gone, and another Project's Stage. */
import { describe, expect, it } from "vitest";
import { diffDesiredState, type DesiredStageKey, type SentStages } from "./desired-state.diff.js";

const stage = (stageId: string, generation: number, projectId = "p1"): DesiredStageKey => ({ stageId, projectId, generation });

const SENT: SentStages = new Map([
  ["s1", { projectId: "p1", generation: 3 }],
  ["s2", { projectId: "p1", generation: 5 }],
  ["other", { projectId: "p2", generation: 1 }],
]);

const CASES: { name: string; now: DesiredStageKey[]; changed: string[]; removed: string[] }[] = [
  { name: "nothing moved", now: [stage("s1", 3), stage("s2", 5)], changed: [], removed: [] },
  { name: "a generation moved", now: [stage("s1", 4), stage("s2", 5)], changed: ["s1"], removed: [] },
  { name: "a new Stage", now: [stage("s1", 3), stage("s2", 5), stage("s3", 1)], changed: ["s3"], removed: [] },
  { name: "a Stage gone", now: [stage("s2", 5)], changed: [], removed: ["s1"] },
  { name: "all gone, another Project's Stage kept", now: [], changed: [], removed: ["s1", "s2"] },
  { name: "gone and moved at once", now: [stage("s2", 6)], changed: ["s2"], removed: ["s1"] },
];

describe("diffDesiredState", () => {
  it.each(CASES)("$name", ({ now, changed, removed }) => {
    const diff = diffDesiredState(SENT, "p1", now);
    expect(diff.changed.map((s) => s.stageId)).toEqual(changed);
    expect(diff.removed).toEqual(removed);
  });

  it("sends everything to an agent that was sent nothing", () => {
    expect(diffDesiredState(new Map(), "p1", [stage("s1", 1)])).toEqual({ changed: [stage("s1", 1)], removed: [] });
  });
});

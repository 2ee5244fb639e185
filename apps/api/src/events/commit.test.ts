/** What a commit touched, and its NOTIFY form across replicas (commit.ts). */
import { describe, expect, it } from "vitest";
import { formatCommitNotice, parseCommitNotice, touchedBy } from "./commit.js";

const PROJECT = "6f1c2a9e-0000-4000-8000-000000000001";
const STAGE = "6f1c2a9e-0000-4000-8000-000000000002";
const OUTPOST = "6f1c2a9e-0000-4000-8000-000000000003";

describe("commit notices", () => {
  it("name the Stages of the events and the Outposts of their Stage snapshots, local included", () => {
    const touched = touchedBy([
      { stageId: STAGE, payload: { stage: { id: STAGE, outpostId: OUTPOST } } },
      { stageId: "s2", payload: { stage: { id: "s2", outpostId: null } } },
      { stageId: "s3", payload: { release: { id: "r" } } },
      { stageId: null, payload: { build: { id: "b" } } },
    ]);
    expect(touched).toEqual({ stages: new Set([STAGE, "s2", "s3"]), outposts: new Set([OUTPOST, null]) });
    const notice = formatCommitNotice(PROJECT, 42n, touched);
    expect(notice).toBe(`${PROJECT}:42:${STAGE},s2,s3:${OUTPOST},local`);
    expect(parseCommitNotice(notice)).toEqual({ projectId: PROJECT, seq: 42n, touched });
  });

  it("say nothing of what was touched when too long for NOTIFY, or in the older form: every reader wakes", () => {
    const many = touchedBy(Array.from({ length: 300 }, (_, i) => ({ stageId: `${STAGE.slice(0, -3)}${i}`, payload: {} })));
    expect(formatCommitNotice(PROJECT, 7n, many)).toBe(`${PROJECT}:7`);
    expect(parseCommitNotice(`${PROJECT}:7`)).toEqual({ projectId: PROJECT, seq: 7n });
    expect(parseCommitNotice(`${PROJECT}:7::`)).toEqual({
      projectId: PROJECT,
      seq: 7n,
      touched: { stages: new Set(), outposts: new Set() },
    });
    expect(parseCommitNotice("garbage")).toBeUndefined();
  });
});

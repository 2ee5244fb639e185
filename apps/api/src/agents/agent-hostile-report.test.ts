/**
 * Hostile reports on the agent protocol: whatever an agent (or whoever holds its token) sends,
 * the answer is a typed refusal — `accepted: false` with a reason, or BAD_USER_INPUT naming the
 * field — never an internal error, and the Stage is left as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../auth/token.service.js";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";

const DESIRED = `subscription { desiredState { stages { stageId key generation release { id } } } }`;
const REPORT = `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted reason } }`;
const agentToken = generateToken();

let api: TestApi;
let deployed: { stageId: string; generation: number; releaseId: string };
let otherReleaseId: string;
beforeAll(async () => {
  api = await startTestApi({ localAgentToken: agentToken });
  const artifact = await uploadArtifact(api);
  const project = await createTestProject(api);
  const [b1] = await createBuilds(api, project, artifact, 1);
  for (const stage of ["dev", "qa"]) {
    await api.ok(`mutation($p: String!, $n: String!) { createStage(input: { project: $p, name: $n, type: DEV }) { slug } }`, {
      p: project,
      n: stage,
    });
  }
  const sub = subscribe(api.ws(agentToken), DESIRED, {});
  await sub.next(10_000);
  const ids: Record<string, { stageId: string; generation: number; releaseId: string }> = {};
  for (const stage of ["dev", "qa"]) {
    await api.ok(`mutation($p: String!, $s: String!, $b: String!) { deployRelease(input: { project: $p, stage: $s, build: $b }) { id } }`, {
      p: project,
      s: stage,
      b: b1,
    });
    for (;;) {
      const found = (await sub.next(10_000)).desiredState.stages.find(
        (s: { key: string; release: unknown }) => s.key === `${project}/${stage}` && s.release,
      );
      if (found) {
        ids[stage] = { stageId: found.stageId, generation: found.generation, releaseId: found.release.id };
        break;
      }
    }
  }
  sub.close();
  deployed = ids.dev!;
  otherReleaseId = ids.qa!.releaseId;
});
afterAll(() => api?.close());

const web = (extra: object = {}) => ({ name: "web", kind: "SERVICE", state: "RUNNING", health: "HEALTHY", restarts: 0, ...extra });
const report = (input: object) =>
  api.gql(
    REPORT,
    {
      i: {
        stageId: deployed.stageId,
        releaseId: deployed.releaseId,
        observedGeneration: deployed.generation,
        components: [web()],
        ...input,
      },
    },
    agentToken,
  );

/** A typed answer: a refusal with a reason, or BAD_USER_INPUT naming the field. Never internal. */
function expectTypedRefusal(res: Awaited<ReturnType<typeof report>>, field?: RegExp): void {
  expect(res.status).toBeLessThan(500);
  const error = res.errors?.[0];
  if (error) {
    expect(error.extensions?.code).toBe("BAD_USER_INPUT");
    if (field) expect(String(error.extensions?.field ?? error.message)).toMatch(field);
    return;
  }
  expect(res.data?.reportStatus).toMatchObject({ accepted: false, reason: expect.any(String) });
}

describe("hostile agent reports", () => {
  it.each<[string, object, RegExp?]>([
    ["a Component the manifest does not have", { components: [web({ name: "intruder" })] }],
    ["the same Component twice", { components: [web(), web({ state: "FAILED" })] }],
    ["an older generation", { observedGeneration: 0 }],
    ["a generation past GraphQL's Int", { observedGeneration: 2 ** 31 }, /observedGeneration|Int/],
    ["a negative generation", { observedGeneration: -5 }],
    ["a Stage that does not exist", { stageId: "00000000-0000-4000-8000-000000000000" }],
    ["a Stage ID that is no UUID", { stageId: "'; drop table stages; --" }],
    ["another Stage's Release", { releaseId: null }],
    ["a Release ID that is no UUID", { releaseId: "nope" }],
    [
      "another Stage's Release",
      {
        get releaseId() {
          return otherReleaseId;
        },
      },
    ],
    ["a negative restart count", { components: [web({ restarts: -1 })] }, /restarts/],
    ["an unknown state", { components: [web({ state: "EXPLODED" })] }, /state/],
    ["too many log lines", { components: [web({ logs: Array.from({ length: 50_000 }, (_, i) => `line ${i}`) })] }, /logs/],
    ["a huge message", { components: [web({ message: "m".repeat(1_000_000) })] }, /message/],
    ["a huge log line", { components: [web({ logs: ["l".repeat(1_000_000)] })] }, /logs/],
    ["a NUL in a log line", { components: [web({ logs: ["before\u0000after"] })] }, /logs/],
    ["a NUL in the message", { components: [web({ message: "bad\u0000" })] }, /message/],
    ["a lone surrogate in the host", { components: [web({ host: "127.0.0.1:\ud800" })] }, /host/],
  ])("%s → a typed refusal", async (_name, input, field) => {
    expectTypedRefusal(await report(input), field);
  });

  it("still takes a good report afterwards", async () => {
    const res = await report({});
    expect(res.errors).toBeUndefined();
    expect(res.data?.reportStatus).toEqual({ accepted: true, reason: null });
  });
});

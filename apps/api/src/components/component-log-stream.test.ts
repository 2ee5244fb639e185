/**
 * `componentLogs` refuses a bad request before it starts, in the order the stream checks it: the
 * arguments first (whatever the Project), then the Project and the Stage. Following output live
 * and resuming by cursor is in agents/agent.test.ts, where a test agent ships the lines.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";

const FOLLOW = `subscription($p: String!, $s: String!, $t: Int, $a: String) { componentLogs(project: $p, stage: $s, component: "web", tail: $t, after: $a) { cursor lines } }`;

let api: TestApi;
let project: string;
beforeAll(async () => {
  api = await startTestApi();
  project = await createTestProject(api);
  await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "logs", type: DEV }) { slug } }`, { p: project });
});
afterAll(() => api?.close());

const refusal = (variables: Record<string, unknown>) => subscribe(api.ws(), FOLLOW, { p: project, s: "logs", ...variables }).error();

describe("componentLogs refuses", () => {
  it.each([
    ["a tail above 200", { t: 201 }, "tail"],
    ["a negative tail", { t: -1 }, "tail"],
    ["a cursor of another subscription", { a: "42" }, "after"],
    ["a tail above 200 even for a Project that does not exist", { p: "no-such-project", t: 201 }, "tail"],
  ])("%s with BAD_USER_INPUT naming the argument", async (_name, variables, field) => {
    expect((await refusal(variables)).extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
  });

  it("a Stage that does not exist with NOT_FOUND naming it", async () => {
    const error = await refusal({ s: "nope" });
    expect(error.extensions).toMatchObject({ code: "NOT_FOUND" });
    expect(error.message).toContain(`Stage "nope" in Project "${project}"`);
  });
});

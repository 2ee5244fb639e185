/**
 * 50 concurrent suspend/resume calls on one Stage, on PostgreSQL (real concurrency): every
 * call either makes its transition or is refused with STATE_CONFLICT; the final state agrees
 * with what succeeded; exactly two events per successful call; never a 500.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPostgres } from "../testing/postgres-only.js";
import { createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

describeWithPostgres("50 concurrent suspend/resume calls on one Stage", () => {
  it("stay consistent", async () => {
    const project = await createTestProject(api);
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "hot", type: PROD }) { slug } }`, { p: project });
    const { project: p } = await api.ok(`query($p: String!) { project(slug: $p) { cursor } }`, { p: project });

    const verbs = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? "suspendStage" : "resumeStage"));
    const results = await Promise.all(
      verbs.map((verb) => api.gql(`mutation($p: String!) { ${verb}(project: $p, slug: "hot") { state } }`, { p: project })),
    );
    expect(results.every((r) => r.status < 500)).toBe(true);
    for (const r of results) {
      if (r.errors) expect(r.errors[0]?.extensions?.code).toBe("STATE_CONFLICT");
    }
    const succeeded = verbs.filter((_, i) => !results[i]!.errors);
    const suspends = succeeded.filter((v) => v === "suspendStage").length;
    const resumes = succeeded.length - suspends;
    // Transitions alternate, starting from RUNNING.
    expect(suspends - resumes === 0 || suspends - resumes === 1).toBe(true);
    const { stage } = await api.ok(`query($p: String!) { stage(project: $p, slug: "hot") { state } }`, { p: project });
    expect(stage.state).toBe(suspends > resumes ? "SUSPENDED" : "RUNNING");

    const sub = subscribe(
      api.ws(),
      `subscription($p: String!, $after: String) { stageChanged(project: $p, after: $after) { kind stage { state } } }`,
      {
        p: project,
        after: p.cursor,
      },
    );
    const states: string[] = [];
    for (let i = 0; i < succeeded.length * 2; i++) states.push((await sub.next()).stageChanged.stage.state);
    const cycle = ["SUSPENDING", "SUSPENDED", "RESUMING", "RUNNING"];
    expect(states).toEqual(states.map((_, i) => cycle[i % 4]));
    // And nothing more: a final marker event is the very next one.
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "marker", type: DEV }) { slug } }`, { p: project });
    expect((await sub.next()).stageChanged.kind).toBe("STAGE_CREATED");
    sub.close();
  });
});

/** 50 concurrent deployRelease on one Stage (PostgreSQL): one active Release, the rest superseded, no 500. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPostgres } from "../testing/postgres-only.js";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

describeWithPostgres("50 concurrent deployRelease on one Stage", () => {
  it("leave exactly one active Release and one event per state change", async () => {
    const project = await createTestProject(api);
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "hot", type: PROD }) { slug } }`, { p: project });
    const builds = await createBuilds(api, project, await uploadArtifact(api), 5);
    const { project: p } = await api.ok(`query($p: String!) { project(slug: $p) { cursor } }`, { p: project });

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.gql(`mutation($i: DeployReleaseInput!) { deployRelease(input: $i) { number } }`, {
          i: { project, stage: "hot", build: builds[i % 5] },
        }),
      ),
    );
    expect(results.map((r) => r.status).filter((s) => s >= 500)).toEqual([]);
    const succeeded = results.filter((r) => !r.errors);
    for (const r of results) if (r.errors) expect(r.errors[0]?.extensions?.code).toBe("CONFLICT");
    const { releases } = await api.ok(`query($p: String!) { releases(project: $p, stage: "hot", first: 100) { number state } }`, {
      p: project,
    });
    expect(releases).toHaveLength(succeeded.length);
    expect(releases.filter((r: { state: string }) => r.state === "PENDING")).toEqual([{ number: succeeded.length, state: "PENDING" }]);
    expect(releases.filter((r: { state: string }) => r.state === "SUPERSEDED")).toHaveLength(succeeded.length - 1);

    const sub = subscribe(
      api.ws(),
      `subscription($p: String!, $a: String) { releaseChanged(project: $p, stage: "hot", after: $a) { kind release { number state } } }`,
      { p: project, a: p.cursor },
    );
    const events = [];
    for (let i = 0; i < succeeded.length * 2 - 1; i++) events.push((await sub.next()).releaseChanged);
    expect(events.filter((e) => e.kind === "RELEASE_CREATED")).toHaveLength(succeeded.length);
    expect(events.filter((e) => e.kind === "RELEASE_STATE_CHANGED" && e.release.state === "SUPERSEDED")).toHaveLength(succeeded.length - 1);
    sub.close();
  });
});

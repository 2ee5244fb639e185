import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, startTestApi, type TestApi } from "../testing/harness.js";
import { makeArchive } from "../testing/archive.js";

const MANIFEST = {
  version: "v1",
  components: [
    { name: "web", command: "node", args: ["server.js"] },
    { name: "migrate", command: "node", args: ["migrate.js"], scheduled: "@release" },
  ],
};
const CREATE = `mutation($i: CreateBuildInput!) { createBuild(input: $i) { name branch number status manifest createdBy artifact { sha256 size byteSize } } }`;

let api: TestApi;
let artifact: string;
let artifactSize: number;
beforeAll(async () => {
  api = await startTestApi();
  const res = await fetch(`${api.server.url}/artifacts?project=${await createTestProject(api)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${api.adminToken}` },
    body: await makeArchive({ "server.js": "require('http').createServer().listen()" }),
  });
  ({ sha256: artifact, size: artifactSize } = await res.json());
});
afterAll(() => api?.close());

describe("Builds", () => {
  it("names Builds like Pergola: <branch>_b<n> per branch, b<n> without one", async () => {
    const project = await createTestProject(api);
    const make = async (extra: object) => (await api.ok(CREATE, { i: { project, manifest: MANIFEST, artifact, ...extra } })).createBuild;
    expect(await make({ branch: "master" })).toMatchObject({ name: "master_b1", branch: "master", number: 1, status: "READY" });
    expect((await make({ branch: "master" })).name).toBe("master_b2");
    expect((await make({})).name).toBe("b1");
    expect((await make({ branch: "feature/login" })).name).toBe("feature-login_b1");
    expect((await make({ branch: "master" })).name).toBe("master_b3");
    const named = await make({ name: "release-1.0" });
    expect(named).toMatchObject({ name: "release-1.0", manifest: MANIFEST, createdBy: "admin" });
    expect(named.artifact).toEqual({ sha256: artifact, size: artifactSize, byteSize: String(artifactSize) });
    const again = await api.gql(CREATE, { i: { project, manifest: MANIFEST, artifact, name: "release-1.0" } });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", taken: "release-1.0" });

    const { builds } = await api.ok(`query($p: String!) { builds(project: $p, first: 3) { name } }`, { p: project });
    expect(builds.map((b: { name: string }) => b.name)).toEqual(["release-1.0", "master_b3", "feature-login_b1"]);
  });

  it("refuses an invalid manifest with every problem and its path", async () => {
    const project = await createTestProject(api);
    const manifest = {
      version: "v1",
      components: [
        { name: "web", command: "node" },
        { name: "tick", command: "x", scheduled: "every day" },
      ],
    };
    const res = await api.gql(CREATE, { i: { project, manifest, artifact } });
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0]?.extensions?.problems).toContainEqual(expect.objectContaining({ path: "components[1].scheduled" }));
    const { validateManifest } = await api.ok(`query($m: JSON!) { validateManifest(manifest: $m) { valid problems { path message } } }`, {
      m: manifest,
    });
    expect(validateManifest.valid).toBe(false);
    expect(validateManifest.problems.map((p: { path: string }) => p.path)).toContain("components[1].scheduled");
    expect(
      (await api.ok(`query($m: JSON!) { validateManifest(manifest: $m) { valid problems { path } } }`, { m: MANIFEST })).validateManifest,
    ).toEqual({ valid: true, problems: [] });
  });

  it.each([
    ["an unknown artifact", { artifact: "a".repeat(64) }, "artifact", /POST \/artifacts/],
    ["a malformed artifact hash", { artifact: "xyz" }, "artifact", /SHA-256/],
    ["a bad branch", { branch: "no spaces" }, "branch", /branch/],
    ["a bad name", { name: "-bad" }, "name", /letters/],
  ])("refuses %s, naming the field", async (_what, extra, field, message) => {
    const project = await createTestProject(api);
    const res = await api.gql(CREATE, { i: { project, manifest: MANIFEST, artifact, ...extra } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(res.errors?.[0]?.message).toMatch(message);
  });
});

/** A manifest written inline in the document reads exactly as the same manifest sent as a variable. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, type TestApi } from "../testing/harness.js";

const FIELDS = "name number manifest artifact { sha256 }";
const MANIFEST = {
  version: "v1",
  components: [{ name: "web", command: "node", args: ["server.js"], env: [{ name: "__proto__", value: "kept as data" }], ports: [8080] }],
};

/** A JSON value as a GraphQL literal: keys bare, strings quoted as JSON quotes them. */
function literalOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literalOf).join(", ")}]`;
  if (value && typeof value === "object")
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${literalOf(v)}`)
      .join(", ")} }`;
  return JSON.stringify(value);
}

let api: TestApi;
let artifact: string;
beforeAll(async () => {
  api = await startTestApi();
  artifact = await uploadArtifact(api);
});
afterAll(() => api?.close());

/** createBuild twice in two new Projects: the manifest inline, then as a variable. */
async function bothForms(manifest: unknown) {
  const inlineProject = await createTestProject(api);
  const variableProject = await createTestProject(api);
  const literal = literalOf(manifest);
  const inline = await api.gql(
    `mutation { createBuild(input: { project: "${inlineProject}", artifact: "${artifact}", manifest: ${literal} }) { ${FIELDS} } }`,
  );
  const variable = await api.gql(
    `mutation($m: JSON!) { createBuild(input: { project: "${variableProject}", artifact: "${artifact}", manifest: $m }) { ${FIELDS} } }`,
    { m: manifest },
  );
  return { inline, variable };
}

describe("createBuild with the manifest inline", () => {
  it("makes the same Build as with the manifest in a variable", async () => {
    const { inline, variable } = await bothForms(MANIFEST);
    expect(inline.errors).toBeUndefined();
    expect(inline.data).toEqual(variable.data);
    expect(inline.data?.createBuild).toMatchObject({ name: "b1", number: 1, artifact: { sha256: artifact } });
    expect(inline.data?.createBuild.manifest.components[0].env).toEqual([{ name: "__proto__", value: "kept as data" }]);
  });

  it("refuses an invalid manifest with the same BAD_USER_INPUT either way", async () => {
    const { inline, variable } = await bothForms({ version: "v1", components: [{ name: "Bad Name", command: "node" }] });
    expect(inline.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "manifest" });
    expect(inline.errors?.[0]?.extensions).toEqual(variable.errors?.[0]?.extensions);
    expect(inline.errors?.[0]?.message).toBe(variable.errors?.[0]?.message);
  });

  it("reads variables used inside the literal", async () => {
    const project = await createTestProject(api);
    const res = await api.gql(
      `mutation($cmd: JSON!) { createBuild(input: { project: "${project}", artifact: "${artifact}", manifest: { version: "v1", components: [{ name: "web", command: $cmd }] } }) { manifest } }`,
      { cmd: "node" },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.createBuild.manifest.components[0].command).toBe("node");
  });
});

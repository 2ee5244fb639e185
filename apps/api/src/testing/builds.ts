/** Test data for Releases: an uploaded artifact and Builds of it. */
import { makeArchive } from "./archive.js";
import { createTestProject, type TestApi } from "./harness.js";

export const SIMPLE_MANIFEST = { version: "v1", components: [{ name: "web", command: "node", args: ["server.js"] }] };

/**
 * Uploads a small app (or `body`) for `project` (by default a new Project of its own) as the
 * admin; admins build from any artifact, so the SHA-256 serves Builds in every Project of the test.
 */
export async function uploadArtifact(api: TestApi, project?: string, body?: Buffer): Promise<string> {
  const owner = project ?? (await createTestProject(api));
  const res = await fetch(`${api.server.url}/artifacts?project=${encodeURIComponent(owner)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${api.adminToken}` },
    body: body ?? (await makeArchive({ "server.js": "require('node:http').createServer((q, s) => s.end('hi')).listen(process.env.PORT)" })),
  });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { sha256: string }).sha256;
}

/** Creates Builds `b1`, `b2`, … (as many as `count`) in `project`. */
export async function createBuilds(api: TestApi, project: string, artifact: string, count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const { createBuild } = await api.ok(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
      i: { project, manifest: SIMPLE_MANIFEST, artifact },
    });
    names.push(createBuild.name);
  }
  return names;
}

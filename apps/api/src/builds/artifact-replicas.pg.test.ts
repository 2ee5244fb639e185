/**
 * Replicas share their database, not their disks: an artifact uploaded through one is built,
 * and downloaded, through another. An API that kept artifacts in its data dir moves them into
 * the shared store when it starts with one.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { makeArchive } from "../testing/archive.js";
import { SIMPLE_MANIFEST, uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, type TestApi } from "../testing/harness.js";
import { describeWithPostgres } from "../testing/postgres-only.js";

const dirs: string[] = [];
const apis: TestApi[] = [];
afterAll(async () => {
  await Promise.all(apis.map((api) => api.close()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pergola-replica-"));
  dirs.push(dir);
  return dir;
}

async function start(options: Parameters<typeof startTestApi>[0]): Promise<TestApi> {
  const api = await startTestApi(options);
  apis.push(api);
  return api;
}

const sha256Of = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

const download = (api: TestApi, sha256: string) =>
  fetch(`${api.server.url}/artifacts/${sha256}`, { headers: { authorization: `Bearer ${api.adminToken}` } });

describeWithPostgres("artifacts across replicas", () => {
  it("builds and serves on one replica what was uploaded through another", async () => {
    const a = await start({ dataDir: dataDir() });
    const b = await start({ dataDir: dataDir() });
    expect(a.server.services.artifacts.store.kind).toBe("postgres");
    const project = await createTestProject(a);
    const archive = await makeArchive({ "server.js": `replicas ${project}` });
    const sha256 = await uploadArtifact(a, project, archive);
    const built = await b.ok<{ createBuild: { artifact: { sha256: string } } }>(
      `mutation($i: CreateBuildInput!) { createBuild(input: $i) { artifact { sha256 } } }`,
      { i: { project, manifest: SIMPLE_MANIFEST, artifact: sha256 } },
      b.adminToken,
    );
    expect(built.createBuild.artifact.sha256).toBe(sha256);
    const fromB = await download(b, sha256);
    expect(fromB.status).toBe(200);
    expect(sha256Of(Buffer.from(await fromB.arrayBuffer()))).toBe(sha256);
  });

  it("moves what an API kept on disk into the database when it starts with the postgres store", async () => {
    const dir = dataDir();
    const onDisk = await start({ dataDir: dir, artifactStore: { kind: "disk" } });
    const project = await createTestProject(onDisk);
    const sha256 = await uploadArtifact(onDisk, project, await makeArchive({ "server.js": `adopted ${project}` }));
    const file = join(dir, "artifacts", sha256.slice(0, 2), `${sha256}.tar.gz`);
    expect(existsSync(file)).toBe(true);
    await onDisk.close();
    apis.splice(apis.indexOf(onDisk), 1);

    const shared = await start({ dataDir: dir });
    expect(await shared.server.services.artifacts.store.has(sha256)).toBe(true);
    expect(existsSync(file)).toBe(false);
    const other = await start({ dataDir: dataDir() });
    const response = await download(other, sha256);
    expect(response.status).toBe(200);
    expect(sha256Of(Buffer.from(await response.arrayBuffer()))).toBe(sha256);
  });
});

/**
 * The three artifact stores pass the same tests: the store's contract on its own, then uploads
 * through the API, Builds, downloads and garbage collection with the store behind it. The S3
 * store runs against s3rver, or any endpoint TEST_S3_ENDPOINT names (testing/s3.ts).
 */
import { randomBytes, createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, startTestApi, testDb, type TestApi } from "../testing/harness.js";
import { makeArchive } from "../testing/archive.js";
import { startTestS3, type TestS3 } from "../testing/s3.js";
import { SIMPLE_MANIFEST, uploadArtifact } from "../testing/builds.js";
import type { ArtifactStore, ArtifactStoreOptions } from "./artifact-store.js";
import { CHUNK_BYTES } from "./artifact-store.postgres.js";

const scratch = mkdtempSync(join(tmpdir(), "pergola-artifact-stores-"));
let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const sha256Of = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A file in the scratch dir holding `bytes`, as an upload is staged. */
function staged(bytes: Buffer): string {
  const path = join(scratch, `${randomBytes(8).toString("hex")}.tar.gz`);
  writeFileSync(path, bytes);
  return path;
}

async function readAll(store: ArtifactStore, sha256: string): Promise<{ bytes: Buffer; chunks: number[]; size: number } | null> {
  const opened = await store.open(sha256);
  if (!opened) return null;
  const parts: Buffer[] = [];
  for await (const part of opened.stream) parts.push(part as Buffer);
  return { bytes: Buffer.concat(parts), chunks: parts.map((p) => p.length), size: opened.size };
}

const STORES: [string, () => ArtifactStoreOptions][] = [
  ["disk", () => ({ kind: "disk" })],
  ["s3", () => ({ kind: "s3", ...s3.options })],
];
// The postgres store needs PostgreSQL (the postgres project runs this file on it);
// on the embedded database it is refused (artifact-store.pglite.test.ts).
if (testDb === "postgres") STORES.push(["postgres", () => ({ kind: "postgres" })]);

describe.each(STORES)("the %s artifact store", (kind, options) => {
  let api: TestApi;
  let store: ArtifactStore;
  beforeAll(async () => {
    api = await startTestApi({ artifactStore: options(), dataDir: mkdtempSync(join(scratch, `${kind}-`)) });
    store = api.server.services.artifacts.store;
  });
  afterAll(() => api?.close());

  it("keeps bytes under their hash, streams them back in parts, forgets them on delete", async () => {
    expect(store.kind).toBe(kind);
    // Over three chunks of the PostgreSQL store, and not a multiple of one.
    const bytes = randomBytes(3 * CHUNK_BYTES + 12_345);
    const sha256 = sha256Of(bytes);
    expect(await store.has(sha256)).toBe(false);
    expect(await store.open(sha256)).toBeNull();
    await store.put(sha256, staged(bytes), bytes.length);
    expect(await store.has(sha256)).toBe(true);
    const read = await readAll(store, sha256);
    expect(read!.size).toBe(bytes.length);
    expect(read!.bytes.equals(bytes)).toBe(true);
    // Streamed: never the whole artifact in one piece.
    expect(read!.chunks.length).toBeGreaterThan(1);
    expect(Math.max(...read!.chunks)).toBeLessThanOrEqual(CHUNK_BYTES);
    // The same bytes again are harmless.
    await store.put(sha256, staged(bytes), bytes.length);
    expect((await readAll(store, sha256))!.bytes.equals(bytes)).toBe(true);
    await store.delete(sha256);
    expect(await store.has(sha256)).toBe(false);
    expect(await store.open(sha256)).toBeNull();
    await store.delete(sha256); // nothing there: no error
  });

  it("serves uploads, Builds and downloads through the API, and collects what no Build references", async () => {
    const project = await createTestProject(api);
    const upload = (body: Buffer) => uploadArtifact(api, project, body);
    const used = await upload(await makeArchive({ "server.js": `used ${kind} ${project}` }));
    const unusedArchive = await makeArchive({ "server.js": `unused ${kind} ${project}` });
    const unused = await upload(unusedArchive);
    const built = await api.ok<{ createBuild: { artifact: { sha256: string } } }>(
      `mutation($i: CreateBuildInput!) { createBuild(input: $i) { artifact { sha256 } } }`,
      { i: { project, manifest: SIMPLE_MANIFEST, artifact: used } },
    );
    expect(built.createBuild.artifact.sha256).toBe(used);
    const download = await fetch(`${api.server.url}/artifacts/${used}`, { headers: { authorization: `Bearer ${api.adminToken}` } });
    expect(download.status).toBe(200);
    expect(sha256Of(Buffer.from(await download.arrayBuffer()))).toBe(used);

    const { artifacts } = api.server.services;
    const DAY = 24 * 60 * 60 * 1000;
    // The database may be shared with other tests' fresh uploads: only this test's two artifacts
    // are made old enough to collect.
    await api.server.database.db.execute(
      sql`update artifacts set uploaded_at = now() - interval '2 days' where sha256 in (${used}, ${unused})`,
    );
    await artifacts.collectGarbage(3 * DAY);
    expect(await store.has(unused)).toBe(true);
    await artifacts.collectGarbage(DAY);
    expect(await store.has(unused)).toBe(false);
    expect(await store.has(used)).toBe(true);
    const gone = await fetch(`${api.server.url}/artifacts/${unused}`, { headers: { authorization: `Bearer ${api.adminToken}` } });
    expect(gone.status).toBe(404);
    // Uploaded again, it is whole again, and its grace starts over.
    expect(await upload(unusedArchive)).toBe(unused);
    expect(await store.has(unused)).toBe(true);
    await artifacts.collectGarbage(DAY);
    expect(await store.has(unused)).toBe(true);
  });
});

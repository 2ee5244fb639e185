import { createHash, randomBytes } from "node:crypto";
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeArchive } from "../testing/archive.js";
import { SIMPLE_MANIFEST } from "../testing/builds.js";
import { createTestProject, createTestUser, startTestApi, uniqueSlug, type TestApi } from "../testing/harness.js";

let api: TestApi;
let project: string;
beforeAll(async () => {
  api = await startTestApi({ maxArtifactBytes: 64 * 1024 });
  project = await createTestProject(api);
});
afterAll(() => api?.close());

function upload(body: Buffer, token: string | null = api.adminToken, forProject: string | null = project) {
  return fetch(`${api.server.url}/artifacts${forProject === null ? "" : `?project=${encodeURIComponent(forProject)}`}`, {
    method: "POST",
    headers: { "content-type": "application/gzip", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
}

describe("POST /artifacts", () => {
  it("stores a tar.gz content-addressed and serves the same bytes back", async () => {
    const archive = await makeArchive({ "server.js": "console.log('hi')", "public/index.html": "<h1>hi</h1>" });
    const sha256 = createHash("sha256").update(archive).digest("hex");
    const res = await upload(archive);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ sha256, size: archive.length });
    expect((await upload(archive)).status).toBe(201);

    const got = await fetch(`${api.server.url}/artifacts/${sha256}`, { headers: { authorization: `Bearer ${api.adminToken}` } });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(archive)).toBe(true);
  });

  it("needs a token, for upload and download", async () => {
    const archive = await makeArchive({ "a.txt": "a" });
    const res = await upload(archive, null);
    expect(res.status).toBe(401);
    expect((await res.json()).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    const sha = createHash("sha256").update(archive).digest("hex");
    expect((await fetch(`${api.server.url}/artifacts/${sha}`)).status).toBe(401);
  });

  it.each([
    ["random bytes", () => Promise.resolve(randomBytes(2048)), /not a valid tar\.gz archive/],
    ["an empty body", () => Promise.resolve(Buffer.alloc(0)), /empty/],
    ["a gzip of no tar", async () => (await import("node:zlib")).gzipSync(Buffer.from("hello")), /not a valid tar\.gz|no entries/],
    [
      "a path escaping the root",
      () =>
        makeArchive({ "ok.txt": "ok" }, (app) => {
          writeFileSync(join(app, "..", "evil.txt"), "x");
          return ["../evil.txt"];
        }),
      /escapes the archive's root/,
    ],
    [
      "a symlink out of the root",
      () =>
        makeArchive({ "ok.txt": "ok" }, (app) => {
          symlinkSync("/etc/passwd", join(app, "link"));
          return ["link"];
        }),
      /links outside/,
    ],
  ])("refuses %s with BAD_USER_INPUT", async (_name, make, message) => {
    const res = await upload(await make());
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "artifact" });
    expect(body.errors[0].message).toMatch(message);
  });

  it("refuses an oversized upload with 413, declared or streamed", async () => {
    const big = await makeArchive({ "big.bin": randomBytes(200 * 1024).toString("base64") });
    const res = await upload(big);
    expect(res.status).toBe(413);
    expect((await res.json()).errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: 64 * 1024 });
    // Without a Content-Length (chunked), the limit is enforced while streaming.
    const chunked = await fetch(`${api.server.url}/artifacts?project=${project}`, {
      method: "POST",
      headers: { authorization: `Bearer ${api.adminToken}` },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array(big));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it("answers 404 for an unknown artifact and 400 for a malformed hash", async () => {
    const auth = { authorization: `Bearer ${api.adminToken}` };
    expect((await fetch(`${api.server.url}/artifacts/${"0".repeat(64)}`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${api.server.url}/artifacts/not-a-hash`, { headers: auth })).status).toBe(400);
  });
});

const sha256Of = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const download = (sha256: string, token: string) =>
  fetch(`${api.server.url}/artifacts/${sha256}`, { headers: { authorization: `Bearer ${token}` } });
const CREATE_BUILD = `mutation($i: CreateBuildInput!) { createBuild(input: $i) { name artifact { sha256 } } }`;

describe("artifacts belong to Projects", () => {
  it("refuses an upload that names no Project with a typed 400", async () => {
    const res = await upload(await makeArchive({ "a.txt": "a" }), api.adminToken, null);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "project" });
    expect(body.errors[0].message).toMatch(/POST \/artifacts\?project=<project>/);
  });

  it("takes uploads only from who may write in the Project: 404 for a non-member, 403 for a read-only key", async () => {
    const mine = await createTestProject(api);
    const member = await createTestUser(api, { projects: [mine] });
    const outsider = await createTestUser(api);
    const readOnly = await createTestUser(api, { projects: [mine], readOnly: true });
    const archive = await makeArchive({ "who.txt": uniqueSlug("w") });
    const refused = await upload(archive, outsider.token, mine);
    expect(refused.status).toBe(404);
    expect((await refused.json()).errors[0]).toMatchObject({ message: `Project "${mine}" not found`, extensions: { code: "NOT_FOUND" } });
    const missing = await upload(archive, member.token, "no-such-project");
    expect(missing.status).toBe(404);
    expect((await missing.json()).errors[0].message).toBe(`Project "no-such-project" not found`);
    expect((await upload(archive, readOnly.token, mine)).status).toBe(403);
    expect((await upload(archive, member.token, mine)).status).toBe(201);
  });

  it("serves an artifact to its Project's members and admins; to others it is as missing (404)", async () => {
    const mine = await createTestProject(api);
    const other = await createTestProject(api);
    const member = await createTestUser(api, { projects: [mine] });
    const outsider = await createTestUser(api, { projects: [other] });
    const archive = await makeArchive({ "secret.txt": uniqueSlug("s") });
    const sha256 = sha256Of(archive);
    expect((await upload(archive, member.token, mine)).status).toBe(201);

    const got = await download(sha256, member.token);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(archive)).toBe(true);
    expect((await download(sha256, api.adminToken)).status).toBe(200);

    const refused = await download(sha256, outsider.token);
    expect(refused.status).toBe(404);
    const missingSha = "f".repeat(64);
    const missing = await download(missingSha, outsider.token);
    expect(missing.status).toBe(404);
    // The same answer as for an artifact that does not exist.
    expect((await refused.json()).errors[0]).toEqual({ message: `Artifact ${sha256} not found`, extensions: { code: "NOT_FOUND" } });
    expect((await missing.json()).errors[0]).toEqual({ message: `Artifact ${missingSha} not found`, extensions: { code: "NOT_FOUND" } });

    // The same bytes uploaded for the outsider's Project belong to it too.
    expect((await upload(archive, outsider.token, other)).status).toBe(201);
    expect((await download(sha256, outsider.token)).status).toBe(200);
  });

  it("builds only from an artifact the caller may read: another Project's answers as a missing one", async () => {
    const mine = await createTestProject(api);
    const other = await createTestProject(api);
    const member = await createTestUser(api, { projects: [mine] });
    const outsider = await createTestUser(api, { projects: [other] });
    const archive = await makeArchive({ "server.js": uniqueSlug("b") });
    const sha256 = sha256Of(archive);
    expect((await upload(archive, member.token, mine)).status).toBe(201);

    const refused = await api.gql(CREATE_BUILD, { i: { project: other, manifest: SIMPLE_MANIFEST, artifact: sha256 } }, outsider.token);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "artifact" });
    const missingSha = "e".repeat(64);
    const missing = await api.gql(CREATE_BUILD, { i: { project: other, manifest: SIMPLE_MANIFEST, artifact: missingSha } }, outsider.token);
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "artifact" });
    expect(refused.errors?.[0]?.message).toBe(missing.errors?.[0]?.message.replace(missingSha, sha256));

    const built = await api.ok(CREATE_BUILD, { i: { project: mine, manifest: SIMPLE_MANIFEST, artifact: sha256 } }, member.token);
    expect(built.createBuild.artifact.sha256).toBe(sha256);
    // An admin builds from it in another Project: that Project's members may then download it.
    await api.ok(CREATE_BUILD, { i: { project: other, manifest: SIMPLE_MANIFEST, artifact: sha256 } });
    expect((await download(sha256, outsider.token)).status).toBe(200);
  });

  it("serves an artifact to the agent whose Outpost runs a Release of it, and to no other agent", async () => {
    const mine = await createTestProject(api);
    const archive = await makeArchive({ "server.js": uniqueSlug("a") });
    const sha256 = sha256Of(archive);
    expect((await upload(archive, api.adminToken, mine)).status).toBe(201);
    const outpost = async () => {
      const slug = uniqueSlug("edge");
      const { createOutpost } = await api.ok(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken } }`, {
        i: { name: slug, slug },
      });
      return { slug, token: createOutpost.agentToken as string };
    };
    const running = await outpost();
    const idle = await outpost();
    await api.ok(`mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, {
      i: { project: mine, name: "Edge", slug: "edge", type: "PROD", outpostUri: `outpost://${running.slug}` },
    });
    const { createBuild } = await api.ok(CREATE_BUILD, { i: { project: mine, manifest: SIMPLE_MANIFEST, artifact: sha256 } });
    // Before the Release the agent has no business with it.
    expect((await download(sha256, running.token)).status).toBe(404);
    await api.ok(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "edge", build: $b }) { id } }`, {
      p: mine,
      b: createBuild.name,
    });
    const got = await download(sha256, running.token);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(archive)).toBe(true);
    expect((await download(sha256, idle.token)).status).toBe(404);
  });
});

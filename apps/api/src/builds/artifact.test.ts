import { createHash, randomBytes } from "node:crypto";
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeArchive } from "../testing/archive.js";
import { startTestApi, type TestApi } from "../testing/harness.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ maxArtifactBytes: 64 * 1024 });
});
afterAll(() => api?.close());

function upload(body: Buffer, token: string | null = api.adminToken) {
  return fetch(`${api.server.url}/artifacts`, {
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
    ["a path escaping the root", () => makeArchive({ "ok.txt": "ok" }, (app) => (writeFileSync(join(app, "..", "evil.txt"), "x"), ["../evil.txt"])), /escapes the archive's root/],
    ["a symlink out of the root", () => makeArchive({ "ok.txt": "ok" }, (app) => (symlinkSync("/etc/passwd", join(app, "link")), ["link"])), /links outside/],
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
    const chunked = await fetch(`${api.server.url}/artifacts`, {
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

/**
 * Hostile archives at `POST /artifacts`: each refused with a 4xx naming the entry and the reason,
 * nothing kept; a gzip bomb refused while the API keeps answering (/healthz timed during it).
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setInterval } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeArchive, makeGzipBomb, makeRawArchive } from "../testing/archive.js";
import { createTestProject, startTestApi, type TestApi } from "../testing/harness.js";

let api: TestApi;
let project: string;
const dataDir = mkdtempSync(join(tmpdir(), "pergola-hostile-"));
beforeAll(async () => {
  api = await startTestApi({ dataDir, artifactLimits: { maxEntries: 1000 } });
  project = await createTestProject(api);
  // One artifact kept, so the store exists and a refusal is seen to leave it alone.
  expect((await upload(await makeArchive({ "server.js": "kept" }))).status).toBe(201);
});
afterAll(() => api?.close());

const upload = (body: Buffer) =>
  fetch(`${api.server.url}/artifacts?project=${project}`, { method: "POST", headers: { authorization: `Bearer ${api.adminToken}` }, body });

/** Every file under the artifact store: the kept artifacts and whatever an upload left. */
function storedFiles(dir = join(dataDir, "artifacts")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? storedFiles(join(dir, d.name)) : [join(dir, d.name)]));
}

type Entry = Parameters<typeof makeRawArchive>[0][number];
const file = (path: string): Entry => ({ path, type: "File", body: "x" });

describe("POST /artifacts refuses hostile archives", () => {
  it.each<[string, Buffer, number, { entry?: string; reason: string | RegExp }]>([
    [
      "a symlink chain that leaves the root",
      makeRawArchive([
        { path: "x", type: "SymbolicLink", linkpath: "a/.." },
        { path: "a", type: "SymbolicLink", linkpath: "." },
      ]),
      400,
      { entry: "x", reason: "links outside the archive's root (a/..)" },
    ],
    [
      "a hard link out",
      makeRawArchive([{ path: "shadow", type: "Link", linkpath: "../../etc/shadow" }]),
      400,
      { entry: "shadow", reason: "links outside the archive's root (../../etc/shadow)" },
    ],
    [
      "an absolute path",
      makeRawArchive([file("/tmp/pergola-owned")]),
      400,
      { entry: "/tmp/pergola-owned", reason: "escapes the archive's root" },
    ],
    [
      "a file written through a link",
      makeRawArchive([{ path: "etc", type: "SymbolicLink", linkpath: "sub" }, file("etc/passwd")]),
      400,
      { entry: "etc/passwd", reason: "is written through the symbolic link etc" },
    ],
    [
      "a device",
      makeRawArchive([{ path: "sda", type: "BlockDevice" }]),
      400,
      { entry: "sda", reason: "entries of type BlockDevice are not allowed" },
    ],
    ["a FIFO", makeRawArchive([{ path: "pipe", type: "FIFO" }]), 400, { entry: "pipe", reason: "entries of type FIFO are not allowed" }],
    ["a duplicate entry", makeRawArchive([file("a"), file("a")]), 400, { entry: "a", reason: "appears twice in the archive (first as a)" }],
    ["a truncated gzip", makeRawArchive([file("a"), file("b")]).subarray(0, 40), 400, { reason: /gzip stream is truncated/ }],
    ["too many entries", makeRawArchive(Array.from({ length: 1001 }, (_, i) => file(`f${i}`))), 413, { reason: "more than 1000 entries" }],
  ])("%s", async (_name, body, status, expected) => {
    const before = storedFiles();
    const res = await upload(body);
    expect(res.status).toBe(status);
    const [error] = (await res.json()).errors;
    expect(error.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "artifact",
      ...(expected.entry ? { entry: expected.entry } : {}),
    });
    expect(error.extensions.reason).toEqual(typeof expected.reason === "string" ? expected.reason : expect.stringMatching(expected.reason));
    expect(error.message).toContain(expected.entry ? `${expected.entry}: ` : "artifact: ");
    expect(storedFiles()).toEqual(before);
  });
});

describe("a gzip bomb at POST /artifacts", () => {
  it("is refused with 413 past the inflated limit while /healthz keeps answering within 100 ms", async () => {
    // 1.2 GB of zeros in ~1.2 MB, as the attack that stalled the API; the default limit is 1 GiB.
    const bomb = await makeGzipBomb(1200 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const before = storedFiles();
    const latencies: number[] = [];
    let uploading = true;
    // One probe every 10 ms: a steady caller, not a flood competing with the upload.
    const probe = (async () => {
      for await (const _ of setInterval(10)) {
        if (!uploading) return;
        const started = performance.now();
        const res = await fetch(`${api.server.url}/healthz`);
        await res.arrayBuffer();
        expect(res.status).toBe(200);
        latencies.push(performance.now() - started);
      }
    })();
    const started = performance.now();
    const res = await upload(bomb).finally(() => (uploading = false));
    const took = performance.now() - started;
    await probe;
    expect(res.status).toBe(413);
    expect((await res.json()).errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "artifact", limit: 1024 ** 3 });
    expect(storedFiles()).toEqual(before);
    latencies.sort((a, b) => a - b);
    console.info(
      `bomb refused in ${Math.round(took)} ms; /healthz during it: ${latencies.length} answers, median ${latencies[latencies.length >> 1]?.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms`,
    );
    expect(latencies.length).toBeGreaterThan(5);
    expect(latencies.at(-1)).toBeLessThan(100);
  }, 60_000);
});

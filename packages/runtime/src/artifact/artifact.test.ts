import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { readdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { create, Header } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ArchiveLimits, ArtifactError, fetchArtifact, unpackArtifact } from "../index.js";
import { makeGzipBomb, tarGzOf } from "./archives.test-utils.js";

const TOKEN = "agent-token";
const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const tmp = (prefix = "pergola-artifact-") => mkdtempSync(join(tmpdir(), prefix));

/** A tar.gz of `files` under an `app` directory; `extra` adds entries of its own (paths relative to `app`). */
async function makeArchive(files: Record<string, string>, extra?: (app: string) => Promise<string[]>): Promise<Buffer> {
  const root = tmp();
  const app = join(root, "app");
  mkdirSync(app);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(app, path, ".."), { recursive: true });
    writeFileSync(join(app, path), content);
  }
  const out = join(root, "out.tar.gz");
  const entries = [...Object.keys(files), ...((await extra?.(app)) ?? [])];
  await create({ gzip: true, file: out, cwd: app, preservePaths: true, portable: true }, entries);
  return readFileSync(out);
}

/** A tar.gz holding one header-only entry of `type` (node-tar will not pack a device from a file). */
function oneEntryArchive(path: string, type: "CharacterDevice" | "FIFO"): Buffer {
  const header = new Header({ path, type, size: 0, mode: 0o644, mtime: new Date(0) });
  header.encode();
  return gzipSync(Buffer.concat([header.block!, Buffer.alloc(1024)]));
}

// The control plane's side, as apps/api/src/builds/artifact.routes.ts answers it.
const blobs = new Map<string, Buffer>();
const lying = new Map<string, Buffer>(); // sha256 → other bytes served under that name
const chunked = new Set<string>(); // served without content-length
const requests = new Map<string, number>();
let server: Server;
let serverUrl: string;

function serve(bytes: Buffer): string {
  const key = sha(bytes);
  blobs.set(key, bytes);
  return key;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const key = (req.url ?? "").replace(/^\/artifacts\//, "");
    requests.set(key, (requests.get(key) ?? 0) + 1);
    const fail = (status: number, message: string, code: string) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return fail(401, "Invalid or expired token", "UNAUTHENTICATED");
    const bytes = lying.get(key) ?? blobs.get(key);
    if (!bytes) return fail(404, `Artifact ${key} not found`, "NOT_FOUND");
    if (chunked.has(key)) {
      res.writeHead(200, { "content-type": "application/gzip" });
      res.write(bytes.subarray(0, 10));
      return res.end(bytes.subarray(10));
    }
    res.writeHead(200, { "content-type": "application/gzip", "content-length": bytes.length }).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

const fetchIt = (sha256: string, cacheDir: string, extra: { token?: string; maxBytes?: number } = {}) =>
  fetchArtifact({ serverUrl: `${serverUrl}/`, token: extra.token ?? TOKEN, sha256, cacheDir, maxBytes: extra.maxBytes });

async function refusal(promise: Promise<unknown>): Promise<ArtifactError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArtifactError);
  return error as ArtifactError;
}

describe("fetchArtifact", () => {
  it("downloads, verifies and unpacks into <cacheDir>/<sha256>, once", async () => {
    const key = serve(
      await makeArchive({ "pergola.yaml": "version: v1\n", "src/server.js": "console.log('hi')\n" }, async (app) => {
        await symlink("src", join(app, "current"));
        return ["current"];
      }),
    );
    const cacheDir = join(tmp(), "cache"); // made on demand
    const dir = await fetchIt(key, cacheDir);
    expect(dir).toBe(join(cacheDir, key));
    expect(await readFile(join(dir, "pergola.yaml"), "utf8")).toBe("version: v1\n");
    expect(await readFile(join(dir, "src/server.js"), "utf8")).toBe("console.log('hi')\n");
    expect(await readlink(join(dir, "current"))).toBe("src");
    expect(await readFile(join(dir, "current/server.js"), "utf8")).toBe("console.log('hi')\n");
    expect(requests.get(key)).toBe(1);

    expect(await fetchIt(key, cacheDir)).toBe(dir);
    expect(requests.get(key)).toBe(1);
    expect(await readdir(cacheDir)).toEqual([key]);
  });

  it("lets two concurrent calls for the same hash both succeed, leaving one directory", async () => {
    const key = serve(await makeArchive({ "a.txt": "A", "b/c.txt": "C" }));
    const cacheDir = tmp();
    const [one, two] = await Promise.all([fetchIt(key, cacheDir), fetchIt(key, cacheDir)]);
    expect(one).toBe(join(cacheDir, key));
    expect(two).toBe(one);
    expect(requests.get(key)).toBe(2); // both downloaded: the loser of the rename kept the winner's directory
    expect(await readdir(cacheDir)).toEqual([key]);
    expect(await readFile(join(one, "b/c.txt"), "utf8")).toBe("C");
  });

  it("says the status and the server's message when the server refuses", async () => {
    const key = serve(await makeArchive({ "a.txt": "A" }));
    const cacheDir = tmp();
    const unauthorized = await refusal(fetchIt(key, cacheDir, { token: "wrong" }));
    expect(unauthorized.message).toBe(`artifact ${key}: the server answered 401: Invalid or expired token`);
    const unknown = "0".repeat(64);
    const missing = await refusal(fetchIt(unknown, cacheDir));
    expect(missing.message).toBe(`artifact ${unknown}: the server answered 404: Artifact ${unknown} not found`);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it("refuses bytes that do not hash to the name, leaving nothing", async () => {
    const key = sha(await makeArchive({ "a.txt": "the real one" }));
    const other = await makeArchive({ "a.txt": "something else" });
    lying.set(key, other);
    const cacheDir = tmp();
    const error = await refusal(fetchIt(key, cacheDir));
    expect(error.message).toBe(`artifact ${key}: downloaded bytes hash to ${sha(other)}; refusing it`);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it("refuses a download above maxBytes, declared or streamed, leaving nothing", async () => {
    const bytes = await makeArchive({ "big.txt": "x".repeat(1000) });
    const declared = serve(bytes);
    const cacheDir = tmp();
    const limit = bytes.length - 1;
    const expected = (key: string) => `artifact ${key}: larger than the limit of ${limit} bytes; refusing it`;
    expect((await refusal(fetchIt(declared, cacheDir, { maxBytes: limit }))).message).toBe(expected(declared));

    const streamed = serve(await makeArchive({ "big.txt": "y".repeat(1000) }));
    chunked.add(streamed);
    expect((await refusal(fetchIt(streamed, cacheDir, { maxBytes: limit }))).message).toBe(expected(streamed));
    expect(await readdir(cacheDir)).toEqual([]);
    expect(await fetchIt(streamed, cacheDir, { maxBytes: bytes.length + 100 })).toBe(join(cacheDir, streamed));
  });

  it("refuses an archive with an entry outside its root, leaving nothing", async () => {
    const dotdot = serve(
      await makeArchive({ "ok.txt": "fine" }, async (app) => {
        await writeFile(join(app, "../evil"), "gotcha");
        return ["../evil"];
      }),
    );
    const absolute = serve(
      await makeArchive({ "ok.txt": "fine" }, async (app) => {
        await symlink("/etc/passwd", join(app, "passwd"));
        return ["passwd"];
      }),
    );
    const cacheDir = tmp();
    expect((await refusal(fetchIt(dotdot, cacheDir))).message).toBe("refusing the archive: ../evil: escapes the archive's root");
    expect((await refusal(fetchIt(absolute, cacheDir))).message).toBe(
      "refusing the archive: passwd: links outside the archive's root (/etc/passwd)",
    );
    expect(await readdir(cacheDir)).toEqual([]);
    expect(await readdir(join(cacheDir, ".."))).not.toContain("evil");
  });

  it("refuses a name that is not a SHA-256 before asking", async () => {
    const error = await refusal(fetchIt("../../etc", tmp()));
    expect(error.message).toMatch(/not a SHA-256/);
  });
});

describe("unpackArtifact", () => {
  async function unpackFails(bytes: Buffer, limits?: Partial<ArchiveLimits>): Promise<string> {
    const dir = tmp();
    const file = join(dir, "a.tar.gz");
    await writeFile(file, bytes);
    const error = await refusal(unpackArtifact(file, join(dir, "out"), limits));
    expect(await readdir(dir)).toEqual(["a.tar.gz"]);
    return error.message;
  }

  it("unpacks a local file, and refuses to unpack over a directory that has files", async () => {
    const dir = tmp();
    await writeFile(join(dir, "a.tar.gz"), await makeArchive({ "x/y.txt": "Y" }));
    await unpackArtifact(join(dir, "a.tar.gz"), join(dir, "out"));
    expect(await readFile(join(dir, "out/x/y.txt"), "utf8")).toBe("Y");
    const error = await refusal(unpackArtifact(join(dir, "a.tar.gz"), join(dir, "out")));
    expect(error.message).toMatch(/already exists/);
    expect((await readdir(dir)).sort()).toEqual(["a.tar.gz", "out"]);
  });

  it("refuses device files, links out through other links and garbage", async () => {
    expect(await unpackFails(oneEntryArchive("tty", "CharacterDevice"))).toBe(
      "refusing the archive: tty: entries of type CharacterDevice are not allowed",
    );
    expect(await unpackFails(oneEntryArchive("pipe", "FIFO"))).toBe("refusing the archive: pipe: entries of type FIFO are not allowed");
    // x → a/.. looks inside as text, but `a` (packed after x) is a link to the root: x is the root's parent.
    const chain = await makeArchive({}, async (app) => {
      await symlink("a/..", join(app, "x"));
      await symlink(".", join(app, "a"));
      return ["x", "a"];
    });
    expect(await unpackFails(chain)).toBe("refusing the archive: x: links outside the archive's root (a/..)");
    expect(await unpackFails(Buffer.from("not a tarball at all"))).toMatch(/^not a valid tar\.gz archive/);
    expect(await unpackFails(await makeGzipBomb(64 * 1024 * 1024), { maxInflatedBytes: 1024 * 1024 })).toBe(
      `refusing the archive: inflates to more than the limit of ${1024 * 1024} bytes`,
    );
    expect(await unpackFails(tarGzOf([{ path: "h", type: "Link", linkpath: "../../etc/shadow" }]))).toBe(
      "refusing the archive: h: links outside the archive's root (../../etc/shadow)",
    );
    expect(await unpackFails(gzipSync(Buffer.alloc(1024)))).toMatch(/^not a valid tar\.gz archive/);
  });
});

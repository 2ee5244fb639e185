import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { createGzip, gzipSync } from "node:zlib";
import { create, Header, type EntryTypeName } from "tar";

/** A tar.gz of `files` (path → content), made with node-tar like `pergola push build` will. */
export async function makeArchive(files: Record<string, string>, extra?: (root: string) => string[]): Promise<Buffer> {
  const root = mkdtempSync(join(tmpdir(), "pergola-art-"));
  const app = join(root, "app");
  mkdirSync(app);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(app, path, ".."), { recursive: true });
    writeFileSync(join(app, path), content);
  }
  const out = join(root, "out.tar.gz");
  const entries = [...Object.keys(files), ...(extra?.(app) ?? [])];
  await create({ gzip: true, file: out, cwd: app, preservePaths: true, portable: true }, entries);
  return readFileSync(out);
}

/**
 * A gzip bomb: a tar.gz whose one file is `inflatedBytes` of zeros, about 1,000 times smaller
 * compressed; made as a stream, so it never holds more than a chunk of the zeros.
 */
export async function makeGzipBomb(inflatedBytes: number): Promise<Buffer> {
  const header = new Header({ path: "zeros.bin", type: "File", size: inflatedBytes, mode: 0o644, mtime: new Date(0) });
  header.encode();
  const zeros = Buffer.alloc(1024 * 1024);
  async function* tar() {
    yield header.block!;
    for (let left = inflatedBytes; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
    yield Buffer.alloc(1024);
  }
  return buffer(Readable.from(tar()).pipe(createGzip({ level: 9 })));
}

/** A tar.gz of header-only entries, for the types and orders node-tar's `create` will not pack from a directory. */
export function makeRawArchive(entries: { path: string; type: EntryTypeName; linkpath?: string; body?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { path, type, linkpath, body = "" } of entries) {
    const header = new Header({ path, type, linkpath, size: body.length, mode: 0o644, mtime: new Date(0) });
    header.encode();
    blocks.push(header.block!, Buffer.from(body), Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
}

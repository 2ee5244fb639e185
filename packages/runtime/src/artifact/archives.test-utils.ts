/**
 * Hand-made tar.gz archives for tests: any entry type, any path, any order, which node-tar's
 * `create` will not produce from a directory. Test support only; not exported by the package.
 */
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { createGzip, gzipSync } from "node:zlib";
import { Header, type EntryTypeName } from "tar";

export interface RawEntry {
  path: string;
  type?: EntryTypeName;
  linkpath?: string;
  body?: string;
}

/** The tar stream (headers, bodies padded to 512 bytes, the two zero blocks), not compressed. */
export function tarOf(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { path, type = "File", linkpath, body = "" } of entries) {
    const data = Buffer.from(body);
    const header = new Header({ path, type, linkpath, size: data.length, mode: type === "Directory" ? 0o755 : 0o644, mtime: new Date(0) });
    header.encode();
    blocks.push(header.block!, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

export function tarGzOf(entries: RawEntry[]): Buffer {
  return gzipSync(tarOf(entries));
}

/**
 * A gzip bomb: a tar.gz whose one file holds `inflatedBytes` of zeros (about 1,000 times smaller
 * compressed). Compressed as a stream, so making it holds no more than a chunk in memory.
 */
export async function makeGzipBomb(inflatedBytes: number): Promise<Buffer> {
  const header = new Header({ path: "zeros.bin", type: "File", size: inflatedBytes, mode: 0o644, mtime: new Date(0) });
  header.encode();
  const chunk = Buffer.alloc(1024 * 1024);
  async function* tar() {
    yield header.block!;
    for (let left = inflatedBytes; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    yield Buffer.alloc(1024);
  }
  return buffer(Readable.from(tar()).pipe(createGzip({ level: 9 })));
}

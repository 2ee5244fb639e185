/**
 * Reads a tar.gz once, as a stream, and judges it by the archive rules before anything is
 * unpacked or kept. The gzip is inflated by Node's zlib stream, whose work runs on libuv's thread
 * pool chunk by chunk, so a bomb does not hold the event loop (node-tar's own gunzip is
 * synchronous: a 1.2 MB bomb held the API for 14 s). The inflated bytes and the entries are
 * counted as they come, and the first one past a limit ends the read.
 */
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { ArchiveJudge, type ArchiveProblem } from "./archive-rules.js";
import { parserSink } from "./parser-sink.js";

export interface ArchiveLimits {
  /** Largest total of the archive once inflated (the tar stream), bytes. Default 1 GiB. */
  maxInflatedBytes: number;
  /** Most entries (files, directories, links). Default 100,000. */
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxInflatedBytes: 1024 ** 3, maxEntries: 100_000 };

export type ArchiveRefusalKind = "too-large" | "invalid" | "unsafe";

/** Why an archive is refused: `too-large` past a limit, `invalid` not a whole tar.gz, `unsafe` an entry the rules refuse. */
export class ArchiveRefusal extends Error {
  override name = "ArchiveRefusal";
  constructor(
    readonly kind: ArchiveRefusalKind,
    readonly reason: string,
    /** The entry at fault, as the archive names it. */
    readonly entry?: string,
    /** The limit passed, for `too-large`. */
    readonly limit?: number,
  ) {
    super(entry === undefined ? reason : `${entry}: ${reason}`);
  }

  static of(problem: ArchiveProblem): ArchiveRefusal {
    return new ArchiveRefusal("unsafe", problem.reason, problem.entry);
  }
}

export interface ArchiveSummary {
  entries: number;
  inflatedBytes: number;
}

/** Reads `source` (a tar.gz) to its end; resolves when every rule holds, rejects with an ArchiveRefusal otherwise. */
export async function inspectArchive(source: Readable, limits: Partial<ArchiveLimits> = {}): Promise<ArchiveSummary> {
  const { maxInflatedBytes, maxEntries } = { ...DEFAULT_ARCHIVE_LIMITS, ...limits };
  const judge = new ArchiveJudge();
  let entries = 0;
  let inflatedBytes = 0;
  let refusal: ArchiveRefusal | undefined;

  // zstd: false — the inflated stream is read as tar only, never sniffed for another compression.
  const parser = new Parser({
    strict: true,
    zstd: false,
    onReadEntry(entry: ReadEntry) {
      entry.resume();
      if (refusal) return;
      if (++entries > maxEntries) refusal = new ArchiveRefusal("too-large", `more than ${maxEntries} entries`, undefined, maxEntries);
      const problem = judge.admit(entry.path, entry.type, entry.linkpath);
      if (problem) refusal ??= ArchiveRefusal.of(problem);
    },
  });
  const tar = parserSink(parser, (chunk) => {
    if (!chunk) return refusal;
    if (inflatedBytes === 0 && startsCompressed(chunk)) {
      return new ArchiveRefusal("invalid", "not a valid tar.gz archive (compressed twice; one gzip around a tar is expected)");
    }
    inflatedBytes += chunk.length;
    if (inflatedBytes > maxInflatedBytes) {
      return new ArchiveRefusal("too-large", `inflates to more than the limit of ${maxInflatedBytes} bytes`, undefined, maxInflatedBytes);
    }
    return refusal;
  });

  try {
    await pipeline(source, createGunzip({ chunkSize: 64 * 1024 }), tar);
  } catch (error) {
    if (error instanceof ArchiveRefusal) throw error;
    if (isTarError(error)) throw tarRefusal(error as Error);
    // zlib's errors are the archive's fault; any other (the source failing) is not.
    throw (error as NodeJS.ErrnoException).code?.startsWith("Z_") ? gzipRefusal(error as NodeJS.ErrnoException) : error;
  }
  if (entries === 0) throw new ArchiveRefusal("invalid", "not a valid tar.gz archive (no entries)");
  const problem = judge.finish();
  if (problem) throw ArchiveRefusal.of(problem);
  return { entries, inflatedBytes };
}

function startsCompressed(chunk: Buffer): boolean {
  if (chunk.length < 4) return false;
  return (chunk[0] === 0x1f && chunk[1] === 0x8b) || chunk.readUInt32LE(0) === 0xfd2fb528;
}

function gzipRefusal(error: NodeJS.ErrnoException): ArchiveRefusal {
  if (error.code === "Z_BUF_ERROR") return new ArchiveRefusal("invalid", "not a valid tar.gz archive (the gzip stream is truncated)");
  if (/header check/.test(error.message)) return new ArchiveRefusal("invalid", "not a valid tar.gz archive (not gzip)");
  return new ArchiveRefusal("invalid", `not a valid tar.gz archive (corrupt gzip: ${error.message})`);
}

function isTarError(error: unknown): boolean {
  return typeof (error as { code?: unknown }).code === "string" && (error as { code: string }).code.startsWith("TAR_");
}

function tarRefusal(error: Error): ArchiveRefusal {
  return new ArchiveRefusal("invalid", `not a valid tar.gz archive (${error.message})`);
}

/**
 * Artifacts on the agent's side: a Release's files are a tar.gz on the control plane, addressed by
 * its SHA-256. `fetchArtifact` downloads `GET <server>/artifacts/<sha256>` with the agent's own
 * token, hashes and counts the bytes while they stream to a temporary file, and unpacks them into
 * `<cacheDir>/<sha256>/`: into a temporary directory first, renamed when every entry has been
 * checked, so the directory is either complete or absent.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import type { ReadableStream } from "node:stream/web";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Unpack } from "tar";
import { ArchiveRefusal, inspectArchive, type ArchiveLimits } from "./archive-inspect.js";
import { parserSink } from "./parser-sink.js";

export class ArtifactError extends Error {
  override name = "ArtifactError";
}

export interface FetchArtifactOptions {
  serverUrl: string;
  token: string;
  sha256: string;
  cacheDir: string;
  /** Largest accepted download, bytes (default 512 MiB). */
  maxBytes?: number;
  /** Limits on the archive once inflated (default DEFAULT_ARCHIVE_LIMITS: 1 GiB, 100,000 entries). */
  limits?: Partial<ArchiveLimits>;
  fetch?: typeof fetch;
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** Downloads, verifies and unpacks an artifact once; returns `<cacheDir>/<sha256>`. */
export async function fetchArtifact(options: FetchArtifactOptions): Promise<string> {
  const { sha256, cacheDir, maxBytes = 512 * 1024 * 1024 } = options;
  if (!SHA256_PATTERN.test(sha256)) throw new ArtifactError(`artifact ${sha256}: not a SHA-256 (64 lowercase hex digits)`);
  const target = join(cacheDir, sha256);
  if (await exists(target)) return target;
  await mkdir(cacheDir, { recursive: true });
  const url = `${options.serverUrl.replace(/\/+$/, "")}/artifacts/${sha256}`;
  const res = await (options.fetch ?? fetch)(url, { headers: { authorization: `Bearer ${options.token}` } }).catch((error: Error) => {
    throw new ArtifactError(`artifact ${sha256}: GET ${url} failed (${error.message})`);
  });
  if (res.status !== 200) throw new ArtifactError(`artifact ${sha256}: the server answered ${res.status}: ${await errorMessage(res)}`);
  const tooLarge = () => new ArtifactError(`artifact ${sha256}: larger than the limit of ${maxBytes} bytes; refusing it`);
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const file = join(cacheDir, `.download-${randomUUID()}.tar.gz`);
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) return done(tooLarge());
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    if (!res.body) throw new ArtifactError(`artifact ${sha256}: the server sent no body`);
    await pipeline(Readable.fromWeb(res.body as ReadableStream<Uint8Array>), meter, createWriteStream(file, { mode: 0o600 })).catch(
      (error: Error) => {
        throw error instanceof ArtifactError ? error : new ArtifactError(`artifact ${sha256}: download failed (${error.message})`);
      },
    );
    const actual = hash.digest("hex");
    if (actual !== sha256) throw new ArtifactError(`artifact ${sha256}: downloaded bytes hash to ${actual}; refusing it`);
    await unpackAtomically(file, target, options.limits);
    return target;
  } finally {
    await rm(file, { force: true });
  }
}

/** Unpacks a local .tar.gz into `targetDir` (which must not exist, or be empty), refusing unsafe archives. */
export async function unpackArtifact(file: string, targetDir: string, limits?: Partial<ArchiveLimits>): Promise<void> {
  if (!(await unpackAtomically(file, targetDir, limits))) throw new ArtifactError(`${targetDir} already exists and is not empty`);
}

/** Unpacks into a sibling temporary directory, then renames it; false when `target` already existed. */
async function unpackAtomically(file: string, target: string, limits?: Partial<ArchiveLimits>): Promise<boolean> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = await mkdtemp(join(dirname(target), `.unpack-${basename(target)}-`));
  try {
    await extractChecked(file, tmp, limits);
    try {
      await rename(tmp, target);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST") return false; // someone else got there first
      throw error;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Judges the archive whole (archive-inspect.ts), then unpacks it with the same streaming gunzip. */
async function extractChecked(file: string, dir: string, limits?: Partial<ArchiveLimits>): Promise<void> {
  await inspectArchive(createReadStream(file), limits).catch((error: unknown) => {
    if (!(error instanceof ArchiveRefusal)) throw error;
    throw new ArtifactError(error.kind === "invalid" ? error.message : `refusing the archive: ${error.message}`);
  });
  const unpack = new Unpack({
    cwd: dir,
    strict: true,
    zstd: false,
    preserveOwner: false,
    filter(_path, entry) {
      if ("mode" in entry && entry.mode) entry.mode &= 0o777; // no setuid, setgid or sticky bits
      return true;
    },
  });
  await pipeline(createReadStream(file), createGunzip(), parserSink(unpack)).catch((error: Error) => {
    throw new ArtifactError(`unpacking the archive failed (${error.message})`);
  });
}

async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const message = (JSON.parse(text) as { errors?: { message?: string }[] }).errors?.[0]?.message;
    if (message) return message;
  } catch {
    // not JSON: fall through
  }
  return text.slice(0, 200) || res.statusText || "(no message)";
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

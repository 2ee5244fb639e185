/**
 * Artifacts on the agent's side: a Release's files are a tar.gz on the control plane, addressed by
 * its SHA-256. `fetchArtifact` downloads `GET <server>/artifacts/<sha256>` with the agent's own
 * token, hashes and counts the bytes while they stream to a temporary file, and unpacks them into
 * `<cacheDir>/<sha256>/`: into a temporary directory first, renamed when every entry has been
 * checked, so the directory is either complete or absent.
 */
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, readlink, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, posix, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import type { ReadableStream } from "node:stream/web";
import { pipeline } from "node:stream/promises";
import { x } from "tar";
import { getArchiveEntryProblem } from "./archive-rules.js";

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
    await pipeline(Readable.fromWeb(res.body as ReadableStream<Uint8Array>), meter, createWriteStream(file, { mode: 0o600 })).catch((error: Error) => {
      throw error instanceof ArtifactError ? error : new ArtifactError(`artifact ${sha256}: download failed (${error.message})`);
    });
    const actual = hash.digest("hex");
    if (actual !== sha256) throw new ArtifactError(`artifact ${sha256}: downloaded bytes hash to ${actual}; refusing it`);
    await unpackAtomically(file, target);
    return target;
  } finally {
    await rm(file, { force: true });
  }
}

/** Unpacks a local .tar.gz into `targetDir` (which must not exist, or be empty), refusing unsafe archives. */
export async function unpackArtifact(file: string, targetDir: string): Promise<void> {
  if (!(await unpackAtomically(file, targetDir))) throw new ArtifactError(`${targetDir} already exists and is not empty`);
}

/** Unpacks into a sibling temporary directory, then renames it; false when `target` already existed. */
async function unpackAtomically(file: string, target: string): Promise<boolean> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = await mkdtemp(join(dirname(target), `.unpack-${basename(target)}-`));
  try {
    await extractChecked(file, tmp);
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

async function extractChecked(file: string, dir: string): Promise<void> {
  const problems: string[] = [];
  let entries = 0;
  try {
    await x({
      file,
      cwd: dir,
      strict: true,
      preserveOwner: false,
      filter(path, entry) {
        if (!("type" in entry)) return false;
        entries++;
        const problem = getArchiveEntryProblem(path, entry.type, entry.linkpath);
        if (problem) problems.push(problem);
        if (entry.mode) entry.mode &= 0o777; // no setuid, setgid or sticky bits
        return !problem && problems.length === 0;
      },
    });
  } catch (error) {
    if (!problems.length) throw new ArtifactError(`not a valid tar.gz archive (${(error as Error).message})`);
  }
  if (!problems.length && entries === 0) throw new ArtifactError("not a valid tar.gz archive (no entries)");
  // Links are checked as strings above; links made before the links they go through are checked here.
  if (!problems.length) problems.push(...(await linksLeavingRoot(dir)));
  if (problems.length) throw new ArtifactError(`refusing the archive: ${problems.slice(0, 10).join("; ")}`);
}

/** Every symbolic link must resolve inside `root`; a dangling one may not use `..`. */
async function linksLeavingRoot(root: string, dir = root, realRoot?: string): Promise<string[]> {
  const rootReal = realRoot ?? (await realpath(root));
  const problems: string[] = [];
  for (const dirent of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, dirent.name);
    if (dirent.isDirectory()) problems.push(...(await linksLeavingRoot(root, path, rootReal)));
    if (!dirent.isSymbolicLink()) continue;
    const link = await readlink(path);
    const resolved = await realpath(path).catch(() => undefined);
    const inside = resolved ? resolved === rootReal || resolved.startsWith(rootReal + sep) : !link.split("/").includes("..");
    if (!inside) problems.push(`${posix.normalize(path.slice(root.length + 1))}: links outside the archive's root (${link})`);
  }
  return problems;
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

/**
 * Artifacts: the application's files as a tar.gz, stored content-addressed by SHA-256 under
 * `<dataDir>/artifacts/<aa>/<sha256>.tar.gz`. An upload is hashed and counted while it streams
 * to a temporary file, refused past the size limit, and checked as an archive — every entry a
 * file, directory or link inside the root, the inflated size and the entry count within their
 * limits — before it is kept; a refused upload leaves nothing behind. The same bytes twice are kept once;
 * uploaded for two Projects, they belong to both (`artifact_projects`).
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Db } from "@pergola/db/client";
import { artifactProjects, artifacts, type ArtifactRow } from "@pergola/db/schema";
import { inArray } from "drizzle-orm";
import type { ArchiveLimits, ArchiveRefusal } from "@pergola/runtime/artifact";
import type { Actor } from "../auth/actor.js";
import { AppError, badInput, ErrorCode, notFound } from "../errors.js";
import { getArtifactAccess, type ArtifactAccess } from "./artifact-access.js";

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export class ArtifactTooLargeError extends AppError {
  constructor(readonly limit: number) {
    super(ErrorCode.BAD_USER_INPUT, `artifact: larger than the limit of ${limit} bytes`, { field: "artifact", limit });
  }
}

/** An archive the rules refuse: 413 past a limit, 400 otherwise; the entry and the reason in `extensions`. */
export class ArtifactRefusedError extends AppError {
  readonly status: 400 | 413;
  constructor(refusal: ArchiveRefusal) {
    super(ErrorCode.BAD_USER_INPUT, `artifact: ${refusal.message}`, {
      field: "artifact",
      reason: refusal.reason,
      ...(refusal.entry === undefined ? {} : { entry: refusal.entry }),
      ...(refusal.limit === undefined ? {} : { limit: refusal.limit }),
    });
    this.status = refusal.kind === "too-large" ? 413 : 400;
  }
}

export class ArtifactStore {
  constructor(
    private readonly db: Db,
    private readonly dir: string,
    /** Largest accepted upload, bytes. */
    readonly maxBytes: number,
    /** Limits on the archive once inflated; unset ones take DEFAULT_ARCHIVE_LIMITS. */
    private readonly limits: Partial<ArchiveLimits> = {},
  ) {}

  pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), `${sha256}.tar.gz`);
  }

  /** Streams `body` in, checks it, keeps it for the Project `projectId`. Returns its SHA-256 and size. */
  async put(body: Readable, projectId: string): Promise<{ sha256: string; size: number }> {
    const tmp = join(this.dir, "tmp");
    await mkdir(tmp, { recursive: true, mode: 0o700 });
    const file = join(tmp, `${randomUUID()}.tar.gz`);
    const hash = createHash("sha256");
    let size = 0;
    const limit = this.maxBytes;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > limit) return done(new ArtifactTooLargeError(limit));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(file, { mode: 0o600 }));
      if (size === 0) throw badInput("artifact", "the upload is empty");
      await checkArchive(file, this.limits);
      const sha256 = hash.digest("hex");
      const target = this.pathOf(sha256);
      await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true, mode: 0o700 });
      await rename(file, target);
      await this.db.transaction(async (tx) => {
        await tx.insert(artifacts).values({ sha256, size }).onConflictDoNothing();
        await tx.insert(artifactProjects).values({ sha256, projectId }).onConflictDoNothing();
      });
      return { sha256, size };
    } finally {
      await rm(file, { force: true });
    }
  }

  /** The stored file of a known artifact, for download (agents verify the hash themselves). */
  async open(sha256: string): Promise<{ stream: Readable; size: number }> {
    if (!SHA256_PATTERN.test(sha256)) throw badInput("sha256", "must be 64 lowercase hex digits");
    const path = this.pathOf(sha256);
    const info = await stat(path).catch(() => null);
    if (!info) throw notFound(`Artifact ${sha256}`);
    return { stream: createReadStream(path), size: info.size };
  }

  /** What "artifact.read" decides on, for this actor and artifact. */
  access(actor: Actor, sha256: string): Promise<ArtifactAccess> {
    return getArtifactAccess(this.db, actor, sha256);
  }

  /** The artifacts' rows, in the order of `shas` (null for an unknown one); a DataLoader's batch. */
  async listBySha(shas: readonly string[]): Promise<(ArtifactRow | null)[]> {
    const rows = await this.db
      .select()
      .from(artifacts)
      .where(inArray(artifacts.sha256, [...shas]));
    const bySha = new Map(rows.map((r) => [r.sha256, r]));
    return shas.map((sha) => bySha.get(sha) ?? null);
  }

  async exists(sha256: string): Promise<boolean> {
    return SHA256_PATTERN.test(sha256) && (await stat(this.pathOf(sha256)).catch(() => null)) !== null;
  }
}

/**
 * Refuses anything that is not a gzipped tar whose entries all stay inside its root, by the
 * archive rules the agent applies too (@pergola/runtime's inspectArchive), inflating as a stream.
 */
async function checkArchive(file: string, limits: Partial<ArchiveLimits>): Promise<void> {
  // Imported on the first upload: the archive rules bring a tar parser no start-up needs.
  const { ArchiveRefusal, inspectArchive } = await import("@pergola/runtime/artifact");
  try {
    await inspectArchive(createReadStream(file), limits);
  } catch (error) {
    if (error instanceof ArchiveRefusal) throw new ArtifactRefusedError(error);
    throw error;
  }
}

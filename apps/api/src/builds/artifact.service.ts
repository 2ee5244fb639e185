/**
 * Artifacts: the application's files as a tar.gz, content-addressed by SHA-256. An upload is
 * hashed and counted while it streams to a staging file, refused past the size limit, and
 * checked as an archive — every entry a file, directory or link inside the root, the inflated
 * size and the entry count within their limits — before its bytes go to the artifact store
 * (artifact-store.ts: disk, PostgreSQL or S3); a refused upload leaves nothing behind. The same
 * bytes twice are kept once; uploaded for two Projects, they belong to both
 * (`artifact_projects`). Artifacts no Build and no backup references are collected after a grace period.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Db } from "@pergola/db/client";
import { artifactProjects, artifacts, backupStorages, builds, type ArtifactRow } from "@pergola/db/schema";
import { and, eq, inArray, lt, notExists, sql } from "drizzle-orm";
import type { ArchiveLimits, ArchiveRefusal } from "@pergola/runtime/artifact";
import type { Logger } from "pino";
import type { Actor } from "../auth/actor.js";
import { AppError, badInput, ErrorCode, notFound } from "../errors.js";
import { getArtifactAccess, type ArtifactAccess } from "./artifact-access.js";
import type { ArtifactStore } from "./artifact-store.js";

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

/** Times a store's bytes vanished between the upload's write and its commit (collected meanwhile) before giving up. */
const PUT_ATTEMPTS = 3;

export class ArtifactService {
  /**
   * @param dir where uploads are staged (`<dir>/tmp`); the disk store keeps its files beside them
   * @param maxBytes largest accepted upload
   * @param limits the archive's once inflated; unset ones take DEFAULT_ARCHIVE_LIMITS
   */
  constructor(
    private readonly db: Db,
    readonly store: ArtifactStore,
    private readonly dir: string,
    readonly maxBytes: number,
    private readonly limits: Partial<ArchiveLimits> = {},
  ) {}

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
      await this.keep(sha256, file, size, projectId);
      return { sha256, size };
    } finally {
      await rm(file, { force: true });
    }
  }

  /**
   * The bytes first (unless the store has them), then the rows. The row's lock orders this with
   * the garbage collection, which deletes the bytes while holding it: bytes that vanished between
   * the two steps are written again.
   */
  private async keep(sha256: string, file: string, size: number, projectId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (!(await this.store.has(sha256))) await this.store.put(sha256, file, size);
      const kept = await this.db.transaction(async (tx) => {
        await tx
          .insert(artifacts)
          .values({ sha256, size })
          .onConflictDoUpdate({ target: artifacts.sha256, set: { uploadedAt: sql`now()` } });
        if (!(await this.store.has(sha256))) return false;
        await tx.insert(artifactProjects).values({ sha256, projectId }).onConflictDoNothing();
        return true;
      });
      if (kept) return;
      if (attempt === PUT_ATTEMPTS)
        throw new Error(`artifact ${sha256}: its bytes were collected ${PUT_ATTEMPTS} times while it was uploaded`);
    }
  }

  /** The stored bytes of a known artifact, for download (agents verify the hash themselves). */
  async open(sha256: string): Promise<{ stream: Readable; size: number }> {
    if (!SHA256_PATTERN.test(sha256)) throw badInput("sha256", "must be 64 lowercase hex digits");
    const opened = await this.store.open(sha256);
    if (!opened) throw notFound(`Artifact ${sha256}`);
    return opened;
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
    return SHA256_PATTERN.test(sha256) && (await this.store.has(sha256));
  }

  /**
   * Deletes the artifacts no Build references whose last upload is older than `graceMs`, their
   * bytes first, each under its row's lock (skipping a row an upload holds). Returns how many.
   */
  async collectGarbage(graceMs: number): Promise<number> {
    const unused = and(
      lt(artifacts.uploadedAt, sql`now() - ${graceMs} * interval '1 millisecond'`),
      notExists(this.db.select({ one: sql`1` }).from(builds).where(eq(builds.artifactSha256, artifacts.sha256))),
      // A backup's archives stay while the backup does (retention deletes old backups' rows).
      notExists(this.db.select({ one: sql`1` }).from(backupStorages).where(eq(backupStorages.sha256, artifacts.sha256))),
    );
    const candidates = await this.db.select({ sha256: artifacts.sha256 }).from(artifacts).where(unused).limit(1000);
    let collected = 0;
    for (const { sha256 } of candidates) {
      const deleted = await this.db.transaction(async (tx) => {
        const [row] = await tx
          .select({ sha256: artifacts.sha256 })
          .from(artifacts)
          .where(and(eq(artifacts.sha256, sha256), unused))
          .for("update", { skipLocked: true });
        if (!row) return false;
        await this.store.delete(sha256);
        await tx.delete(artifacts).where(eq(artifacts.sha256, sha256));
        return true;
      });
      if (deleted) collected++;
    }
    return collected;
  }

  /**
   * Collects garbage (collectGarbage) every hour — or every `graceMs` when shorter, at least a
   * minute apart — until the returned function is called. Failures are logged and retried.
   */
  startCollecting(graceMs: number, logger: Logger): () => void {
    const timer = setInterval(
      () => {
        this.collectGarbage(graceMs).then(
          (collected) => collected > 0 && logger.info({ collected }, "artifacts no Build references collected"),
          (error: unknown) => logger.warn({ err: error }, "artifact garbage collection failed; it runs again later"),
        );
      },
      Math.max(60_000, Math.min(graceMs, 60 * 60 * 1000)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * Moves artifacts an earlier version kept on disk (`<dir>/<aa>/<sha256>.tar.gz`) into a store
   * of another kind, once: replicas that share a database must all find them. Returns how many.
   */
  async adoptDiskArtifacts(): Promise<number> {
    if (this.store.kind === "disk") return 0;
    let adopted = 0;
    for (const shard of await readdir(this.dir).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const name of await readdir(join(this.dir, shard))) {
        const sha256 = name.replace(/\.tar\.gz$/, "");
        if (!SHA256_PATTERN.test(sha256)) continue;
        const path = join(this.dir, shard, name);
        if (!(await this.store.has(sha256))) await this.store.put(sha256, path, (await stat(path)).size);
        await rm(path, { force: true });
        adopted++;
      }
    }
    return adopted;
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

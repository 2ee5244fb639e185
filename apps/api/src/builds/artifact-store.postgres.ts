/**
 * Artifacts in PostgreSQL, for replicas that share only their database: `artifact_chunks`, at
 * most CHUNK_BYTES a row. An artifact's chunks are written in one transaction (a reader never
 * sees part of one) and read one at a time, each when the reader wants more.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { Db } from "@pergola/db/client";
import { artifactChunks } from "@pergola/db/schema";
import { and, eq, sql } from "drizzle-orm";
import type { ArtifactStore } from "./artifact-store.js";

/** 1 MiB: a row PostgreSQL stores out of line, and what a reader holds at a time. */
export const CHUNK_BYTES = 1024 * 1024;

export class PostgresArtifactStore implements ArtifactStore {
  readonly kind = "postgres";

  constructor(private readonly db: Db) {}

  async put(sha256: string, path: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      let seq = 0;
      for await (const data of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
        // Another replica storing the same bytes at the same time wrote the same chunks.
        await tx
          .insert(artifactChunks)
          .values({ sha256, seq: seq++, data: data as Buffer })
          .onConflictDoNothing();
      }
    });
  }

  async open(sha256: string) {
    const [found] = await this.db
      .select({ chunks: sql<number>`count(*)::int`, size: sql<string>`coalesce(sum(octet_length(${artifactChunks.data})), 0)::bigint` })
      .from(artifactChunks)
      .where(eq(artifactChunks.sha256, sha256));
    const chunks = found?.chunks ?? 0;
    if (chunks === 0) return null;
    const db = this.db;
    async function* read() {
      for (let seq = 0; seq < chunks; seq++) {
        const [row] = await db
          .select({ data: artifactChunks.data })
          .from(artifactChunks)
          .where(and(eq(artifactChunks.sha256, sha256), eq(artifactChunks.seq, seq)));
        if (!row) throw new Error(`artifact ${sha256}: chunk ${seq} of ${chunks} is gone`);
        yield row.data;
      }
    }
    return { stream: Readable.from(read(), { objectMode: false }), size: Number(found!.size) };
  }

  async has(sha256: string): Promise<boolean> {
    const [row] = await this.db
      .select({ seq: artifactChunks.seq })
      .from(artifactChunks)
      .where(and(eq(artifactChunks.sha256, sha256), eq(artifactChunks.seq, 0)));
    return row !== undefined;
  }

  async delete(sha256: string): Promise<void> {
    await this.db.delete(artifactChunks).where(eq(artifactChunks.sha256, sha256));
  }
}

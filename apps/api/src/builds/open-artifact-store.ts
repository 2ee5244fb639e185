/** Opens the artifact store (artifact-store.ts) the configuration names. */
import type { Database } from "@pergola/db/client";
import type { ArtifactStore, ArtifactStoreOptions } from "./artifact-store.js";

/**
 * Opens the store `options` names; `dir` is the disk store's directory. Each store's code is
 * loaded only when used. The `postgres` store needs PostgreSQL: the embedded database has one
 * connection, which an upload's transaction holds while the store writes.
 */
export async function openArtifactStore(options: ArtifactStoreOptions, database: Database, dir: string): Promise<ArtifactStore> {
  switch (options.kind) {
    case "disk": {
      const { DiskArtifactStore } = await import("./artifact-store.disk.js");
      return new DiskArtifactStore(dir);
    }
    case "postgres": {
      if (database.driver !== "postgres") {
        throw new Error(
          "the postgres artifact store needs PostgreSQL (DATABASE_URL); the embedded database keeps artifacts on disk or in S3",
        );
      }
      const { PostgresArtifactStore } = await import("./artifact-store.postgres.js");
      return new PostgresArtifactStore(database.db);
    }
    case "s3": {
      const { S3ArtifactStore } = await import("./artifact-store.s3.js");
      return new S3ArtifactStore(options);
    }
  }
}

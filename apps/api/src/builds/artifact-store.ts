/**
 * Where an artifact's bytes are kept, apart from what Pergola knows of it (the `artifacts` rows,
 * artifact.service.ts). Three stores, one contract, the same tests (artifact-store.test.ts):
 *  - `disk`: files under `<dataDir>/artifacts` — one API process, or the embedded database;
 *  - `postgres`: chunks in the database every replica shares (the default with DATABASE_URL);
 *  - `s3`: an S3-compatible bucket (PERGOLA_ARTIFACTS_S3_*).
 * Every store is content-addressed by SHA-256 and streams both ways: no artifact is ever held in
 * memory whole. open-artifact-store.ts opens the one the configuration names.
 */
import type { Readable } from "node:stream";

export interface ArtifactStore {
  readonly kind: ArtifactStoreKind;
  /**
   * Keeps the file at `path` (`size` bytes, hashed and checked already) as `sha256`. The file
   * may be moved away. The same bytes again are harmless.
   */
  put(sha256: string, path: string, size: number): Promise<void>;
  /** The bytes of `sha256` as a stream, and their size; null when the store does not have them. */
  open(sha256: string): Promise<{ stream: Readable; size: number } | null>;
  has(sha256: string): Promise<boolean>;
  /** Forgets `sha256`'s bytes; nothing happens when there are none. */
  delete(sha256: string): Promise<void>;
}

export type ArtifactStoreKind = "disk" | "postgres" | "s3";

/** An S3-compatible bucket: AWS S3, MinIO, Ceph, R2, … */
export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Keys start with it (e.g. `pergola/`). Default: none. */
  prefix?: string;
  /** Another service than AWS S3 (`http://minio:9000`). Default: AWS's endpoint for `region`. */
  endpoint?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Default: the AWS SDK's own chain (environment, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `bucket` in the path rather than the host name; most non-AWS services need it. Default: true with `endpoint`. */
  forcePathStyle?: boolean;
}

export type ArtifactStoreOptions = { kind: "disk" } | { kind: "postgres" } | ({ kind: "s3" } & S3ArtifactStoreOptions);

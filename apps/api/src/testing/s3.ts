/**
 * An S3-compatible endpoint for tests: the one TEST_S3_ENDPOINT names (with TEST_S3_BUCKET,
 * TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET_ACCESS_KEY, optional TEST_S3_REGION: MinIO, AWS, …), or
 * else an s3rver started on 127.0.0.1 and a free port, over a temporary directory. Each call gets
 * a prefix of its own, so tests never see each other's objects.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import S3rver from "s3rver";
import type { S3ArtifactStoreOptions } from "../builds/artifact-store.js";

export interface TestS3 {
  options: S3ArtifactStoreOptions;
  close(): Promise<void>;
}

export async function startTestS3(): Promise<TestS3> {
  const prefix = `pergola-test-${randomUUID()}/`;
  const endpoint = process.env.TEST_S3_ENDPOINT;
  if (endpoint) {
    return {
      options: {
        endpoint,
        bucket: process.env.TEST_S3_BUCKET ?? "pergola-test",
        region: process.env.TEST_S3_REGION ?? "us-east-1",
        accessKeyId: process.env.TEST_S3_ACCESS_KEY_ID,
        secretAccessKey: process.env.TEST_S3_SECRET_ACCESS_KEY,
        prefix,
      },
      close: async () => {},
    };
  }
  const directory = mkdtempSync(join(tmpdir(), "pergola-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: "pergola" }] });
  const { port } = (await server.run()) as AddressInfo;
  return {
    // s3rver takes requests signed with its fixed credentials.
    options: { endpoint: `http://127.0.0.1:${port}`, bucket: "pergola", accessKeyId: "S3RVER", secretAccessKey: "S3RVER", prefix },
    close: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The artifact store the environment names, and the combinations it refuses. */
import { describe, expect, it } from "vitest";
import { artifactStoreOf, readEnv } from "./env.js";

describe("the artifact store's environment", () => {
  it("defaults to the server's choice, and names S3 when a bucket is set", () => {
    expect(artifactStoreOf(readEnv({}))).toBeUndefined();
    expect(artifactStoreOf(readEnv({ PERGOLA_ARTIFACTS_STORE: "disk", DATABASE_URL: "postgres://db/x" }))).toEqual({ kind: "disk" });
    expect(
      artifactStoreOf(
        readEnv({
          PERGOLA_ARTIFACTS_S3_BUCKET: "builds",
          PERGOLA_ARTIFACTS_S3_ENDPOINT: "http://minio:9000",
          PERGOLA_ARTIFACTS_S3_ACCESS_KEY_ID: "key",
          PERGOLA_ARTIFACTS_S3_SECRET_ACCESS_KEY: "secret",
          PERGOLA_ARTIFACTS_S3_FORCE_PATH_STYLE: "false",
          PERGOLA_ARTIFACTS_S3_PREFIX: "",
        }),
      ),
    ).toEqual({
      kind: "s3",
      bucket: "builds",
      endpoint: "http://minio:9000",
      accessKeyId: "key",
      secretAccessKey: "secret",
      forcePathStyle: false,
      region: undefined,
      prefix: undefined,
    });
  });

  it.each([
    [{ PERGOLA_ARTIFACTS_STORE: "s3" }, /s3 needs PERGOLA_ARTIFACTS_S3_BUCKET/],
    [{ PERGOLA_ARTIFACTS_STORE: "postgres" }, /postgres needs DATABASE_URL/],
    [{ PERGOLA_ARTIFACTS_STORE: "ftp" }, /PERGOLA_ARTIFACTS_STORE/],
    [{ PERGOLA_ARTIFACTS_S3_BUCKET: "b", PERGOLA_ARTIFACTS_S3_ACCESS_KEY_ID: "k" }, /ACCESS_KEY_ID and SECRET_ACCESS_KEY together/],
    [{ PERGOLA_MAX_ARTIFACT_BYTES: "0" }, /PERGOLA_MAX_ARTIFACT_BYTES/],
  ])("refuses %o, naming the variable", (source, message) => {
    expect(() => readEnv(source)).toThrow(message);
  });

  it("reads the upload limit in bytes", () => {
    expect(readEnv({ PERGOLA_MAX_ARTIFACT_BYTES: "1048576" }).PERGOLA_MAX_ARTIFACT_BYTES).toBe(1_048_576);
  });
});

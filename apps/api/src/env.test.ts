/** The API's environment: the artifact store, secrets from files, .env, the team's settings. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { artifactStoreOf, loadEnvFile, readEnv } from "./env.js";

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

describe("secrets from files, .env, and the team's settings", () => {
  const dir = mkdtempSync(join(tmpdir(), "pergola-env-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a secret from <NAME>_FILE, without the file's final newline", () => {
    const file = join(dir, "admin-token");
    writeFileSync(file, "pgl_from_a_file_0123456789abcdef\n");
    expect(readEnv({ PERGOLA_ADMIN_TOKEN_FILE: file }).PERGOLA_ADMIN_TOKEN).toBe("pgl_from_a_file_0123456789abcdef");
    const url = join(dir, "database-url");
    writeFileSync(url, "postgres://pergola:s3cret@db:5432/pergola\r\n");
    expect(readEnv({ DATABASE_URL_FILE: url }).DATABASE_URL).toBe("postgres://pergola:s3cret@db:5432/pergola");
  });

  it("refuses a secret set twice, or a file it cannot read, naming the variable", () => {
    expect(() => readEnv({ PERGOLA_SECRET_KEY: "x", PERGOLA_SECRET_KEY_FILE: "/nowhere" })).toThrow(
      /PERGOLA_SECRET_KEY_FILE: set PERGOLA_SECRET_KEY or PERGOLA_SECRET_KEY_FILE, not both/,
    );
    expect(() => readEnv({ PERGOLA_OIDC_CLIENT_SECRET_FILE: join(dir, "missing") })).toThrow(
      /PERGOLA_OIDC_CLIENT_SECRET_FILE: cannot read .*missing \(ENOENT\)/,
    );
  });

  it("validates what the secret's file held like the variable itself", () => {
    const file = join(dir, "bad-token");
    writeFileSync(file, "not-a-token");
    expect(() => readEnv({ PERGOLA_ADMIN_TOKEN_FILE: file })).toThrow(/PERGOLA_ADMIN_TOKEN: must look like pgl_/);
  });

  it("reads .env (PERGOLA_ENV_FILE) without overriding the environment", () => {
    const file = join(dir, "team.env");
    writeFileSync(file, "PERGOLA_TEST_DOTENV_A=from-file\nPERGOLA_TEST_DOTENV_B=from-file\n");
    process.env.PERGOLA_TEST_DOTENV_A = "from-environment";
    try {
      expect(loadEnvFile({ PERGOLA_ENV_FILE: file })).toBe(file);
      expect(process.env.PERGOLA_TEST_DOTENV_A).toBe("from-environment");
      expect(process.env.PERGOLA_TEST_DOTENV_B).toBe("from-file");
    } finally {
      delete process.env.PERGOLA_TEST_DOTENV_A;
      delete process.env.PERGOLA_TEST_DOTENV_B;
    }
    expect(() => loadEnvFile({ PERGOLA_ENV_FILE: join(dir, "absent.env") })).toThrow(/PERGOLA_ENV_FILE: .*absent.env does not exist/);
  });

  it("takes the pool size and the allowed origins", () => {
    const env = readEnv({ DATABASE_POOL_SIZE: "25", PERGOLA_ALLOWED_ORIGINS: "https://dash.example.com, http://localhost:3001/" });
    expect(env.DATABASE_POOL_SIZE).toBe(25);
    expect(env.PERGOLA_ALLOWED_ORIGINS).toEqual(["https://dash.example.com", "http://localhost:3001"]);
    expect(readEnv({}).DATABASE_POOL_SIZE).toBe(10);
    expect(() => readEnv({ PERGOLA_ALLOWED_ORIGINS: "dash.example.com" })).toThrow(/"dash.example.com" is not an origin/);
    expect(() => readEnv({ DATABASE_POOL_SIZE: "0" })).toThrow(/DATABASE_POOL_SIZE/);
  });

  it("takes a links domain, lowercased, and refuses what is not one", () => {
    expect(readEnv({ PERGOLA_LINKS_DOMAIN: "Apps.Example.com." }).PERGOLA_LINKS_DOMAIN).toBe("apps.example.com");
    expect(readEnv({}).PERGOLA_LINKS_DOMAIN).toBeUndefined();
    expect(() => readEnv({ PERGOLA_LINKS_DOMAIN: "https://apps.example.com" })).toThrow(/PERGOLA_LINKS_DOMAIN: must be a domain name/);
  });
});

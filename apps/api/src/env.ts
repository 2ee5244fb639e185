/**
 * The API's environment, validated once at start-up. Nothing else reads `process.env`. A `.env`
 * file in the working directory (or the file PERGOLA_ENV_FILE names) is read first; what the
 * environment sets wins over it. Each secret may come from a file instead (`<NAME>_FILE`, as
 * container platforms mount secrets).
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { LINKS_DOMAIN_PATTERN } from "@pergola/runtime/links";
import { z } from "zod";
import type { ArtifactStoreOptions } from "./builds/artifact-store.js";

/** An empty variable (`NAME=` in a .env file) counts as unset. */
const emptyAsUnset = z.literal("").transform(() => undefined);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === "" ? undefined : v));
const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
  .optional()
  .or(emptyAsUnset);
const apiToken = z
  .string()
  .regex(/^pgl_[A-Za-z0-9_-]{20,}$/, "must look like pgl_ followed by at least 20 letters, digits, _ or -")
  .optional()
  .or(emptyAsUnset);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default("127.0.0.1"),
  PERGOLA_DATA_DIR: z.string().default("./.pergola"),
  DATABASE_URL: postgresUrl,
  /**
   * A direct connection to the same database, for LISTEN and migrations, when DATABASE_URL goes
   * through a transaction-mode pooler (pgbouncer); statements are then sent unnamed.
   */
  DATABASE_LISTEN_URL: postgresUrl,
  PERGOLA_ADMIN_TOKEN: apiToken,
  /** The admin user the first start creates (and prints a one-time password for). */
  PERGOLA_ADMIN_EMAIL: z
    .string()
    .regex(/^[^\s@]{1,64}@[^\s@]{1,253}$/, "must be an email address")
    .default("admin@localhost"),
  /** Set by `npm start`: the token the local agent presents (the built-in `local` Outpost). */
  PERGOLA_LOCAL_AGENT_TOKEN: apiToken,
  /**
   * Single sign-on: the OpenID Connect provider's issuer URL (https; plain http only on
   * localhost/127.0.0.1). With the client id and secret below, the sign-in page offers SSO.
   */
  PERGOLA_OIDC_ISSUER: z
    .url()
    .refine((value) => {
      const url = new URL(value);
      return url.protocol === "https:" || (url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname));
    }, "must be an https:// URL (http:// only on localhost)")
    .optional()
    .or(emptyAsUnset),
  /** The client id Pergola is registered with at the provider (redirect URI: <public URL>/auth/oidc/callback). */
  PERGOLA_OIDC_CLIENT_ID: optionalText,
  /** That client's secret (sent with client_secret_basic). */
  PERGOLA_OIDC_CLIENT_SECRET: optionalText,
  PERGOLA_PUBLIC_URL: z.url().optional().or(emptyAsUnset),
  /** Encrypts secret Configuration values at rest: base64 of 32 bytes (openssl rand -base64 32). Unset: <data dir>/secret-key, made once. */
  PERGOLA_SECRET_KEY: z
    .string()
    .refine(
      (v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, "base64").length === 32,
      "must be 32 bytes, base64-encoded (openssl rand -base64 32)",
    )
    .optional()
    .or(emptyAsUnset),
  PERGOLA_MAX_ARTIFACT_MB: z.coerce.number().int().min(1).max(10_240).default(200),
  /** The largest upload in bytes; when set, it wins over PERGOLA_MAX_ARTIFACT_MB. */
  PERGOLA_MAX_ARTIFACT_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_240 * 1024 * 1024)
    .optional()
    .or(emptyAsUnset),
  /** Where artifacts' bytes go: disk, postgres or s3. Unset: s3 when a bucket is named, else postgres with DATABASE_URL, else disk. */
  PERGOLA_ARTIFACTS_STORE: z.enum(["disk", "postgres", "s3"]).optional().or(emptyAsUnset),
  PERGOLA_ARTIFACTS_S3_BUCKET: optionalText,
  PERGOLA_ARTIFACTS_S3_ENDPOINT: z.url().optional().or(emptyAsUnset),
  PERGOLA_ARTIFACTS_S3_REGION: optionalText,
  PERGOLA_ARTIFACTS_S3_PREFIX: optionalText,
  PERGOLA_ARTIFACTS_S3_ACCESS_KEY_ID: optionalText,
  PERGOLA_ARTIFACTS_S3_SECRET_ACCESS_KEY: optionalText,
  PERGOLA_ARTIFACTS_S3_FORCE_PATH_STYLE: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional()
    .or(emptyAsUnset),
  /** Artifacts no Build references are deleted once their last upload is this many hours old. */
  PERGOLA_ARTIFACT_GRACE_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 365)
    .default(24),
  /** An upload's archive, inflated: at most this many MiB and this many entries (a gzip bomb stops there). */
  PERGOLA_MAX_ARTIFACT_INFLATED_MB: z.coerce.number().int().min(1).max(102_400).default(1024),
  PERGOLA_MAX_ARTIFACT_ENTRIES: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  /**
   * The wildcard domain of the links' host form (`apps.example.com` → `http://web.dev.shop.apps.example.com/`),
   * for a DNS `*.apps.example.com` record pointing at the API or its balancer. Default: localhost.
   */
  PERGOLA_LINKS_DOMAIN: z
    .string()
    .transform((v) => v.toLowerCase().replace(/\.$/, ""))
    .refine((v) => LINKS_DOMAIN_PATTERN.test(v), "must be a domain name such as apps.example.com")
    .optional()
    .or(emptyAsUnset),
  /** With it, /metrics answers only `Authorization: Bearer <token>`; unset: open (keep it on a private network). */
  PERGOLA_METRICS_TOKEN: optionalText,
  /** Whose X-Forwarded-For names the caller: "loopback" (default), comma-separated addresses/subnets, or "false". */
  PERGOLA_TRUST_PROXY: z
    .string()
    .default("loopback")
    .transform((v) => (v === "false" ? false : v.includes(",") ? v.split(",").map((s) => s.trim()) : v)),
  /**
   * On SIGTERM, `/readyz` answers 503 at once and the API keeps serving this many seconds before
   * it closes, so a load balancer stops sending it new work first. Default 0.
   */
  PERGOLA_DRAIN_SECONDS: z.coerce.number().min(0).max(300).default(0),
  /** PostgreSQL connections each API process keeps open at most. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  /** Browser origins besides the API's own and PERGOLA_PUBLIC_URL that may use it (a dashboard on another host): comma-separated. */
  PERGOLA_ALLOWED_ORIGINS: z
    .string()
    .default("")
    .transform((value, context) => {
      const origins: string[] = [];
      for (const item of value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)) {
        const origin = URL.canParse(item) ? new URL(item).origin : "null";
        if (origin === "null") context.addIssue({ code: "custom", message: `"${item}" is not an origin (https://host[:port])` });
        else origins.push(origin);
      }
      return origins;
    }),
  DASHBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof schema>;

/** The artifact store the environment names (server.ts's default when it names none). */
export function artifactStoreOf(env: Env): ArtifactStoreOptions | undefined {
  const kind = env.PERGOLA_ARTIFACTS_STORE ?? (env.PERGOLA_ARTIFACTS_S3_BUCKET ? "s3" : undefined);
  if (kind !== "s3") return kind ? { kind } : undefined;
  return {
    kind,
    bucket: env.PERGOLA_ARTIFACTS_S3_BUCKET!,
    endpoint: env.PERGOLA_ARTIFACTS_S3_ENDPOINT,
    region: env.PERGOLA_ARTIFACTS_S3_REGION,
    prefix: env.PERGOLA_ARTIFACTS_S3_PREFIX,
    accessKeyId: env.PERGOLA_ARTIFACTS_S3_ACCESS_KEY_ID,
    secretAccessKey: env.PERGOLA_ARTIFACTS_S3_SECRET_ACCESS_KEY,
    forcePathStyle: env.PERGOLA_ARTIFACTS_S3_FORCE_PATH_STYLE,
  };
}

/** A direct connection beside a pooled one: only with DATABASE_URL. */
function checkListenUrl(env: Env): string | undefined {
  return env.DATABASE_LISTEN_URL && !env.DATABASE_URL
    ? "  DATABASE_LISTEN_URL: set it beside DATABASE_URL (the pooled connection), not alone"
    : undefined;
}

/** The S3 store needs its bucket; the postgres one, PostgreSQL. */
function checkArtifactStore(env: Env): string | undefined {
  if (env.PERGOLA_ARTIFACTS_STORE === "s3" && !env.PERGOLA_ARTIFACTS_S3_BUCKET) {
    return "  PERGOLA_ARTIFACTS_STORE: s3 needs PERGOLA_ARTIFACTS_S3_BUCKET";
  }
  if (env.PERGOLA_ARTIFACTS_STORE === "postgres" && !env.DATABASE_URL) {
    return "  PERGOLA_ARTIFACTS_STORE: postgres needs DATABASE_URL (the embedded database keeps artifacts on disk or in S3)";
  }
  if (Boolean(env.PERGOLA_ARTIFACTS_S3_ACCESS_KEY_ID) !== Boolean(env.PERGOLA_ARTIFACTS_S3_SECRET_ACCESS_KEY)) {
    return "  PERGOLA_ARTIFACTS_S3_*: set ACCESS_KEY_ID and SECRET_ACCESS_KEY together (or neither, for the AWS SDK's own credentials)";
  }
  return undefined;
}

/** SSO takes all three PERGOLA_OIDC_* variables or none. */
function checkOidc(env: Env): string | undefined {
  const set = [env.PERGOLA_OIDC_ISSUER, env.PERGOLA_OIDC_CLIENT_ID, env.PERGOLA_OIDC_CLIENT_SECRET].filter(Boolean).length;
  return set === 0 || set === 3
    ? undefined
    : "  PERGOLA_OIDC_*: set PERGOLA_OIDC_ISSUER, PERGOLA_OIDC_CLIENT_ID and PERGOLA_OIDC_CLIENT_SECRET together (or none)";
}

/** The secrets that may be read from a file: `<NAME>_FILE=/run/secrets/…`. */
export const SECRET_VARIABLES = [
  "DATABASE_URL",
  "DATABASE_LISTEN_URL",
  "PERGOLA_ADMIN_TOKEN",
  "PERGOLA_LOCAL_AGENT_TOKEN",
  "PERGOLA_SECRET_KEY",
  "PERGOLA_OIDC_CLIENT_SECRET",
  "PERGOLA_ARTIFACTS_S3_SECRET_ACCESS_KEY",
  "PERGOLA_METRICS_TOKEN",
] as const;

/**
 * Reads `.env` in the working directory, or the file PERGOLA_ENV_FILE names (which must exist),
 * into process.env; variables the environment already has keep their values. Returns the
 * file's path, or undefined when there is none.
 */
export function loadEnvFile(source: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = resolve(source.PERGOLA_ENV_FILE || ".env");
  if (!existsSync(path)) {
    if (source.PERGOLA_ENV_FILE) throw new Error(`Invalid environment:\n  PERGOLA_ENV_FILE: ${path} does not exist`);
    return undefined;
  }
  process.loadEnvFile(path);
  return path;
}

/** `source` with each `<NAME>_FILE` read into `<NAME>`; the problems, one line each. */
function readSecretFiles(source: NodeJS.ProcessEnv): { values: NodeJS.ProcessEnv; problems: string[] } {
  const values = { ...source };
  const problems: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const file = source[`${name}_FILE`];
    if (!file) continue;
    if (source[name]) {
      problems.push(`  ${name}_FILE: set ${name} or ${name}_FILE, not both`);
      continue;
    }
    try {
      // A file's final newline (echo, most editors) is not part of the secret.
      values[name] = readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch (error) {
      problems.push(`  ${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  return { values, problems };
}

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const secrets = readSecretFiles(source);
  if (secrets.problems.length > 0) throw new Error(`Invalid environment:\n${secrets.problems.join("\n")}`);
  const parsed = schema.safeParse(secrets.values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid environment:\n${problems}`);
  }
  const problems = [checkOidc(parsed.data), checkArtifactStore(parsed.data), checkListenUrl(parsed.data)].filter(Boolean);
  if (problems.length > 0) throw new Error(`Invalid environment:\n${problems.join("\n")}`);
  return parsed.data;
}

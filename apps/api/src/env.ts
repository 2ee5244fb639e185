/** The API's environment, validated once at start-up. Nothing else reads `process.env`. */
import { z } from "zod";

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default("127.0.0.1"),
  PERGOLA_DATA_DIR: z.string().default("./.pergola"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  PERGOLA_ADMIN_TOKEN: z
    .string()
    .regex(/^pgl_[A-Za-z0-9_-]{20,}$/, "must look like pgl_ followed by at least 20 letters, digits, _ or -")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** The admin user the first start creates (and prints a one-time password for). */
  PERGOLA_ADMIN_EMAIL: z.string().regex(/^[^\s@]{1,64}@[^\s@]{1,253}$/, "must be an email address").default("admin@localhost"),
  /** Set by `npm start`: the token the local agent presents (the built-in `local` Outpost). */
  PERGOLA_LOCAL_AGENT_TOKEN: z
    .string()
    .regex(/^pgl_[A-Za-z0-9_-]{20,}$/, "must look like pgl_ followed by at least 20 letters, digits, _ or -")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  PERGOLA_PUBLIC_URL: z.url().optional().or(z.literal("").transform(() => undefined)),
  PERGOLA_MAX_ARTIFACT_MB: z.coerce.number().int().min(1).max(10_240).default(200),
  DASHBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof schema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid environment:\n${problems}`);
  }
  return parsed.data;
}

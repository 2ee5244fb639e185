/** The agent's environment, validated once at start-up. Nothing else reads `process.env`. */
import { parseDuration } from "@pergola/schema/time";
import { z } from "zod";

const optional = <T extends z.ZodType>(type: T) => type.optional().or(z.literal("").transform(() => undefined));

const schema = z.object({
  /** The API's URL (http(s)://host:port); the agent dials `<server>/graphql` over WebSocket. */
  PERGOLA_SERVER: optional(z.url()),
  /** The Outpost's agent token (role AGENT). Components never inherit it (their env is built from scratch). */
  PERGOLA_AGENT_TOKEN: optional(z.string().min(1)),
  /** A file holding the agent token (mode 0600), instead of PERGOLA_AGENT_TOKEN. */
  PERGOLA_AGENT_TOKEN_FILE: optional(z.string().min(1)),
  /** Serve /healthz on this port (0: any free one, logged). Unset: no /healthz. */
  PERGOLA_AGENT_HEALTH_PORT: optional(z.coerce.number().int().min(0).max(65_535)),
  /** The address /healthz listens on: loopback unless a monitor elsewhere must reach it. */
  PERGOLA_AGENT_HEALTH_HOST: z.string().min(1).default("127.0.0.1"),
  /** Where the links gateway listens (host:port) when that is not the public URL's: behind NAT, in a container. */
  PERGOLA_AGENT_LINKS_LISTEN: z
    .string()
    .regex(/^(\[[^\]]+\]|[^:]+):\d{1,5}$/, "host:port, such as 0.0.0.0:8000")
    .refine((v) => Number(v.slice(v.lastIndexOf(":") + 1)) <= 65_535, "the port is 0 to 65535")
    .optional(),
  /** Where this agent's gateway serves the Stages' links (remote Outposts). */
  PERGOLA_PUBLIC_URL: optional(z.url()),
  /** The agent's own data: `runtime/` (storage, run dirs) and `artifacts/` (unpacked Builds). */
  PERGOLA_DATA_DIR: z.string().default("./.pergola"),
  /** A Release's archive, inflated: at most this many MiB and entries before it is unpacked (as the API's limits). */
  PERGOLA_MAX_ARTIFACT_INFLATED_MB: z.coerce.number().int().min(1).max(102_400).default(1024),
  PERGOLA_MAX_ARTIFACT_ENTRIES: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  /** How long a new Release starting beside the running one has to be ready (all services running and healthy) before it fails. */
  PERGOLA_ROLLOUT_TIMEOUT: z
    .string()
    .default("5m")
    .refine((text) => (parseDuration(text) ?? 0) >= 1000, "a duration of at least 1s, such as 90s or 5m"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof schema>;

/** Every variable the agent reads (deploy/agent.env.example names no other). */
export const ENV_NAMES: readonly string[] = Object.keys(schema.shape);

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid environment:\n${problems}`);
  }
  return parsed.data;
}

/** The environment the CLI reads, validated once. Nothing else reads `process.env`. */
import { homedir } from "node:os";
import { z } from "zod";
import { badInput } from "./errors.js";

const schema = z.object({
  /** Overrides the endpoint saved by `pergola login`. */
  PERGOLA_ENDPOINT: z.string().url().optional(),
  /** Overrides the access key saved by `pergola login`. */
  PERGOLA_ACCESS_KEY: z.string().min(1).optional(),
  /** The password for `pergola login --email`, for scripts (else it is asked, or read from stdin). */
  PERGOLA_PASSWORD: z.string().min(1).optional(),
  /** Where config.json lives: `$XDG_CONFIG_HOME/pergola/`, default `~/.config/pergola/`. */
  XDG_CONFIG_HOME: z.string().min(1).optional(),
  /** Set (to anything) to turn off colours and the spinner. */
  NO_COLOR: z.string().optional(),
});

export type CliEnv = z.infer<typeof schema> & { home: string };

let cached: CliEnv | undefined;

export function readEnv(): CliEnv {
  if (cached) return cached;
  const empty = Object.fromEntries(Object.entries(process.env).map(([k, v]) => [k, v === "" ? undefined : v]));
  const parsed = schema.safeParse(empty);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badInput(`environment variable ${issue.path.join(".")}: ${issue.message}`);
  }
  cached = { ...parsed.data, home: homedir() };
  return cached;
}

/**
 * The dashboard's server-side environment, validated once. Read only by server code (route
 * handlers and server components); the browser learns the API's URL from the root layout.
 */
import { z } from "zod";

const schema = z.object({
  /** Where the API listens (HTTP and its `/graphql` WebSocket). `scripts/start.mjs` sets it. */
  PERGOLA_API_URL: z.url().default("http://127.0.0.1:4000"),
});

let cached: z.infer<typeof schema> | undefined;

export function getEnv(): z.infer<typeof schema> {
  cached ??= schema.parse({ PERGOLA_API_URL: process.env.PERGOLA_API_URL || undefined });
  return cached;
}

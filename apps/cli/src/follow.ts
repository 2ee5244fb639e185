/**
 * A subscription that survives a lost connection: graphql-ws does not resume by itself, so
 * each event's cursor is remembered and, after the socket drops, the subscription is opened
 * again `after` it (exponential back-off with jitter, at most 10 s apart). The log replays
 * what was missed: no gap, no duplicate. Authentication and input errors end it.
 */
import type { TypedDocument } from "@pergola/schema";
import { type Backoff, backoffDelay, formatDelay } from "@pergola/schema/time";
import type { ApiClient } from "./client.js";
import { CliError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";

/** Reconnects: 0.5 s, doubling up to 10 s, ±20 %. */
const RESUME_BACKOFF: Backoff = { initialMs: 500, maxMs: 10_000, jitter: 0.2 };

export async function followResumable<R, V extends object>(
  client: ApiClient,
  document: TypedDocument<R, V>,
  variables: V,
  /** Handles one payload; returns its cursor, or "stop". */
  onData: (data: R) => string | "stop" | Promise<string | "stop">,
  options: { resume: boolean } = { resume: true },
): Promise<void> {
  // A subscription without `after` (one that starts with a snapshot) is simply opened again.
  let after = (variables as { after?: string | null }).after ?? null;
  let failures = 0;
  for (;;) {
    const sub = client.subscribe(document, ("after" in variables ? { ...variables, after } : variables) as V, async (data) => {
      const cursor = await onData(data);
      if (cursor === "stop") return "stop";
      after = cursor;
      failures = 0;
    });
    try {
      await sub.done;
      return;
    } catch (error) {
      if (!options.resume || !(error instanceof CliError) || error.exitCode !== ExitCode.UNREACHABLE) throw error;
      failures += 1;
      const delay = backoffDelay(failures - 1, RESUME_BACKOFF);
      process.stderr.write(
        `connection lost (${error.message.split(" (")[0]}); ${"after" in variables ? `resuming after cursor ${after ?? "start"}` : "subscribing again"} in ${formatDelay(delay)}\n`,
      );
      await client.resetSocket();
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

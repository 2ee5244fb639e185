/**
 * One error type for the CLI: a one-line message and the exit code it ends with. Everything
 * that can go wrong (API errors, an unreachable server, bad flags, local files) becomes a
 * CliError before it reaches `cli.ts`, which prints `error: <message>` and exits; no stack trace.
 */
import { isErrorCode, type ErrorCode } from "@pergola/schema";
import { ExitCode, exitCodeOf, labelOf } from "./exit-codes.js";

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.ERROR,
    /** Lines printed after the message (a manifest's problems, say). */
    readonly details: string[] = [],
    /** The API's error code (extensions.code), when the API answered with one. */
    readonly code?: ErrorCode,
    /** The API's own message (errors[0].message), before the CLI worded it for a person. */
    readonly apiMessage?: string,
  ) {
    super(message);
  }
}

export interface ApiErrorBody {
  message: string;
  extensions?: Record<string, unknown>;
}

/** An error the API answered with (`errors[0]`), as a CliError. */
export function fromApiError(error: ApiErrorBody): CliError {
  const code: ErrorCode = isErrorCode(error.extensions?.code) ? error.extensions.code : "INTERNAL_SERVER_ERROR";
  const details = problemsOf(error.extensions?.problems);
  // "not found: Project "x" not found" says it twice.
  let message = error.message.toLowerCase().includes(labelOf[code]) ? error.message : `${labelOf[code]}: ${error.message}`;
  if (code === "UNAUTHENTICATED") message += " (check the access key: pergola login, --access-key or PERGOLA_ACCESS_KEY)";
  if (code === "RESYNC_REQUIRED") message += " (start again without --after, or with a newer cursor)";
  return new CliError(message, exitCodeOf[code], details, code, error.message);
}

function problemsOf(problems: unknown): string[] {
  if (!Array.isArray(problems)) return [];
  return problems.map((p: { path?: string; message?: string }) => `  ${p.path ? `${p.path}: ` : ""}${p.message ?? String(p)}`);
}

/** A fetch or socket failure, as the message a person can act on. */
export function unreachable(endpoint: string, cause: unknown): CliError {
  const inner = (cause as { cause?: { code?: string; message?: string } })?.cause;
  const code = inner?.code ?? (cause as { code?: string })?.code;
  const text = inner?.message ?? (cause instanceof Error ? cause.message : String(cause));
  const why = code === "ECONNREFUSED" ? "connection refused" : code === "ENOTFOUND" ? "unknown host" : code ? `${code}: ${text}` : text;
  return new CliError(
    `cannot reach the Pergola API at ${endpoint} (${why}); is it running? Set the endpoint with pergola login --endpoint URL, --endpoint or PERGOLA_ENDPOINT`,
    ExitCode.UNREACHABLE,
  );
}

export function badInput(message: string): CliError {
  return new CliError(message, ExitCode.BAD_INPUT);
}

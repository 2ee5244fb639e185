/**
 * Logging rules for the whole server: errors are logged without the SQL parameters drizzle
 * attaches to them (`Failed query: … params: …`), because parameters carry config values and
 * secrets. Applied once, to the server's logger, so every `logger.error({ err })` obeys it.
 */
import { pino, type Logger } from "pino";

type Serialized = Record<string, unknown> & { message?: string; stack?: string; cause?: unknown };

function withoutParams(text: string | undefined): string | undefined {
  // Every occurrence: pino folds the causes' stacks into one `stack` ("caused by: …").
  return text?.replace(/\nparams: [\s\S]*?(?=\n {4}at |\ncaused by: |$)/g, "\nparams: [redacted]");
}

export function serializeError(error: unknown): unknown {
  const base = pino.stdSerializers.err(error as Error) as Serialized;
  if (!base || typeof base !== "object") return base;
  const { params: _params, ...rest } = base as Serialized & { params?: unknown };
  return {
    ...rest,
    message: withoutParams(rest.message),
    stack: withoutParams(rest.stack),
    ...(rest.cause ? { cause: serializeError(rest.cause) } : {}),
  };
}

export function withSafeErrors(logger: Logger): Logger {
  return logger.child({}, { serializers: { err: serializeError } });
}

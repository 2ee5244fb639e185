/**
 * `health`, our addition to Pergola's format: the probe behind Component.health.
 *
 *   health:
 *     http: { path: /healthz, port: 8080 }   # or  command: pg_isready
 *     interval: 10s                           # durations are strings with a unit
 *     timeout: 5s
 *     threshold: 3
 */
import { isPresent, readCommand, readFields, readInteger, readString } from "./fields.js";
import type { Health, HealthProbe } from "./manifest.type.js";
import { readDeclaredPort } from "./network.js";
import type { Scope } from "./problems.js";
import { parseDuration } from "@pergola/schema/time";

export const HEALTH_DEFAULTS = { intervalMs: 10_000, timeoutMs: 5_000, threshold: 3 } as const;

export function readHealth(value: unknown, scope: Scope, ports: readonly number[] | undefined): Health | undefined {
  const fields = readFields(value, scope, ["http", "command", "interval", "timeout", "threshold"]);
  if (!fields) return undefined;
  const before = scope.count;
  let probe: HealthProbe | undefined;
  if (isPresent(fields.http) && isPresent(fields.command)) scope.report("use either http or command, not both");
  else if (isPresent(fields.http)) {
    const http = readHttpProbe(fields.http, scope.at("http"), ports);
    if (http) probe = { http };
  } else if (isPresent(fields.command)) {
    const command = readCommand(fields.command, scope.at("command"));
    if (command !== undefined) probe = { command };
  } else scope.report("needs http or command");

  const intervalMs = readDurationField(fields.interval, scope.at("interval"), HEALTH_DEFAULTS.intervalMs);
  const timeoutMs = readDurationField(fields.timeout, scope.at("timeout"), HEALTH_DEFAULTS.timeoutMs);
  if (intervalMs !== undefined && intervalMs < 1000) scope.at("interval").report("must be at least 1s");
  if (intervalMs !== undefined && timeoutMs !== undefined && timeoutMs > intervalMs) {
    scope.at("timeout").report("must not be longer than interval");
  }
  const threshold = isPresent(fields.threshold) ? readInteger(fields.threshold, scope.at("threshold"), 1) : HEALTH_DEFAULTS.threshold;
  if (scope.count !== before || !probe || intervalMs === undefined || timeoutMs === undefined || threshold === undefined) {
    return undefined;
  }
  return { ...probe, intervalMs, timeoutMs, threshold };
}

function readHttpProbe(value: unknown, scope: Scope, ports: readonly number[] | undefined): { path: string; port: number } | undefined {
  const fields = readFields(value, scope, ["path", "port"]);
  if (!fields) return undefined;
  const path = isPresent(fields.path) ? readString(fields.path, scope.at("path")) : "/";
  if (path !== undefined && !path.startsWith("/")) {
    scope.at("path").report("must start with /");
    return undefined;
  }
  const port = readDeclaredPort(fields.port, scope.at("port"), ports);
  return path === undefined || port === undefined ? undefined : { path, port };
}

/** A duration with its unit (`10s`); a bare number is refused, since seconds or milliseconds would be a guess. */
function readDurationField(value: unknown, scope: Scope, fallback: number): number | undefined {
  if (!isPresent(value)) return fallback;
  if (typeof value === "number") {
    scope.report(`must be a duration with a unit, such as "${value}s"`);
    return undefined;
  }
  const text = readString(value, scope);
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    scope.report("not a duration (such as 10s, 500ms or 1m)");
    return undefined;
  }
  return ms;
}

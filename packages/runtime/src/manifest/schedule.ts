/** `scheduled` and `max-retries`: whether a Component is a service, a once-per-Release job or a cron job. */
import { Cron } from "croner";
import { isPresent, readInteger, readString, type Fields } from "./fields.js";
import type { ComponentKind } from "./manifest.type.js";
import type { Scope } from "./problems.js";

/** Runs once per Release, to completion. */
export const RELEASE_SCHEDULE = "@release";
/** Pergola retries a failed `@release` run 3 times (back-off 10 s, 20 s, 40 s). */
export const DEFAULT_MAX_RETRIES = 3;

export function getComponentKind(scheduled: string | undefined): ComponentKind {
  if (scheduled === undefined) return "SERVICE";
  return scheduled === RELEASE_SCHEDULE ? "JOB" : "CRON";
}

/**
 * Why `expression` is not a cron expression as Pergola reads it — five fields (minute, hour,
 * day of month, month, day of week), in UTC — or undefined when it is one. Parsed by croner,
 * the library the runtime schedules with, so what passes here is what runs.
 */
export function getCronProblem(expression: string): string | undefined {
  if (expression.trim().startsWith("@")) {
    return `unknown directive ${expression.trim()} (use @release or a cron expression such as "0 2 * * *")`;
  }
  let cron: Cron;
  try {
    cron = new Cron(expression, { paused: true, timezone: "UTC", mode: "5-part" });
  } catch {
    return "not a cron expression";
  }
  const next = cron.nextRun();
  cron.stop();
  return next ? undefined : "never runs (no date matches this cron expression)";
}

export interface Schedule {
  kind: ComponentKind;
  scheduled?: string;
  maxRetries?: number;
}

/** `scheduled` and `max-retries`; undefined when either has a problem. */
export function readSchedule(fields: Fields, scope: Scope): Schedule | undefined {
  let scheduled: string | undefined;
  if (isPresent(fields.scheduled)) {
    scheduled = readString(fields.scheduled, scope.at("scheduled"))?.trim();
    const problem = scheduled === undefined || scheduled === RELEASE_SCHEDULE ? undefined : getCronProblem(scheduled);
    if (problem) scope.at("scheduled").report(problem);
    // Without a readable schedule the kind is unknown, so max-retries is only checked for its type.
    if (scheduled === undefined || problem !== undefined) {
      if (isPresent(fields["max-retries"])) readInteger(fields["max-retries"], scope.at("max-retries"), 0);
      return undefined;
    }
  }
  const kind = getComponentKind(scheduled);
  let maxRetries = kind === "JOB" ? DEFAULT_MAX_RETRIES : undefined;
  if (isPresent(fields["max-retries"])) {
    const written = readInteger(fields["max-retries"], scope.at("max-retries"), 0);
    if (written === undefined) return undefined;
    if (kind !== "JOB") {
      scope.at("max-retries").report(`only allowed with scheduled: "${RELEASE_SCHEDULE}"`);
      return undefined;
    }
    maxRetries = written;
  }
  return { kind, ...(scheduled !== undefined && { scheduled }), ...(maxRetries !== undefined && { maxRetries }) };
}

/**
 * What makes usage input well-formed: a sample an agent reports, and the `since` and `step` of
 * `Component.metrics`. Bad input is BAD_USER_INPUT naming the field, before any SQL.
 */
import { USAGE } from "@pergola/schema";
import { badInput } from "../errors.js";

/** One sample as `reportUsage` takes it (UsageSampleInput). */
export interface Sample {
  stageId: string;
  component: string;
  at: Date;
  cpuSecondsTotal: number;
  cpu: number;
  memoryBytes: bigint;
  openFiles: number;
}

export interface SeriesRequest {
  since: Date;
  /** Seconds per point; null: the resolution kept at `since`. */
  step?: number | null;
}

/** A Component's name is as long as a display name may be (graphql/input-rules.ts `name`). */
const MAX_COMPONENT_NAME = 200;
/** A `since` this much older than the history still counts as "a day ago" (a client's clock, the request's way). */
const SINCE_SLACK_MS = 60_000;
const LONGEST_STEP = USAGE.historySeconds;

export function checkSample(sample: Sample, index: number): void {
  const at = (field: string) => `samples[${index}].${field}`;
  if (sample.component.length === 0 || sample.component.length > MAX_COMPONENT_NAME)
    throw badInput(at("component"), `1 to ${MAX_COMPONENT_NAME} characters`);
  if (Number.isNaN(sample.at.getTime())) throw badInput(at("at"), "not a time");
  for (const field of ["cpuSecondsTotal", "cpu"] as const) {
    if (!Number.isFinite(sample[field]) || sample[field] < 0) throw badInput(at(field), "must be a number ≥ 0");
  }
  if (sample.memoryBytes > BigInt(Number.MAX_SAFE_INTEGER)) throw badInput(at("memoryBytes"), "at most 2^53 - 1");
  if (!Number.isInteger(sample.openFiles) || sample.openFiles < 0) throw badInput(at("openFiles"), "must be a whole number ≥ 0");
}

/**
 * `since` within the history kept (24 h), and a step of at least the sampling interval that
 * gives at most USAGE.maxPoints points up to `now`. Without a step: the resolution kept at
 * `since` (10 s within the last hour, 60 s before).
 */
export function checkSeriesRequest(request: SeriesRequest, now: Date): { since: Date; step: number } {
  const { since } = request;
  const oldest = now.getTime() - USAGE.historySeconds * 1000;
  if (since.getTime() < oldest - SINCE_SLACK_MS) {
    throw badInput("since", `usage is kept for ${USAGE.historySeconds / 3600} hours: ask for ${new Date(oldest).toISOString()} or later`, {
      oldest: new Date(oldest).toISOString(),
    });
  }
  const kept = since.getTime() >= now.getTime() - USAGE.rawSeconds * 1000 ? USAGE.sampleSeconds : USAGE.downsampledStepSeconds;
  const step = request.step ?? kept;
  if (!Number.isInteger(step) || step < USAGE.sampleSeconds || step > LONGEST_STEP) {
    throw badInput(
      "step",
      `seconds per point, from ${USAGE.sampleSeconds} (the agent samples every ${USAGE.sampleSeconds} s) to ${LONGEST_STEP}`,
    );
  }
  const points = Math.ceil((now.getTime() - since.getTime()) / 1000 / step);
  if (points > USAGE.maxPoints) {
    const least = Math.ceil((now.getTime() - since.getTime()) / 1000 / USAGE.maxPoints);
    throw badInput("step", `${points} points from \`since\`; at most ${USAGE.maxPoints}: ask for a step of ${least} seconds or more`, {
      suggestion: least,
    });
  }
  return { since, step };
}

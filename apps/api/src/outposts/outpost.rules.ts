/** The rules of Outpost input, checked at the edge: each problem names its field. */
import { slugProblem } from "../common/slug.js";
import { badInput } from "../errors.js";

const URI = /^outpost:\/\/([^/?#\s]*)\/?$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}=[A-Za-z0-9._-]{0,63}$/;

/** `outpost://<slug>` → the slug, or what is wrong with it. */
export function parseOutpostUri(uri: string): { slug: string } | { problem: string } {
  const match = URI.exec(uri.trim());
  if (!match) return { problem: `"${uri}" is not an Outpost URI: expected outpost://<outpost-id>` };
  const slug = match[1]!;
  const problem = slug === "" ? "the URI names no Outpost" : slugProblem(slug);
  return problem ? { problem: `"${uri}": ${problem}` } : { slug };
}

/** Labels are `key=value` strings, as Kubernetes spells them; at most 50. */
export function checkLabels(labels: string[]): string[] {
  if (labels.length > 50) throw badInput("labels", "at most 50 labels");
  labels.forEach((label, i) => {
    if (!LABEL.test(label)) throw badInput(`labels[${i}]`, `"${label}" is not key=value (letters, digits, . _ - and / in keys)`);
  });
  return [...new Set(labels)];
}

export function checkText(field: string, value: string | null | undefined, max: number): string | null {
  if (value == null) return null;
  const text = value.trim();
  if (text.length > max) throw badInput(field, `at most ${max} characters`);
  return text === "" ? null : text;
}

/**
 * Heartbeat every 5 s, OFFLINE after 20 s of silence (the defaults): the grace must exceed the time
 * to notice a dead socket and reconnect, so it is at least twice the interval.
 */
export function checkHeartbeatSettings(interval: number | null | undefined, offlineAfter: number | null | undefined) {
  const heartbeatIntervalSeconds = interval ?? 5;
  const offlineAfterSeconds = offlineAfter ?? Math.max(20, heartbeatIntervalSeconds * 4);
  if (!Number.isInteger(heartbeatIntervalSeconds) || heartbeatIntervalSeconds < 1 || heartbeatIntervalSeconds > 300) {
    throw badInput("heartbeatIntervalSeconds", "must be a whole number of seconds between 1 and 300");
  }
  if (!Number.isInteger(offlineAfterSeconds) || offlineAfterSeconds < heartbeatIntervalSeconds * 2 || offlineAfterSeconds > 3600) {
    throw badInput(
      "offlineAfterSeconds",
      `must be between twice the heartbeat interval (${heartbeatIntervalSeconds * 2}) and 3600 seconds`,
    );
  }
  return { heartbeatIntervalSeconds, offlineAfterSeconds };
}

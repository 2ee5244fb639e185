/**
 * Time as people write and read it, and as retries wait: the one duration parser, the one
 * exponential back-off and the one "ago", shared by the runtime, the agent, the CLI and the
 * dashboard.
 */

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration with its units, such as `10s`, `500ms`, `1m30s` or `1.5s`, in milliseconds; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(trimmed)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    ms += Number(amount) * DURATION_UNITS[unit!]!;
  }
  return Math.round(ms);
}

/** Exponential back-off: `initialMs`, doubling with each attempt up to `maxMs`, ± `jitter`. */
export interface Backoff {
  /** The first delay. */
  initialMs: number;
  /** The delay doubles up to this. */
  maxMs: number;
  /** ± this fraction of the delay, so that many clients do not retry in step (0.2 = ±20 %). Default 0. */
  jitter?: number;
}

/** The delay before retry number `attempt` (0 = the first): initialMs · 2^attempt, at most maxMs, ± jitter. */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  const jitter = backoff.jitter ?? 0;
  return Math.round(base * (1 + (random() * 2 - 1) * jitter));
}

/** A delay as a person reads it in a message: `250ms`, `1.5s`. */
export function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Math.round(ms / 100) / 10}s`;
}

/** Made at the first use: loading ICU's data costs ~15 ms, which every process importing this module paid. */
let relative: Intl.RelativeTimeFormat | undefined;
const AGO_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
];

/**
 * How long ago `iso` was at `now` (ms), in the largest whole unit up to days: "29 seconds ago",
 * "3 minutes ago", "yesterday"; `never` when there is no time. The locale is fixed ("en") so a
 * server's render and a browser's agree.
 */
export function ago(iso: string | null | undefined, now = Date.now(), never = "never"): string {
  if (!iso) return never;
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  relative ??= new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  for (const [unit, size] of AGO_UNITS) {
    if (seconds >= size) return relative.format(-Math.floor(seconds / size), unit);
  }
  return relative.format(-seconds, "second");
}

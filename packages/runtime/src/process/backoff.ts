/** Exponential back-off: `initialMs`, doubling with each attempt, capped at `maxMs`. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** The delay before attempt `n` (0-based): initialMs · 2ⁿ, at most maxMs. */
export function getBackoffMs(backoff: Backoff, attempt: number): number {
  return Math.min(backoff.initialMs * 2 ** Math.min(attempt, 30), backoff.maxMs);
}

export function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Math.round(ms / 100) / 10}s`;
}

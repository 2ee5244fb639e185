/** Exponential back-off with jitter, shared by the connection and the reconciler's retries. */

export interface Backoff {
  /** The first delay. */
  initialMs: number;
  /** The delay doubles up to this. */
  maxMs: number;
  /** ±fraction of the delay, so that many agents do not retry in step. Default 0.2 (±20 %). */
  jitter?: number;
}

/** Delay before retry number `attempt` (0 = the first retry): initial·2^attempt, capped, ± jitter. */
export function getBackoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  const jitter = backoff.jitter ?? 0.2;
  return Math.round(base * (1 + (random() * 2 - 1) * jitter));
}

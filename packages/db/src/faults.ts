/**
 * Which errors mean "the database cannot be reached right now" (a killed connection, a restart,
 * a failover, a refused or timed-out connect) rather than a fault of the query: the API answers
 * those with SERVICE_UNAVAILABLE, and a client may retry.
 */

/** Node's socket errors when PostgreSQL's host or port does not answer. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
/**
 * SQLSTATEs of a server going away or not accepting yet: class 08 (connection exception),
 * 57P01–57P03 (terminated by an administrator, crash shutdown, cannot connect now),
 * 53300 (too many connections).
 */
const UNAVAILABLE_STATES = /^(08\d\d\d|57P0[123]|53300)$/;
/** node-postgres reports a lost or unusable connection by message only. */
const LOST_CONNECTION =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|Connection closed)/;

export function isDatabaseUnavailable(error: unknown): boolean {
  // drizzle wraps the driver's error in `cause`.
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.test(code))) return true;
    if (LOST_CONNECTION.test(current.message)) return true;
  }
  return false;
}

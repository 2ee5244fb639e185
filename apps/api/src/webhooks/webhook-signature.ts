/**
 * How a delivery is signed, and how a receiver checks it (the README shows the same in a few
 * lines of Node). The signature covers the timestamp and the exact body bytes, so neither can be
 * changed, and a receiver can refuse a delivery replayed long after it was signed.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const WebhookHeader = {
  /** `sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
  signature: "X-Pergola-Signature",
  /** Seconds since the epoch when this attempt was signed. */
  timestamp: "X-Pergola-Timestamp",
  event: "X-Pergola-Event",
  /** The delivery's id: the same on every attempt. */
  delivery: "X-Pergola-Delivery",
  /** The delivery's id again, under the name HTTP APIs use for it. */
  idempotencyKey: "Idempotency-Key",
} as const;

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** Whether `signature` is the one `secret` gives for this timestamp and body (compared in constant time). */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What the sealed secret is bound to: a sealed value copied to another webhook's row does not open. */
export function webhookSecretContext(webhookId: string): string {
  return `pergola/webhook/v1\0${webhookId}`;
}

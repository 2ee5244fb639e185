/**
 * What a webhook may be: its URL, its events and its secret. Each refusal is BAD_USER_INPUT
 * naming the field at fault.
 */
import { isOneOf, WEBHOOK_EVENTS, type WebhookEvent } from "@pergola/schema";
import { badInput } from "../errors.js";

export const WEBHOOK_LIMITS = {
  /** Characters of a URL. */
  url: 2048,
  /** Characters of a secret: at least 16, so that a signature cannot be forged by guessing it. */
  secretMin: 16,
  secretMax: 256,
  /** Webhooks per Project, and global ones: a CONFLICT beyond. */
  perProject: 20,
  /** `Webhook.deliveries(last:)` at most. */
  deliveries: 100,
} as const;

/** Whether `id` can be a webhook's (a UUID): anything else is as missing, never a database error. */
export function isWebhookId(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

/** Where the API itself is reached: a webhook pointing there is refused. */
export interface ApiAddresses {
  /** The URLs it is reached at: PERGOLA_PUBLIC_URL and the URL it listens on. */
  urls: string[];
  /** The wildcard domain of links (`apps.example.com`): its names point at the API's gateway. */
  linksDomain?: string;
}

/**
 * The URL as it will be called. Only http and https: other schemes (file:, ftp:, data:) are not
 * where an HTTP POST goes. Not the API itself: a webhook to the API's own address would have the
 * server POST to itself — to its GraphQL endpoint or, through its links gateway, to a Stage's
 * service — on behalf of whoever created it. Other local addresses stay allowed: receivers on the
 * same host or network are how on-premises installations (and tests) listen.
 */
export function checkWebhookUrl(text: string, api: ApiAddresses): string {
  const value = text.trim();
  if (value.length > WEBHOOK_LIMITS.url) throw badInput("url", `must be at most ${WEBHOOK_LIMITS.url} characters`);
  if (!URL.canParse(value)) throw badInput("url", `"${value}" is not a URL: expected https://host/path`);
  const url = new URL(value);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw badInput("url", `must be an http:// or https:// URL, not ${url.protocol}`);
  }
  if (pointsAtApi(url, api)) throw badInput("url", "must not point at this Pergola API itself");
  url.hash = "";
  return url.href;
}

function pointsAtApi(url: URL, api: ApiAddresses): boolean {
  const domain = api.linksDomain?.toLowerCase();
  if (domain && domain !== "localhost" && (url.hostname === domain || url.hostname.endsWith(`.${domain}`))) return true;
  return api.urls.some((text) => {
    if (!URL.canParse(text)) return false;
    const own = new URL(text);
    if (portOf(own) !== portOf(url)) return false;
    return own.hostname === url.hostname || (isLoopback(own.hostname) && isLoopback(url.hostname));
  });
}

function portOf(url: URL): string {
  return url.port || (url.protocol === "https:" ? "443" : "80");
}

/** Names and addresses of this host (as the URL parser writes them: `[::1]`, `127.0.0.1`). */
function isLoopback(hostname: string): boolean {
  return (
    hostname === "localhost" ||
    hostname.endsWith(".localhost") ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname) ||
    hostname === "0.0.0.0" ||
    hostname === "[::1]" ||
    hostname === "[::]" ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname)
  );
}

/** The events, each once, in the vocabulary's order; at least one. */
export function checkWebhookEvents(events: readonly string[]): WebhookEvent[] {
  if (events.length === 0) throw badInput("events", `name at least one of ${WEBHOOK_EVENTS.join(", ")}`);
  for (const event of events) {
    if (event === "PING") throw badInput("events", "PING is sent by sendTestWebhook to every webhook: it needs no subscription");
    if (!isOneOf(WEBHOOK_EVENTS, event)) throw badInput("events", `"${event}" is not one of ${WEBHOOK_EVENTS.join(", ")}`);
  }
  return WEBHOOK_EVENTS.filter((e) => events.includes(e));
}

export function checkWebhookSecret(secret: string): string {
  if (secret.length < WEBHOOK_LIMITS.secretMin || secret.length > WEBHOOK_LIMITS.secretMax) {
    throw badInput("secret", `must be ${WEBHOOK_LIMITS.secretMin} to ${WEBHOOK_LIMITS.secretMax} characters (openssl rand -hex 32)`);
  }
  return secret;
}

/** What people see of a secret: its last 4 characters. */
export function secretHintOf(secret: string): string {
  return `…${secret.slice(-4)}`;
}

/**
 * Sends the outbox's deliveries, at least once each. One sender runs in every API process:
 *
 *   look ─▶ claim: one UPDATE of up to `batch` due PENDING rows, picked FOR UPDATE SKIP LOCKED,
 *           attempts + 1 and nextAttemptAt moved past the attempt's timeout (a lease): no other
 *           sender, here or on another replica, takes them until the lease runs out
 *        ─▶ each is POSTed outside any transaction (a receiver's 10 s never holds a connection)
 *        ─▶ its answer recorded, if it is still this claim's (same attempts): 2xx → DELIVERED;
 *           otherwise PENDING again after a back-off (exponential, jittered, capped), or FAILED
 *           once `retryForMs` (24 h) have passed since the delivery was made
 *
 * A sender that dies mid-attempt leaves a lease that runs out: the delivery is sent again, with
 * the same id (`Idempotency-Key`), which is what "at least once" means to a receiver.
 * Looks happen when woken (a commit that queued deliveries, a sent attempt freeing room) and by
 * a timer set to the next due delivery, at most `pollMs` away (deliveries queued by another
 * replica, leases left by one that died). Times are the database's (`now()`).
 */
import type { Db } from "@pergola/db/client";
import { rowsOf } from "@pergola/db/client";
import { type WebhookDeliveryRow, webhookDeliveries, webhooks } from "@pergola/db/schema";
import { type Backoff, backoffDelay } from "@pergola/schema/time";
import { and, eq, min, ne, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { type SecretBox, SecretDecryptError } from "../configurations/secret-box.js";
import { signWebhook, WebhookHeader, webhookSecretContext } from "./webhook-signature.js";

export interface WebhookSenderOptions {
  /** An attempt's limit, connecting and answering: a receiver that hangs is cut off then. Default 10 s. */
  timeoutMs?: number;
  /** The wait before each retry: 15 s doubling up to 1 h, ±20 % (DEFAULT_WEBHOOK_BACKOFF). */
  backoff?: Backoff;
  /** Retries end this long after the delivery was made, and it is FAILED. Default 24 h. */
  retryForMs?: number;
  /** The longest wait between two looks for due deliveries. Default 15 s. */
  pollMs?: number;
  /** Deliveries sent side by side, at most. Default 16. */
  batch?: number;
  /** DELIVERED and FAILED deliveries are deleted this long after they were made (checked hourly). Default 30 days. */
  keepMs?: number;
}

export const DEFAULT_WEBHOOK_BACKOFF: Backoff = { initialMs: 15_000, maxMs: 60 * 60 * 1000, jitter: 0.2 };

/** Characters of an error kept on the delivery. */
const MAX_ERROR = 500;
/** A lease outlives the attempt's timeout by this much (the answer is recorded in it). */
const LEASE_MARGIN_MS = 5_000;
/** How soon a delivery this replica cannot sign is offered again (to the others). */
const HAND_BACK_MS = 2_000;
const UNSIGNABLE = "not sent: no replica's PERGOLA_SECRET_KEY opens the webhook's secret";
/** How often each process deletes old deliveries. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** A claimed delivery, with where it goes and the secret it is signed with. */
interface Claimed extends Pick<WebhookDeliveryRow, "id" | "webhookId" | "event" | "payload" | "attempts" | "createdAt"> {
  url: string;
  secretSealed: string;
}

export class WebhookSender {
  private readonly timeoutMs: number;
  private readonly backoff: Backoff;
  private readonly retryForMs: number;
  private readonly pollMs: number;
  private readonly batch: number;
  private readonly keepMs: number;
  private prunedAt = 0;
  private stopped = true;
  private timer?: NodeJS.Timeout;
  /** The look under way; `again` asks for another right after it. */
  private looking?: Promise<void>;
  private again = false;
  private readonly sending = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
    private readonly logger: Logger,
    options: WebhookSenderOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.backoff = options.backoff ?? DEFAULT_WEBHOOK_BACKOFF;
    this.retryForMs = options.retryForMs ?? 24 * 60 * 60 * 1000;
    this.pollMs = options.pollMs ?? 15_000;
    this.batch = options.batch ?? 16;
    this.keepMs = options.keepMs ?? 30 * 24 * 60 * 60 * 1000;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Looks for due deliveries now (after a commit that queued some). Cheap when there are none. */
  wake(): void {
    if (this.stopped) return;
    if (this.looking) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.looking = this.look()
      .catch((error: unknown) => {
        this.logger.warn({ err: error }, "webhooks: could not look for due deliveries; trying again later");
        return this.pollMs;
      })
      .then((wait) => {
        this.looking = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else {
          this.timer = setTimeout(() => this.wake(), wait);
          this.timer.unref();
        }
      });
  }

  /**
   * Stops looking, cuts the attempts under way and waits for them: each is recorded as due again
   * at once, for another replica (or this one, restarted) to send.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.stopping.abort();
    await this.looking;
    await Promise.all(this.sending.values());
  }

  /** Claims what is due and there is room for, starts sending it; returns how long until the next look. */
  private async look(): Promise<number> {
    if (Date.now() - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = Date.now();
      await this.prune();
    }
    const room = this.batch - this.sending.size;
    if (room > 0) {
      const claimed = await this.claim(room);
      for (const delivery of claimed) {
        const sent = this.send(delivery).finally(() => {
          this.sending.delete(delivery.id);
          this.wake();
        });
        this.sending.set(delivery.id, sent);
      }
    }
    // Each attempt under way wakes the sender when it ends; otherwise, the next due delivery.
    const [next] = await this.db
      .select({ at: min(webhookDeliveries.nextAttemptAt), now: sql<string>`now()` })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.state, "PENDING"));
    if (!next?.at) return this.pollMs;
    const wait = new Date(next.at).getTime() - new Date(next.now).getTime();
    return Math.max(10, Math.min(this.pollMs, wait));
  }

  /** Deletes DELIVERED and FAILED deliveries made more than `keepMs` ago; returns how many. */
  async prune(): Promise<number> {
    const gone = await this.db
      .delete(webhookDeliveries)
      .where(
        and(
          ne(webhookDeliveries.state, "PENDING"),
          sql`${webhookDeliveries.createdAt} < now() - ${this.keepMs} * interval '1 millisecond'`,
        ),
      )
      .returning({ id: webhookDeliveries.id });
    return gone.length;
  }

  private async claim(limit: number): Promise<Claimed[]> {
    const lease = this.timeoutMs + LEASE_MARGIN_MS;
    const rows = rowsOf<Record<string, unknown>>(
      await this.db.execute(sql`
        update ${webhookDeliveries} d
        set attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + ${lease} * interval '1 millisecond'
        from ${webhooks} w
        where w.id = d.webhook_id and d.id in (
          select id from ${webhookDeliveries}
          where state = 'PENDING' and next_attempt_at <= now()
          order by next_attempt_at
          limit ${limit}
          for update skip locked)
        returning d.id, d.webhook_id, d.event, d.payload, d.attempts, d.created_at, w.url, w.secret_sealed`),
    );
    return rows.map((r) => ({
      id: r.id as string,
      webhookId: r.webhook_id as string,
      event: r.event as Claimed["event"],
      payload: r.payload,
      attempts: Number(r.attempts),
      createdAt: new Date(r.created_at as string),
      url: r.url as string,
      secretSealed: r.secret_sealed as string,
    }));
  }

  /** One attempt, and its outcome recorded. */
  private async send(delivery: Claimed): Promise<void> {
    let status: number | null = null;
    let error: string | null = null;
    let secret: string;
    try {
      secret = this.secrets.open(delivery.secretSealed, webhookSecretContext(delivery.webhookId));
    } catch (failure) {
      if (!(failure instanceof SecretDecryptError)) throw failure;
      return this.handBack(delivery);
    }
    try {
      const body = deliveryBody(delivery);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const res = await fetch(delivery.url, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopping.signal]),
        headers: {
          "content-type": "application/json",
          "user-agent": "Pergola-Webhook/1",
          [WebhookHeader.event]: delivery.event,
          [WebhookHeader.delivery]: delivery.id,
          [WebhookHeader.idempotencyKey]: delivery.id,
          [WebhookHeader.timestamp]: timestamp,
          [WebhookHeader.signature]: signWebhook(secret, timestamp, body),
        },
        body,
      });
      status = res.status;
      // Only the status counts; the body is not read (nor waited for).
      await res.body?.cancel().catch(() => undefined);
      if (status < 200 || status > 299) error = `the receiver answered HTTP ${status}`;
    } catch (failure) {
      error = this.stopping.signal.aborted ? "the API stopped during the attempt" : describeFailure(failure, this.timeoutMs);
    }
    await this.record(delivery, status, error).catch((failure: unknown) =>
      this.logger.warn(
        { err: failure, delivery: delivery.id },
        "webhooks: could not record an attempt; it is sent again when its lease ends",
      ),
    );
  }

  /**
   * This replica's PERGOLA_SECRET_KEY does not open the webhook's secret (another key than the
   * replica that wrote it): the attempt is not the receiver's failure. The delivery goes back
   * uncounted, for a replica that can sign it, in a few seconds; only once its retries' time is up
   * is it FAILED, with the last answer a signing replica got (or why it was never sent). Logged, since it is a replica set up wrong.
   */
  private async handBack(delivery: Claimed): Promise<void> {
    this.logger.error(
      { delivery: delivery.id, webhook: delivery.webhookId },
      "webhooks: this replica's PERGOLA_SECRET_KEY does not open the webhook's secret; left to another replica",
    );
    const giveUpAt = sql`${webhookDeliveries.createdAt} + ${this.retryForMs} * interval '1 millisecond'`;
    const expired = sql`now() >= ${giveUpAt}`;
    await this.db
      .update(webhookDeliveries)
      .set({
        attempts: sql`${webhookDeliveries.attempts} - 1`,
        state: sql`case when ${expired} then 'FAILED' else 'PENDING' end`,
        // An answer a signing replica recorded stays the last word; none: why it was never sent.
        error: sql`case when ${expired} then coalesce(${webhookDeliveries.error}, ${UNSIGNABLE}) else ${webhookDeliveries.error} end`,
        nextAttemptAt: sql`least(now() + ${HAND_BACK_MS} * interval '1 millisecond', ${giveUpAt})`,
      })
      .where(
        and(
          eq(webhookDeliveries.id, delivery.id),
          eq(webhookDeliveries.attempts, delivery.attempts),
          eq(webhookDeliveries.state, "PENDING"),
        ),
      )
      .catch((failure: unknown) => this.logger.warn({ err: failure, delivery: delivery.id }, "webhooks: could not hand a delivery back"));
  }

  private async record(delivery: Claimed, status: number | null, error: string | null): Promise<void> {
    const mine = and(
      eq(webhookDeliveries.id, delivery.id),
      eq(webhookDeliveries.attempts, delivery.attempts),
      eq(webhookDeliveries.state, "PENDING"),
    );
    if (error === null) {
      await this.db
        .update(webhookDeliveries)
        .set({ state: "DELIVERED", responseStatus: status, error: null, deliveredAt: sql`now()` })
        .where(mine);
      return;
    }
    // Stopped: a replica (or this one, restarted) takes it again at once.
    const delay = this.stopping.signal.aborted ? 0 : backoffDelay(delivery.attempts - 1, this.backoff);
    const giveUpAt = sql`${webhookDeliveries.createdAt} + ${this.retryForMs} * interval '1 millisecond'`;
    const [row] = await this.db
      .update(webhookDeliveries)
      .set({
        responseStatus: status,
        error: error.slice(0, MAX_ERROR),
        state: sql`case when now() >= ${giveUpAt} then 'FAILED' else 'PENDING' end`,
        nextAttemptAt: sql`least(now() + ${delay} * interval '1 millisecond', ${giveUpAt})`,
      })
      .where(mine)
      .returning({ state: webhookDeliveries.state });
    if (row?.state === "FAILED") {
      this.logger.info({ delivery: delivery.id, event: delivery.event, attempts: delivery.attempts, error }, "webhook delivery FAILED");
    }
  }
}

/** The JSON body: the same bytes on every attempt (the stored payload, after its id, event and time). */
export function deliveryBody(delivery: Pick<WebhookDeliveryRow, "id" | "event" | "createdAt" | "payload">): string {
  return JSON.stringify({ id: delivery.id, event: delivery.event, at: delivery.createdAt.toISOString(), ...(delivery.payload as object) });
}

/** Why fetch failed, in words: a timeout, a refused connection (with its code), a bad address. */
function describeFailure(failure: unknown, timeoutMs: number): string {
  const error = failure as Error & { cause?: { code?: string; message?: string } };
  if (error?.name === "TimeoutError") return `no answer within ${timeoutMs / 1000} s: cut off`;
  const cause = error?.cause;
  if (cause?.message) return `could not send: ${cause.code && !cause.message.includes(cause.code) ? `${cause.code} ` : ""}${cause.message}`;
  if (cause?.code) return `could not send: ${cause.code}`;
  return `could not send: ${error?.message ?? String(failure)}`;
}

import { WEBHOOK_DELIVERY_EVENTS, WEBHOOK_DELIVERY_STATES } from "@pergola/schema";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";

export const WebhookEvent = graphqlEnum(WEBHOOK_DELIVERY_EVENTS, {
  name: "WebhookEvent",
  description: "What a webhook is told of. A webhook names the ones it wants; every webhook gets PING when tested.",
  valuesConfig: {
    STAGE_UNHEALTHY: {
      description: "A Stage started failing: its health moved to UNHEALTHY or DEGRADED from HEALTHY or UNKNOWN.",
    },
    STAGE_RECOVERED: { description: "A failing Stage is HEALTHY again (from UNHEALTHY or DEGRADED)." },
    RELEASE_FAILED: { description: "A Release FAILED: its Stage goes on with the Release it had." },
    RELEASE_DEPLOYED: { description: "A Release is DEPLOYED: it serves its Stage." },
    OUTPOST_OFFLINE: { description: "An Outpost's agent went silent or closed its connection (OFFLINE)." },
    OUTPOST_ONLINE: { description: "An Outpost's agent is connected and heartbeating again (ONLINE)." },
    PING: { description: "A test delivery (sendTestWebhook); not something to subscribe to." },
  },
});
export type WebhookEvent = keyof typeof WebhookEvent;

export const WebhookDeliveryState = graphqlEnum(WEBHOOK_DELIVERY_STATES, {
  name: "WebhookDeliveryState",
  description: "PENDING → DELIVERED on a 2xx answer; → FAILED when retries end, 24 hours after the delivery was made.",
  valuesConfig: {
    PENDING: { description: "Not answered with a 2xx yet: being sent, or waiting for its next attempt (`nextAttemptAt`)." },
    DELIVERED: { description: "The receiver answered 2xx." },
    FAILED: { description: "No 2xx answer within 24 hours of attempts: no more are made." },
  },
});
export type WebhookDeliveryState = keyof typeof WebhookDeliveryState;

@ObjectType({
  description:
    "Where Pergola tells of what happens: an HTTP POST to `url` for each of `events`, signed with the webhook's secret (`X-Pergola-Signature`). A Project's webhook is told of that Project; a global one (no Project, admins') of every Project and Outpost.",
})
export class Webhook {
  @Field(() => ID, { description: "Its id." })
  id: string;

  @Field(() => String, { description: "Where deliveries are POSTed (http or https)." })
  url: string;

  @Field(() => [WebhookEvent], { description: "What it is told of, in the enum's order." })
  events: WebhookEvent[];

  @Field(() => String, {
    description: "The secret's last 4 characters (`…a1b2`), to tell which one is set; the secret itself is never shown.",
  })
  secretHint: string;

  @Field(() => String, { description: "Who created it, as the audit log names them." })
  createdBy: string;

  @Field(() => DateTime, { description: "When it was created." })
  createdAt: Date;

  projectId: string | null;
}

@ObjectType({
  description:
    "One event sent (or being sent) to one webhook. Every attempt sends the same body with the same `X-Pergola-Delivery` and `Idempotency-Key` (its id): receivers drop the duplicates by it.",
})
export class WebhookDelivery {
  @Field(() => ID, { description: "Its id: the body's `id` and the `Idempotency-Key` of every attempt." })
  id: string;

  @Field(() => WebhookEvent, { description: "What it tells." })
  event: WebhookEvent;

  @Field(() => WebhookDeliveryState, { description: "Where it stands." })
  state: WebhookDeliveryState;

  @Field(() => Int, { description: "How many times it was sent (or is being sent)." })
  attempts: number;

  @Field(() => Int, { nullable: true, description: "The HTTP status of the last answer; null before one, or when none came (`error`)." })
  responseStatus: number | null;

  @Field(() => String, {
    nullable: true,
    description: "Why the last attempt failed (a refused connection, a timeout, a status that is not 2xx); null once delivered.",
  })
  error: string | null;

  /** As stored: the body without `id`, `event` and `at` (the `payload` field gives the body as sent). */
  payload: unknown;

  @Field(() => DateTime, { description: "When the event happened (the delivery was made in its transaction)." })
  createdAt: Date;

  @Field(() => DateTime, { nullable: true, description: "When the last attempt started; null before the first." })
  lastAttemptAt: Date | null;

  @Field(() => DateTime, { nullable: true, description: "When the receiver answered 2xx; null until then." })
  deliveredAt: Date | null;

  /** As stored: also set once DELIVERED or FAILED (the `nextAttemptAt` field says null then). */
  nextAttemptAt: Date;
}

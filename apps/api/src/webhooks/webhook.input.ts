import { Field, ID, InputType } from "type-graphql";
import { WebhookEvent } from "./webhook.type.js";

@InputType({ description: "A new webhook: of a Project (its owners' and admins'), or global (no Project: admins only)." })
export class CreateWebhookInput {
  @Field(() => String, {
    nullable: true,
    description: "The Project whose events it is told of (its slug); omitted: a global webhook, told of every Project's and Outpost's.",
  })
  project?: string | null;

  @Field(() => String, {
    description: "Where to POST: an http:// or https:// URL, at most 2048 characters, not this API's own address.",
  })
  url: string;

  @Field(() => [WebhookEvent], { description: "What to be told of: at least one (PING is sent to every webhook when tested)." })
  events: WebhookEvent[];

  @Field(() => String, {
    description:
      "16 to 256 characters the deliveries are signed with (HMAC-SHA256, `X-Pergola-Signature`). Write-only: stored encrypted, never shown again.",
  })
  secret: string;
}

@InputType({ description: "What changes in a webhook; what is omitted stays. Deliveries not sent yet go with the new URL and secret." })
export class UpdateWebhookInput {
  @Field(() => ID, { description: "The webhook's id." })
  id: string;

  @Field(() => String, { nullable: true, description: "A new URL (the same rules as createWebhook's)." })
  url?: string | null;

  @Field(() => [WebhookEvent], { nullable: true, description: "The events, all of them (at least one): they replace the old ones." })
  events?: WebhookEvent[] | null;

  @Field(() => String, {
    nullable: true,
    description: "A new secret (16 to 256 characters): every attempt from now on is signed with it. Write-only.",
  })
  secret?: string | null;
}

/**
 * Webhooks: a Project's owners (and admins) create, list, test and delete the Project's; admins
 * the global ones. The secret is write-only; `deliveries` tells what was sent and how it went.
 */
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../context.js";
import { badInput } from "../errors.js";
import { ArgDoc } from "../graphql/argument-docs.js";
import { Project } from "../projects/project.type.js";
import { JSONScalar } from "../common/scalars.js";
import { deliveryBody } from "./webhook-sender.js";
import { CreateWebhookInput, UpdateWebhookInput } from "./webhook.input.js";
import { WEBHOOK_LIMITS } from "./webhook.rules.js";
import { Webhook, WebhookDelivery } from "./webhook.type.js";

const WEBHOOK_ID = "The webhook's id.";

@Resolver(() => Webhook)
export class WebhookResolver {
  @Query(() => [Webhook], {
    description:
      "A Project's webhooks (its owners and admins), or with no Project the global ones (admins), oldest first. Secrets are never shown.",
  })
  async webhooks(
    @Arg("project", () => String, { nullable: true, description: `${ArgDoc.project} Omitted: the global webhooks.` }) project:
      | string
      | null,
    @Ctx() { actor, services }: Context,
  ): Promise<Webhook[]> {
    return (await services.webhooks.listWebhooks(actor, project ?? null)) as Webhook[];
  }

  @Mutation(() => Webhook, {
    description:
      "From now on each of `events` is POSTed to `url`, signed with `secret`. BAD_USER_INPUT for a URL that is not http(s) or is this API's own; CONFLICT beyond 20 per Project (or global).",
  })
  async createWebhook(
    @Arg("input", () => CreateWebhookInput, { description: "The webhook to create." }) input: CreateWebhookInput,
    @Ctx() { actor, services }: Context,
  ): Promise<Webhook> {
    return (await services.webhooks.createWebhook(actor, input)) as Webhook;
  }

  @Mutation(() => Webhook, {
    description:
      "Changes a webhook's URL, events or secret (rotating it): deliveries not sent yet go with the new ones. The same rules and errors as createWebhook.",
  })
  async updateWebhook(
    @Arg("input", () => UpdateWebhookInput, { description: "The webhook and what changes." }) input: UpdateWebhookInput,
    @Ctx() { actor, services }: Context,
  ): Promise<Webhook> {
    return (await services.webhooks.updateWebhook(actor, input)) as Webhook;
  }

  @Mutation(() => Boolean, { description: "Deletes the webhook and its deliveries: those not sent yet never will be. True when done." })
  deleteWebhook(@Arg("id", () => ID, { description: WEBHOOK_ID }) id: string, @Ctx() { actor, services }: Context): Promise<boolean> {
    return services.webhooks.deleteWebhook(actor, id);
  }

  @Mutation(() => WebhookDelivery, {
    description: "Sends the webhook a PING delivery now (retried like any other) and returns it; follow it in `deliveries`.",
  })
  async sendTestWebhook(
    @Arg("id", () => ID, { description: WEBHOOK_ID }) id: string,
    @Ctx() { actor, services }: Context,
  ): Promise<WebhookDelivery> {
    return (await services.webhooks.sendTestWebhook(actor, id)) as WebhookDelivery;
  }

  @FieldResolver(() => Project, { nullable: true, description: "The Project it tells of; null for a global webhook." })
  async project(@Root() webhook: Webhook, @Ctx() { loaders }: Context): Promise<Project | null> {
    return webhook.projectId ? ((await loaders.projectById.load(webhook.projectId)) as Project | null) : null;
  }

  @FieldResolver(() => [WebhookDelivery], { description: "Its newest deliveries, newest first." })
  async deliveries(
    @Root() webhook: Webhook,
    @Arg("last", () => Int, {
      nullable: true,
      defaultValue: 20,
      description: `How many of the newest, 1 to ${WEBHOOK_LIMITS.deliveries}; default 20.`,
    })
    given: number | null,
    @Ctx() { loaders }: Context,
  ): Promise<WebhookDelivery[]> {
    const last = given ?? 20;
    if (!Number.isInteger(last) || last < 1 || last > WEBHOOK_LIMITS.deliveries)
      throw badInput("last", `must be 1 to ${WEBHOOK_LIMITS.deliveries}`);
    return (await loaders.deliveriesByWebhook.load(`${last}/${webhook.id}`)) as WebhookDelivery[];
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @FieldResolver(() => JSONScalar, {
    description: "The JSON body as sent: `id`, `event`, `at`, `project` and what the event is about (`stage`, `release`, `outpost`).",
  })
  payload(@Root() delivery: WebhookDelivery): unknown {
    return JSON.parse(deliveryBody(delivery));
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      "When the next attempt is due (or, while one is under way, when it is given up on), while PENDING; null once DELIVERED or FAILED.",
  })
  nextAttemptAt(@Root() delivery: WebhookDelivery): Date | null {
    return delivery.state === "PENDING" ? delivery.nextAttemptAt : null;
  }
}

/** `create webhook`, `list webhook`, `update webhook`, `delete webhook`: where Pergola POSTs what happens (README, "Notifications: webhooks"). */
import { randomBytes } from "node:crypto";
import { WEBHOOK_EVENTS, type WebhookEvent } from "@pergola/schema";
import {
  CliCreateWebhookDocument,
  CliDeleteWebhookDocument,
  CliListWebhooksDocument,
  CliUpdateWebhookDocument,
  type WebhookRow,
} from "../documents.js";
import { leaf } from "../command.js";
import { badInput } from "../errors.js";
import type { Verbs } from "../groups.js";
import { ago, lower, print, renderTable } from "../output.js";

/** `stage-unhealthy`, `stage_unhealthy` or `STAGE_UNHEALTHY`: the API's STAGE_UNHEALTHY. */
function parseEvent(text: string): WebhookEvent {
  const event = text.trim().toUpperCase().replaceAll("-", "_");
  const known = WEBHOOK_EVENTS.find((e) => e === event);
  if (!known) throw badInput(`--event ${text}: one of ${WEBHOOK_EVENTS.map((e) => lower(e).replaceAll("_", "-")).join(", ")}`);
  return known;
}

const eventWord = (event: string) => lower(event).replaceAll("_", "-");

export function renderWebhooks(hooks: WebhookRow[], title: string): string {
  return renderTable(
    ["id", "url", "events", "secret", "last delivery", "created"],
    hooks.map((w) => {
      const last = w.deliveries[0];
      const outcome =
        last &&
        `${eventWord(last.event)}: ${lower(last.state)}${last.responseStatus ? ` (${last.responseStatus})` : ""}, ${ago(last.createdAt)}`;
      return [w.id, w.url, w.events.map(eventWord).join(", "), w.secretHint, outcome, ago(w.createdAt)];
    }),
    title,
  );
}

export function registerWebhooks(verbs: Verbs): void {
  leaf(
    verbs.create,
    "webhook <url>",
    "Have Pergola POST a Project's events to <url> (owners; without -p, every Project's: admins), signed with a secret",
    [
      "pergola create webhook https://hooks.example.com/pergola -p my-new-project",
      'pergola create webhook https://ops.example.com/pergola --event stage-unhealthy --event stage-recovered --secret "$SECRET"',
    ],
    (cmd) =>
      cmd
        .alias("webhooks")
        .option("-p, --project <project>", "the Project (its slug); omitted: a global webhook, told of every Project (admins)")
        .option(
          "--event <event>",
          `an event to send (repeatable; default: all): ${WEBHOOK_EVENTS.map(eventWord).join(", ")}`,
          (v: string, prev: string[] = []) => [...prev, v],
        )
        .option("--secret <secret>", "16 to 256 characters to sign with; default: a new random one, printed once"),
    async (ctx, url) => {
      const given = ctx.opts.secret as string | undefined;
      const secret = given ?? randomBytes(32).toString("hex");
      const chosen = (ctx.opts.event as string[] | undefined)?.map(parseEvent);
      const { createWebhook } = await ctx.client.request(CliCreateWebhookDocument, {
        input: { project: ctx.opts.project ?? null, url: url!, events: chosen ?? [...WEBHOOK_EVENTS], secret },
      });
      // A secret made here is shown once, here; one the caller gave is not echoed.
      const shown = given === undefined ? { secret } : {};
      print(ctx.format, { ...createWebhook, ...shown }, () =>
        [
          `webhook ${createWebhook.id} created: ${createWebhook.url}`,
          `  ${createWebhook.project ? `project ${createWebhook.project.slug}` : "global (every Project)"}; events: ${createWebhook.events.map(eventWord).join(", ")}`,
          ...(given === undefined ? ["", "Secret (shown once, now; the receiver checks X-Pergola-Signature with it):", `  ${secret}`] : []),
          "",
          `Try it: pergola list webhook${createWebhook.project ? ` -p ${createWebhook.project.slug}` : ""}`,
        ].join("\n"),
      );
    },
  );

  leaf(
    verbs.list,
    "webhook",
    "List a Project's webhooks (owners), or the global ones (admins): URL, events, the secret's last characters, the last delivery",
    ["pergola list webhook -p my-new-project", "pergola list webhooks -o json"],
    (cmd) => cmd.alias("webhooks").option("-p, --project <project>", "the Project (its slug); omitted: the global webhooks"),
    async (ctx) => {
      const { webhooks } = await ctx.client.request(CliListWebhooksDocument, { project: ctx.opts.project ?? null });
      print(ctx.format, webhooks, () => renderWebhooks(webhooks, ctx.opts.project ? `webhooks of ${ctx.opts.project}` : "global webhooks"));
    },
  );

  leaf(
    verbs.update,
    "webhook <id>",
    "Change a webhook's URL, events (--event replaces them all) or secret (rotate it); deliveries not sent yet follow",
    ['pergola update webhook 0b6f2c1e-… --secret "$NEW_SECRET"', "pergola update webhook 0b6f2c1e-… --event release-failed"],
    (cmd) =>
      cmd
        .alias("webhooks")
        .option("--url <url>", "a new URL")
        .option(
          "--event <event>",
          "an event to send (repeatable): these replace the webhook's events",
          (v: string, prev: string[] = []) => [...prev, v],
        )
        .option("--secret <secret>", "a new secret, 16 to 256 characters"),
    async (ctx, id) => {
      const events = (ctx.opts.event as string[] | undefined)?.map(parseEvent);
      if (!ctx.opts.url && !events && !ctx.opts.secret) throw badInput("nothing to change: give --url, --event or --secret");
      const { updateWebhook } = await ctx.client.request(CliUpdateWebhookDocument, {
        input: { id: id!, url: ctx.opts.url ?? null, events: events ?? null, secret: ctx.opts.secret ?? null },
      });
      print(ctx.format, updateWebhook, () =>
        [
          `webhook ${updateWebhook.id} updated: ${updateWebhook.url}`,
          `  events: ${updateWebhook.events.map(eventWord).join(", ")}; secret ${updateWebhook.secretHint}`,
        ].join("\n"),
      );
    },
  );

  leaf(
    verbs.delete,
    "webhook <id>",
    "Delete a webhook: nothing more is sent to it, not even deliveries still waiting",
    ["pergola delete webhook 0b6f2c1e-…"],
    (cmd) => cmd.alias("webhooks"),
    async (ctx, id) => {
      const { deleteWebhook } = await ctx.client.request(CliDeleteWebhookDocument, { id: id! });
      print(ctx.format, { deleted: deleteWebhook, webhook: id }, () => `webhook ${id} deleted`);
    },
  );
}

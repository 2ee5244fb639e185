/**
 * The rules of webhooks: who sees and manages them (the policy's `webhook.manage`: a Project's
 * owners and admins; global ones, admins), what they may be (webhook.rules.ts), their write-only
 * secret (sealed with the server's SecretBox, bound to the webhook's id), test deliveries and
 * the deliveries' history. The outbox and the sender are webhook-outbox.ts and webhook-sender.ts.
 * Lock order: the Project row (FOR SHARE, so it is not deleted under a new webhook), then the
 * webhook's row.
 */
import { randomUUID } from "node:crypto";
import type { Db, Tx } from "@pergola/db/client";
import {
  type MemberRole,
  type ProjectRow,
  projectMembers,
  projects,
  type WebhookDeliveryRow,
  type WebhookRow,
  webhookDeliveries,
  webhooks,
} from "@pergola/db/schema";
import { and, asc, count, desc, eq, isNull, sql } from "drizzle-orm";
import type { Actor } from "../auth/actor.js";
import { actorLabel } from "../auth/actor.js";
import { authorize, refusal } from "../auth/policy.js";
import { AuditAction } from "../audit/audit-action.js";
import { recordAudit } from "../audit/audit.service.js";
import type { SecretBox } from "../configurations/secret-box.js";
import { AppError, ErrorCode, notFound } from "../errors.js";
import { NO_USER, type ProjectService } from "../projects/project.service.js";
import { webhookSecretContext } from "./webhook-signature.js";
import {
  type ApiAddresses,
  checkWebhookEvents,
  checkWebhookSecret,
  checkWebhookUrl,
  isWebhookId,
  secretHintOf,
  WEBHOOK_LIMITS,
} from "./webhook.rules.js";

export interface CreateWebhookRequest {
  project?: string | null;
  url: string;
  events: readonly string[];
  secret: string;
}

export interface UpdateWebhookRequest {
  id: string;
  url?: string | null;
  events?: readonly string[] | null;
  secret?: string | null;
}

export class WebhookService {
  /** Where the API itself is reached (set by the server once it listens): webhooks may not point there. */
  api: ApiAddresses = { urls: [] };

  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
    private readonly secrets: SecretBox,
    /** Told when a delivery was queued outside the event log (a test delivery). */
    private readonly queued: () => void,
  ) {}

  /** A Project's webhooks (`project`), or the global ones (null), oldest first. */
  async listWebhooks(actor: Actor, project: string | null): Promise<WebhookRow[]> {
    const target = project === null ? null : await this.requireProject(actor, project, false);
    if (!target) authorize(actor, "webhook.manage", { project: null, write: false });
    return this.db
      .select()
      .from(webhooks)
      .where(target ? eq(webhooks.projectId, target.id) : isNull(webhooks.projectId))
      .orderBy(asc(webhooks.createdAt), asc(webhooks.id));
  }

  async createWebhook(actor: Actor, input: CreateWebhookRequest): Promise<WebhookRow> {
    return this.db.transaction(async (tx) => {
      const project = input.project == null ? null : await this.requireProject(actor, input.project, true, tx);
      if (!project) authorize(actor, "webhook.manage", { project: null, write: true });
      const url = checkWebhookUrl(input.url, this.api);
      const events = checkWebhookEvents(input.events);
      const secret = checkWebhookSecret(input.secret);
      const scope = project ? eq(webhooks.projectId, project.id) : isNull(webhooks.projectId);
      const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(webhooks).where(scope);
      if (n >= WEBHOOK_LIMITS.perProject) {
        const where = project ? `Project "${project.slug}"` : "global webhooks";
        throw new AppError(ErrorCode.CONFLICT, `${where} already has ${n} webhooks, the most there can be: delete one first`, {
          field: "project",
        });
      }
      const id = randomUUID();
      const [row] = await tx
        .insert(webhooks)
        .values({
          id,
          projectId: project?.id ?? null,
          url,
          events,
          secretSealed: this.secrets.seal(secret, webhookSecretContext(id)),
          secretHint: secretHintOf(secret),
          createdBy: actorLabel(actor),
        })
        .returning();
      // The origin only: a URL's path and query can hold the receiver's own credentials.
      await recordAudit(tx, {
        action: AuditAction.WEBHOOK_CREATED,
        actor,
        projectId: project?.id ?? null,
        detail: { webhook: id, origin: new URL(url).origin, events },
      });
      return row!;
    });
  }

  /** Changes what is given; deliveries not sent yet go to the new URL, signed with the new secret. */
  async updateWebhook(actor: Actor, input: UpdateWebhookRequest): Promise<WebhookRow> {
    return this.db.transaction(async (tx) => {
      const { webhook } = await this.requireWebhook(actor, input.id, true, tx);
      const url = input.url == null ? undefined : checkWebhookUrl(input.url, this.api);
      const events = input.events == null ? undefined : checkWebhookEvents(input.events);
      const secret = input.secret == null ? undefined : checkWebhookSecret(input.secret);
      const [row] = await tx
        .update(webhooks)
        .set({
          url,
          events,
          ...(secret !== undefined && {
            secretSealed: this.secrets.seal(secret, webhookSecretContext(webhook.id)),
            secretHint: secretHintOf(secret),
          }),
          updatedAt: sql`now()`,
        })
        .where(eq(webhooks.id, webhook.id))
        .returning();
      const changed = [url !== undefined && "url", events !== undefined && "events", secret !== undefined && "secret"].filter(Boolean);
      await recordAudit(tx, {
        action: AuditAction.WEBHOOK_UPDATED,
        actor,
        projectId: webhook.projectId,
        detail: { webhook: webhook.id, origin: new URL(row!.url).origin, changed },
      });
      return row!;
    });
  }

  async deleteWebhook(actor: Actor, id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { webhook } = await this.requireWebhook(actor, id, true, tx);
      await tx.delete(webhooks).where(eq(webhooks.id, webhook.id));
      await recordAudit(tx, {
        action: AuditAction.WEBHOOK_DELETED,
        actor,
        projectId: webhook.projectId,
        detail: { webhook: webhook.id, origin: new URL(webhook.url).origin },
      });
      return true;
    });
  }

  /** Queues a PING to the webhook (sent like any delivery, retried alike) and returns it. */
  async sendTestWebhook(actor: Actor, id: string): Promise<WebhookDeliveryRow> {
    const { webhook, project } = await this.requireWebhook(actor, id, true);
    const [delivery] = await this.db
      .insert(webhookDeliveries)
      .values({
        webhookId: webhook.id,
        event: "PING",
        payload: { project: project && { slug: project.slug, name: project.name }, webhook: { id: webhook.id, url: webhook.url } },
      })
      .returning();
    this.queued();
    return delivery!;
  }

  /**
   * The newest deliveries of each webhook, newest first, for keys `<last>/<webhookId>` (the
   * loader's): one statement for the lot.
   */
  async listRecentDeliveries(keys: readonly string[]): Promise<WebhookDeliveryRow[][]> {
    const wanted = keys.map((key) => {
      const at = key.indexOf("/");
      return { last: Number(key.slice(0, at)), webhookId: key.slice(at + 1) };
    });
    const most = Math.max(0, ...wanted.map((w) => w.last));
    const ids = [...new Set(wanted.map((w) => w.webhookId))].filter((id) => isWebhookId(id));
    if (most === 0 || ids.length === 0) return keys.map(() => []);
    // UUIDs only (checked above): the array literal holds nothing else.
    const newest = sql`${webhookDeliveries.id} in (
      select id from (
        select id, row_number() over (partition by webhook_id order by created_at desc, id desc) as rank
        from ${webhookDeliveries} where webhook_id = any(${`{${ids.join(",")}}`}::uuid[])) ranked
      where rank <= ${most})`;
    const rows = await this.db
      .select()
      .from(webhookDeliveries)
      .where(newest)
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id));
    const byWebhook = new Map<string, WebhookDeliveryRow[]>();
    for (const delivery of rows) {
      const list = byWebhook.get(delivery.webhookId) ?? [];
      list.push(delivery);
      byWebhook.set(delivery.webhookId, list);
    }
    return wanted.map((w) => (byWebhook.get(w.webhookId) ?? []).slice(0, w.last));
  }

  /** The Project, with the actor allowed to see (or manage) its webhooks; NOT_FOUND as for a missing one otherwise. */
  private async requireProject(actor: Actor, slug: string, write: boolean, tx?: Tx): Promise<ProjectRow> {
    const found = await this.projects.findWithRole(actor, slug, tx);
    if (!found) throw notFound(`Project "${slug}"`);
    authorize(actor, "webhook.manage", { project: { slug, membership: found.role }, write });
    return found.project;
  }

  /**
   * A webhook the actor may manage, with its Project; locked FOR UPDATE in `tx`. To whoever may
   * not see its Project it does not exist (NOT_FOUND, as for a missing id).
   */
  private async requireWebhook(actor: Actor, id: string, write: boolean, tx?: Tx) {
    if (!isWebhookId(id)) throw notFound(`Webhook "${id}"`);
    const query = (tx ?? this.db)
      .select({ webhook: webhooks, project: projects, role: projectMembers.role })
      .from(webhooks)
      .leftJoin(projects, eq(projects.id, webhooks.projectId))
      .leftJoin(projectMembers, and(eq(projectMembers.projectId, webhooks.projectId), eq(projectMembers.userId, actor.userId ?? NO_USER)))
      .where(eq(webhooks.id, id));
    const [found] = tx ? await query.for("update", { of: webhooks }) : await query;
    if (!found) throw notFound(`Webhook "${id}"`);
    const project = found.project ? { slug: found.project.slug, membership: found.role as MemberRole | null } : null;
    const refused = refusal(actor, "webhook.manage", { project, write });
    if (refused?.code === ErrorCode.NOT_FOUND) throw notFound(`Webhook "${id}"`);
    if (refused) throw refused;
    return { webhook: found.webhook, project: found.project };
  }
}

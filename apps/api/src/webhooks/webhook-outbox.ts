/**
 * The outbox: the deliveries an event causes are inserted in the transaction that writes the
 * event, so a delivery exists exactly when its cause committed (a rolled-back write leaves none,
 * a crash after the commit loses none). The sender (webhook-sender.ts) sends them afterwards.
 *
 * Cost: the causes are rare (a Stage starting to fail or recovering, a Release's outcome, an
 * Outpost going ONLINE or OFFLINE); a commit without one runs no statement at all, and one with
 * them runs a single insert…select that matches the webhooks concerned — none, when there are none.
 */
import { type Db, rowsOf, type Tx } from "@pergola/db/client";
import { type EventRow, type OutpostRow, type ProjectRow, projects, stages, webhookDeliveries, webhooks } from "@pergola/db/schema";
import type { Health, WebhookEvent } from "@pergola/schema";
import { type SQLWrapper, sql } from "drizzle-orm";
import { EventKind } from "../events/event-kind.js";
import type { StageSnapshot } from "../stages/stage.snapshot.js";

/** A delivery's event and what its body says of it (besides `id`, `event` and `at`). */
export interface Notification {
  event: WebhookEvent;
  payload: Record<string, unknown>;
}

/** Healths that mean a Stage is failing: STAGE_UNHEALTHY when one is entered, STAGE_RECOVERED when HEALTHY follows. */
const FAILING: ReadonlySet<string> = new Set<Health>(["UNHEALTHY", "DEGRADED"]);

/**
 * What a webhook is told of a commit's events. A Stage's health: STAGE_UNHEALTHY when it moves
 * into UNHEALTHY or DEGRADED from HEALTHY or UNKNOWN (moves between the two failing ones tell
 * nothing new), STAGE_RECOVERED when it moves to HEALTHY from one of them. A move to or from
 * UNKNOWN is its Outpost going OFFLINE or coming back, told by OUTPOST_OFFLINE / OUTPOST_ONLINE.
 * A Release: RELEASE_FAILED and RELEASE_DEPLOYED when it reaches those states.
 */
export function notificationsOf(project: Pick<ProjectRow, "slug" | "name">, written: readonly EventRow[]): Notification[] {
  const found: Notification[] = [];
  for (const row of written) {
    const payload = row.payload as { stage?: StageSnapshot; health?: string; previousHealth?: string; release?: ReleaseFacts };
    if (!payload.stage) continue;
    const base = { project: { slug: project.slug, name: project.name }, stage: stageFacts(payload.stage) };
    if (row.kind === EventKind.STAGE_HEALTH_CHANGED && payload.health && payload.previousHealth) {
      const stage = { ...base.stage, health: payload.health, previousHealth: payload.previousHealth };
      if (FAILING.has(payload.health) && !FAILING.has(payload.previousHealth)) {
        found.push({ event: "STAGE_UNHEALTHY", payload: { ...base, stage } });
      } else if (payload.health === "HEALTHY" && FAILING.has(payload.previousHealth)) {
        found.push({ event: "STAGE_RECOVERED", payload: { ...base, stage } });
      }
    } else if (row.kind === EventKind.RELEASE_STATE_CHANGED && payload.release) {
      const { number, state, message } = payload.release;
      const event = state === "FAILED" ? "RELEASE_FAILED" : state === "DEPLOYED" ? "RELEASE_DEPLOYED" : null;
      if (event) found.push({ event, payload: { ...base, release: { number, state, message: message ?? null } } });
    }
  }
  return found;
}

interface ReleaseFacts {
  number: number;
  state: string;
  message?: string | null;
}

function stageFacts(stage: StageSnapshot) {
  return { slug: stage.slug, name: stage.name, type: stage.type, health: stage.health };
}

/**
 * EventLog's `written` hook: one delivery per notification per webhook that wants it — the
 * Project's own and the global ones — in the transaction of the events. Returns how many.
 */
export async function enqueueEventDeliveries(tx: Tx, project: ProjectRow, written: readonly EventRow[]): Promise<number> {
  const found = notificationsOf(project, written);
  if (found.length === 0) return 0;
  const result = await tx.execute(sql`
    insert into ${webhookDeliveries} (webhook_id, event, payload)
    select w.id, n.item->>'event', n.item->'payload'
    from jsonb_array_elements(${JSON.stringify(found)}::jsonb) with ordinality as n(item, ord)
    join ${webhooks} w on (w.project_id = ${project.id} or w.project_id is null) and n.item->>'event' = any(w.events)
    order by n.ord, w.id
    returning 1 as one`);
  return rowsOf(result).length;
}

/** Whether a commit's events may have caused deliveries (the sender is woken after such a commit). */
export function mayNotify(written: readonly EventRow[]): boolean {
  return notificationsOf({ slug: "", name: "" }, written).length > 0;
}

/**
 * Outposts' statuses moved (their rows say so): OUTPOST_ONLINE / OUTPOST_OFFLINE for each one
 * that went ONLINE or OFFLINE, to every global webhook that wants it and to the webhooks of each
 * Project with a Stage on that Outpost. Runs in one statement with `alongside` (the Outposts'
 * history rows), so both are written or neither, in a single round trip. Returns how many.
 */
export async function enqueueOutpostDeliveries(db: Db | Tx, changed: readonly OutpostRow[], alongside: SQLWrapper): Promise<number> {
  const found = changed.flatMap((o) => {
    const event: WebhookEvent | null = o.status === "ONLINE" ? "OUTPOST_ONLINE" : o.status === "OFFLINE" ? "OUTPOST_OFFLINE" : null;
    return event ? [{ outpostId: o.id, event, outpost: { slug: o.slug, name: o.name, status: o.status } }] : [];
  });
  // Two plain joins, not one with an OR'd correlated subquery: PostgreSQL's estimate of that
  // one crossed the JIT threshold, and compiling it took 50 ms on every Outpost status change.
  const result = await db.execute(sql`
    with alongside as (${alongside}),
    n as (
      select item->>'event' as event, (item->>'outpostId')::uuid as outpost_id, item->'outpost' as outpost
      from jsonb_array_elements(${JSON.stringify(found)}::jsonb) as t(item))
    insert into ${webhookDeliveries} (webhook_id, event, payload)
    select w.id, n.event, jsonb_build_object('project', null, 'outpost', n.outpost)
    from n join ${webhooks} w on w.project_id is null and n.event = any(w.events)
    union all
    select w.id, n.event, jsonb_build_object('project', jsonb_build_object('slug', p.slug, 'name', p.name), 'outpost', n.outpost)
    from n
    join (select distinct project_id, outpost_id from ${stages}) s on s.outpost_id = n.outpost_id
    join ${webhooks} w on w.project_id = s.project_id and n.event = any(w.events)
    join ${projects} p on p.id = w.project_id
    returning 1 as one`);
  return rowsOf(result).length;
}

/**
 * A Stage's health, from the Components of the Release serving it, as seen (UNKNOWN while its
 * Outpost is not ONLINE). It is stored on the Stage and kept in the transaction of every change
 * that can move it, which then also writes STAGE_HEALTH_CHANGED: the log tells, and replays,
 * each Stage's health as of each event.
 */
import type { Tx } from "@pergola/db/client";
import { components, outposts, releases, stages, type StageRow } from "@pergola/db/schema";
import type { Health } from "@pergola/schema";
import { eq, inArray, sql } from "drizzle-orm";
import { componentAsSeen } from "../domain/component.machine.js";
import { EventKind } from "../events/event-kind.js";
import type { NewEvent } from "../events/event-log.js";
import { isServingRelease } from "../releases/release.conditions.js";
import { toStageSnapshot } from "./stage.snapshot.js";

/** Services decide a Stage's health; jobs and cron runs come and go. */
export function deriveStageHealth(components: readonly { kind: string; health: string }[]): Health {
  const services = components.filter((c) => c.kind === "SERVICE");
  const judged = services.filter((c) => c.health !== "UNKNOWN");
  if (services.length === 0 || judged.length < services.length) return "UNKNOWN";
  const healthy = judged.filter((c) => c.health === "HEALTHY").length;
  return healthy === judged.length ? "HEALTHY" : healthy === 0 ? "UNHEALTHY" : "DEGRADED";
}

/** What STAGE_HEALTH_CHANGED carries besides the Stage (whose `health` is the new one). */
export interface StageHealthChange {
  health: Health;
  previousHealth: Health;
}

/** The kinds of event after which a Stage's health may have moved. */
const MOVES_HEALTH: ReadonlySet<string> = new Set([
  EventKind.COMPONENT_CHANGED,
  EventKind.RELEASE_CREATED,
  EventKind.RELEASE_STATE_CHANGED,
  EventKind.STAGE_STATE_CHANGED,
  EventKind.OUTPOST_LINK_CHANGED,
]);

/**
 * For a commit's events: the health of each Stage they may have moved, derived again; where it
 * changed, the Stage's row is updated and a STAGE_HEALTH_CHANGED event returned, to be written
 * after them. One statement when nothing moved (a Stage's rows are locked by the writes that
 * emitted its events).
 */
export async function refreshStageHealth(tx: Tx, queued: readonly NewEvent[]): Promise<NewEvent[]> {
  const stageIds = [...new Set(queued.flatMap((e) => (e.stageId && MOVES_HEALTH.has(e.kind) ? [e.stageId] : [])))];
  if (stageIds.length === 0) return [];
  const serving = sql<{ kind: string; health: string; lastKnownHealth: string | null }[]>`(
    select coalesce(json_agg(json_build_object('kind', c.kind, 'health', c.health, 'lastKnownHealth', c.last_known_health)), '[]'::json)
    from ${components} c join ${releases} on ${releases.id} = c.release_id
    where c.stage_id = ${stages.id} and ${isServingRelease})`;
  const rows = await tx
    .select({ id: stages.id, health: stages.health, outpostStatus: outposts.status, serving })
    .from(stages)
    .leftJoin(outposts, eq(outposts.id, stages.outpostId))
    .where(inArray(stages.id, stageIds));
  const moved = rows.flatMap((row) => {
    const health = deriveStageHealth(row.serving.map((c) => componentAsSeen(c, row.outpostStatus)));
    return health === row.health ? [] : [{ id: row.id, health, previousHealth: row.health as Health }];
  });
  const events: NewEvent[] = [];
  for (const { id, health, previousHealth } of moved) {
    const [stage] = await tx.update(stages).set({ health, healthSince: sql`now()` }).where(eq(stages.id, id)).returning();
    if (stage) events.push(stageHealthChanged(stage, { health, previousHealth }));
  }
  return events;
}

function stageHealthChanged(stage: StageRow, change: StageHealthChange): NewEvent {
  return { kind: EventKind.STAGE_HEALTH_CHANGED, stageId: stage.id, payload: { stage: toStageSnapshot(stage), ...change } };
}

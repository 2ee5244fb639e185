/**
 * A Stage's recent history as the event log holds it: its health changes and its Releases'
 * ends (DEPLOYED or FAILED) — the health timeline and the deploy markers of its Monitoring tab.
 * As far back as the log's retention goes; read through a partial index on those kinds.
 */
import type { Db } from "@pergola/db/client";
import { events } from "@pergola/db/schema";
import type { Health, ReleaseState } from "@pergola/schema";
import { and, desc, eq, gte, sql } from "drizzle-orm";
import { AppError, ErrorCode } from "../errors.js";
import { formatCursor } from "../events/cursor.js";
import { EventKind } from "../events/event-kind.js";
import type { DeployMarker, StageHealthChange } from "./stage-history.type.js";

export const MAX_HISTORY = 500;

export interface HistoryRequest {
  since?: Date | null;
  first?: number | null;
}

function checkRequest({ first }: HistoryRequest): number {
  const n = first ?? 100;
  if (!Number.isInteger(n) || n < 1 || n > MAX_HISTORY) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `first: 1 to ${MAX_HISTORY}`, { field: "first" });
  }
  return n;
}

/** Newest last: the `first` newest changes since `since`. */
export async function listHealthChanges(db: Db, stageId: string, request: HistoryRequest): Promise<StageHealthChange[]> {
  const rows = await db
    .select({ seq: events.seq, at: events.at, payload: events.payload })
    .from(events)
    .where(
      and(
        eq(events.stageId, stageId),
        eq(events.kind, EventKind.STAGE_HEALTH_CHANGED),
        request.since ? gte(events.at, request.since) : undefined,
      ),
    )
    .orderBy(desc(events.seq))
    .limit(checkRequest(request));
  return rows.reverse().map(({ seq, at, payload }) => {
    const { health, previousHealth } = payload as { health: Health; previousHealth: Health };
    return { at, health, previousHealth, cursor: formatCursor(seq) };
  });
}

/** Newest last: the `first` newest Releases that became DEPLOYED or FAILED since `since`. */
export async function listDeployMarkers(db: Db, stageId: string, request: HistoryRequest): Promise<DeployMarker[]> {
  const rows = await db
    .select({ at: events.at, payload: events.payload })
    .from(events)
    .where(
      and(
        eq(events.stageId, stageId),
        eq(events.kind, EventKind.RELEASE_STATE_CHANGED),
        sql`${events.payload}->'release'->>'state' in ('DEPLOYED', 'FAILED')`,
        request.since ? gte(events.at, request.since) : undefined,
      ),
    )
    .orderBy(desc(events.seq))
    .limit(checkRequest(request));
  return rows.reverse().map(({ at, payload }) => {
    const { release } = payload as { release: { id: string; number: number; state: ReleaseState; message?: string | null } };
    return { at, releaseId: release.id, number: release.number, state: release.state, message: release.message ?? null };
  });
}

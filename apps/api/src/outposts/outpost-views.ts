/** Outposts as the API shows them: the row, its last heartbeat and how many Stages use it. */
import type { Db, Tx } from "@pergola/db/client";
import { outpostHeartbeats, stages, type OutpostRow } from "@pergola/db/schema";
import { count, inArray } from "drizzle-orm";

export type OutpostView = OutpostRow & { uri: string; lastSeenAt: Date | null; latencyMs: number | null; stageCount: number };

/** Two statements whatever the number of Outposts. */
export async function getOutpostViews(db: Db | Tx, rows: OutpostRow[]): Promise<OutpostView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const beats = await db.select().from(outpostHeartbeats).where(inArray(outpostHeartbeats.outpostId, ids));
  const counts = await db
    .select({ outpostId: stages.outpostId, n: count() })
    .from(stages)
    .where(inArray(stages.outpostId, ids))
    .groupBy(stages.outpostId);
  const beatOf = new Map(beats.map((b) => [b.outpostId, b]));
  const countOf = new Map(counts.map((c) => [c.outpostId, c.n]));
  return rows.map((row) => toOutpostView(row, beatOf.get(row.id) ?? null, countOf.get(row.id) ?? 0));
}

/** The view of an Outpost row, given its last heartbeat and its number of Stages. */
export function toOutpostView(
  row: OutpostRow,
  beat: { lastSeenAt: Date; latencyMs: number | null } | null,
  stageCount: number,
): OutpostView {
  return { ...row, uri: `outpost://${row.slug}`, lastSeenAt: beat?.lastSeenAt ?? null, latencyMs: beat?.latencyMs ?? null, stageCount };
}

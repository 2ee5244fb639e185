/**
 * Purge removes a Stage "for good with its storage", and the storage is on the host of the agent
 * that ran it — this one's or a remote Outpost's, which may be offline for days. So purgeStage
 * leaves a tombstone (`stage_purges`) in its own transaction; the desired state of the Outpost
 * carries its tombstones (`purged`) until the agent says the storage is gone
 * (`acknowledgePurge`). A Stage that never had a Release never ran anything there, and leaves none.
 *
 * Storage on the agent's host is kept by the runtime's key `<project>/<stage>`, not by the Stage's
 * id: while a tombstone waits, its Stage ID stays taken (createStage's CONFLICT), or a new Stage of
 * that ID would be handed the old one's storage — or lose its own when the agent gets round to it.
 */
import type { Db, Tx } from "@pergola/db/client";
import { outposts, projects, releases, stagePurges, type StageRow } from "@pergola/db/schema";
import { LOCAL_OUTPOST } from "@pergola/schema";
import { and, eq, isNull, type SQL } from "drizzle-orm";

/** A tombstone as the agent reads it: the purged Stage's id and its runtime key (`<project>/<stage>`). */
export interface PurgedStage {
  stageId: string;
  key: string;
}

/** In the purge's transaction, before the Stage's row (and its Releases) go. */
export async function recordPurge(tx: Tx, stage: StageRow): Promise<void> {
  const [ran] = await tx.select({ id: releases.id }).from(releases).where(eq(releases.stageId, stage.id)).limit(1);
  if (!ran) return;
  await tx.insert(stagePurges).values({ stageId: stage.id, projectId: stage.projectId, slug: stage.slug, outpostId: stage.outpostId });
}

/** The tombstone holding Stage ID `slug` in the Project, if its agent has not removed the storage yet. */
export async function findPendingPurge(
  db: Db | Tx,
  projectId: string,
  slug: string,
): Promise<{ outpost: string; purgedAt: Date } | undefined> {
  const [row] = await db
    .select({ outpost: outposts.slug, purgedAt: stagePurges.purgedAt })
    .from(stagePurges)
    .leftJoin(outposts, eq(outposts.id, stagePurges.outpostId))
    .where(and(eq(stagePurges.projectId, projectId), eq(stagePurges.slug, slug)));
  return row ? { outpost: row.outpost ?? LOCAL_OUTPOST, purgedAt: row.purgedAt } : undefined;
}

/** The Outpost's tombstones (of one Project, or all), oldest first. */
export async function listPurged(db: Db | Tx, outpost: string, projectId?: string): Promise<PurgedStage[]> {
  const rows = await db
    .select({ stageId: stagePurges.stageId, slug: stagePurges.slug, project: projects.slug })
    .from(stagePurges)
    .innerJoin(projects, eq(projects.id, stagePurges.projectId))
    .leftJoin(outposts, eq(outposts.id, stagePurges.outpostId))
    .where(and(onOutpost(outpost), projectId ? eq(stagePurges.projectId, projectId) : undefined))
    .orderBy(stagePurges.purgedAt);
  return rows.map((r) => ({ stageId: r.stageId, key: `${r.project}/${r.slug}` }));
}

/** The agent of `outpost` removed the Stage's storage (or had none): the tombstone goes. Idempotent; another Outpost's is left alone. */
export async function acknowledgePurge(db: Db, outpost: string, stageId: string): Promise<void> {
  const outpostId =
    outpost === LOCAL_OUTPOST ? null : (await db.select({ id: outposts.id }).from(outposts).where(eq(outposts.slug, outpost)))[0]?.id;
  if (outpostId === undefined) return;
  await db
    .delete(stagePurges)
    .where(
      and(eq(stagePurges.stageId, stageId), outpostId === null ? isNull(stagePurges.outpostId) : eq(stagePurges.outpostId, outpostId)),
    );
}

function onOutpost(outpost: string): SQL {
  return outpost === LOCAL_OUTPOST ? isNull(stagePurges.outpostId) : eq(outposts.slug, outpost);
}

/**
 * Which of a Stage's Releases is which, as SQL conditions on `releases`: one definition for the
 * services and the lists that read them.
 */
import type { Tx } from "@pergola/db/client";
import { releases } from "@pergola/db/schema";
import { ACTIVE_RELEASE_STATES } from "@pergola/schema";
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";

/** A condition on `releases`: the row is active (PENDING, DEPLOYING or DEPLOYED): something the agent runs or will. */
export const isActiveRelease: SQL = inArray(releases.state, [...ACTIVE_RELEASE_STATES]);

/** Whether the Stage has an active Release: suspending and resuming it then wait for its agent. */
export async function hasActiveRelease(tx: Tx, stageId: string): Promise<boolean> {
  const [active] = await tx
    .select({ id: releases.id })
    .from(releases)
    .where(and(eq(releases.stageId, stageId), isActiveRelease))
    .limit(1);
  return Boolean(active);
}

/**
 * A condition on `releases`: the row is its Stage's current Release — the one on its way if
 * there is one, else the DEPLOYED one (the same one `activeReleases` picks).
 */
export const isCurrentRelease: SQL = sql`(${releases.state} in ('PENDING', 'DEPLOYING') or (${releases.state} = 'DEPLOYED' and not exists (select 1 from ${releases} as rolling where rolling.stage_id = ${releases.stageId} and rolling.state in ('PENDING', 'DEPLOYING'))))`;

/**
 * A condition on `releases`: the row is the Release serving its Stage — the DEPLOYED one, or,
 * while there is none (the first Release), the one on its way. A Stage's health is its.
 */
export const isServingRelease: SQL = sql`(${releases.state} = 'DEPLOYED' or (${releases.state} in ('PENDING', 'DEPLOYING') and not exists (select 1 from ${releases} as serving where serving.stage_id = ${releases.stageId} and serving.state = 'DEPLOYED')))`;

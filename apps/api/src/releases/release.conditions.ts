/**
 * Which of a Stage's Releases is which, as SQL conditions on `releases`: one definition for the
 * services and the lists that read them.
 */
import { releases } from "@pergola/db/schema";
import { sql, type SQL } from "drizzle-orm";

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

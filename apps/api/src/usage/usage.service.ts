/**
 * Components' resource usage (README "Resource usage"): agents' batches of samples stored, and
 * read back as the newest sample, a series for a chart, or what is new for a live feed. Usage is
 * no change of state: it is not in the event log, and a stored batch wakes the Stage's
 * followers through `UsageFeed` (NOTIFY `pergola_usage` across replicas). How long samples are
 * kept, and at what resolution, is usage-retention.ts.
 */
import type { Db } from "@pergola/db/client";
import { rowsOf } from "@pergola/db/client";
import { groupInOrder } from "../common/in-order.js";
import { componentUsage, outposts, stages, type ComponentUsageRow } from "@pergola/db/schema";
import { LOCAL_OUTPOST, USAGE } from "@pergola/schema";
import { and, asc, desc, eq, gt, gte, inArray, sql } from "drizzle-orm";
import { badInput, PgCode, pgErrorCode } from "../errors.js";
import { isUuid } from "../node/global-id.js";
import type { ReportingAgent } from "../components/component.service.js";
import { checkSample, checkSeriesRequest, type Sample, type SeriesRequest } from "./usage.rules.js";
import type { UsageFeed } from "./usage-feed.js";
import { compactUsage, type Compaction } from "./usage-retention.js";

/** One minute of a Stage's usage, summed over its Components. */
export interface StageUsagePoint {
  stageId: string;
  at: Date;
  cpu: number;
  memoryBytes: number;
}

export type UsagePoint = Pick<ComponentUsageRow, "at" | "cpuSecondsTotal" | "cpu" | "memoryBytes" | "openFiles">;
export interface StageUsageSample {
  component: string;
  usage: UsagePoint;
}
export interface UsageReportAnswer {
  stored: number;
  dropped: number;
  reason: string | null;
}

/** Why this agent may not report the Stage's usage; null when it may (as reportStatus decides, outpost-link.machine.ts). */
function refuseOwner(
  owner: { outpostId: string | null; slug: string | null; session: number | null },
  agent: ReportingAgent,
): string | null {
  if ((owner.slug ?? LOCAL_OUTPOST) !== agent.outpost) return "a Stage not on this agent's Outpost";
  if (owner.outpostId === null) return null;
  const current = agent.session?.outpostId === owner.outpostId && agent.session.epoch === owner.session;
  return current ? null : "superseded: another agent connected with this Outpost's token";
}

const point = (row: ComponentUsageRow): UsagePoint => ({
  at: row.at,
  cpuSecondsTotal: row.cpuSecondsTotal,
  cpu: row.cpu,
  memoryBytes: row.memoryBytes,
  openFiles: row.openFiles,
});

/** A sample taken further ahead of this clock than this is from an agent whose clock is off: dropped. */
const MAX_AHEAD_MS = 5 * 60_000;

/** Rows at the agents' own resolution: the last hour's (older ones are averaged, usage-retention.ts). */
const asSampled = eq(componentUsage.stepSeconds, USAGE.sampleSeconds);

export class UsageService {
  constructor(
    private readonly db: Db,
    private readonly feed: UsageFeed,
  ) {}

  /**
   * Stores the samples of the Stages this agent runs: on the local Outpost, its Stages; on a
   * remote one, those of its Outpost, and only from its newest session. Others, samples older
   * than the hour kept as sampled (the downsampling has moved past them) and samples from more
   * than a few minutes ahead (an agent's clock far off) are dropped.
   */
  async applyUsageReport(samples: readonly Sample[], agent: ReportingAgent, retried = false): Promise<UsageReportAnswer> {
    if (samples.length > USAGE.maxSamplesPerReport) throw badInput("samples", `at most ${USAGE.maxSamplesPerReport} in one report`);
    for (const [i, sample] of samples.entries()) checkSample(sample, i);
    const ids = [...new Set(samples.map((s) => s.stageId).filter(isUuid))];
    const owners = ids.length
      ? await this.db
          .select({ id: stages.id, outpostId: outposts.id, slug: outposts.slug, session: outposts.session })
          .from(stages)
          .leftJoin(outposts, eq(outposts.id, stages.outpostId))
          .where(inArray(stages.id, ids))
      : [];
    const refusals = new Map(owners.map((owner) => [owner.id, refuseOwner(owner, agent)]));
    const oldest = Date.now() - USAGE.rawSeconds * 1000;
    const newest = Date.now() + MAX_AHEAD_MS;
    const whyDropped = (s: Sample): string | null => {
      const refused = refusals.get(s.stageId);
      if (refused === undefined) return "no Stage has this ID";
      if (refused) return refused;
      if (s.at.getTime() < oldest) return "older than the hour kept as sampled";
      if (s.at.getTime() > newest) return "taken in the future";
      return null;
    };
    const reasons = new Set<string>();
    const kept = samples.filter((s) => {
      const reason = whyDropped(s);
      if (reason) reasons.add(reason);
      return reason === null;
    });
    let written: { stageId: string }[];
    try {
      written = await this.store(kept);
    } catch (error) {
      // A Stage deleted since it was read: read the owners again (it is dropped then).
      if (pgErrorCode(error) === PgCode.foreignKeyViolation && !retried) return this.applyUsageReport(samples, agent, true);
      throw error;
    }
    // Committed: the Stages' followers read the new samples.
    for (const stageId of new Set(written.map((w) => w.stageId))) this.feed.signal(stageId);
    const dropped = samples.length - kept.length;
    return { stored: written.length, dropped, reason: dropped ? [...reasons].join("; ") : null };
  }

  /** Inserts the samples as taken; one already stored (the same Component and time) is skipped. */
  private store(kept: readonly Sample[]): Promise<{ stageId: string }[]> {
    if (kept.length === 0) return Promise.resolve([]);
    return this.db
      .insert(componentUsage)
      .values(
        kept.map((s) => ({
          stageId: s.stageId,
          component: s.component,
          at: s.at,
          stepSeconds: USAGE.sampleSeconds,
          cpuSecondsTotal: s.cpuSecondsTotal,
          cpu: s.cpu,
          memoryBytes: Number(s.memoryBytes),
          openFiles: s.openFiles,
        })),
      )
      .onConflictDoNothing()
      .returning({ stageId: componentUsage.stageId });
  }

  /** The newest sample of each `<stageId>/<component>` in the last hour; null for none. */
  async listLatest(keys: readonly string[]): Promise<(UsagePoint | null)[]> {
    const pairs = keys.map((key) => [key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)] as const);
    const rows = await this.db
      .selectDistinctOn([componentUsage.stageId, componentUsage.component])
      .from(componentUsage)
      .where(
        and(
          asSampled,
          inArray(componentUsage.stageId, [...new Set(pairs.map(([stageId]) => stageId))]),
          inArray(componentUsage.component, [...new Set(pairs.map(([, name]) => name))]),
        ),
      )
      .orderBy(componentUsage.stageId, componentUsage.component, desc(componentUsage.at));
    const byKey = new Map(rows.map((row) => [`${row.stageId}/${row.component}`, point(row)]));
    return keys.map((key) => byKey.get(key) ?? null);
  }

  /**
   * A Component's usage since `since`, one point per `step` seconds (default: the resolution
   * kept at `since`), in time order; steps without a sample are left out. A point averages its
   * samples, weighted by the time each stands for; `cpuSecondsTotal` is the step's last.
   */
  async listSeries(stageId: string, component: string, request: SeriesRequest): Promise<UsagePoint[]> {
    const { since, step } = checkSeriesRequest(request, new Date());
    const u = componentUsage;
    // A whole number of seconds, checked: written into the statement, so that SELECT and GROUP BY say the same.
    const bucket = sql<Date>`to_timestamp(floor(extract(epoch from ${u.at}) / ${sql.raw(String(step))}) * ${sql.raw(String(step))})`;
    const rows = await this.db
      .select({
        at: bucket.mapWith((value: string | Date) => new Date(value)),
        cpuSecondsTotal: sql<number>`(array_agg(${u.cpuSecondsTotal} order by ${u.at} desc))[1]`.mapWith(Number),
        cpu: sql<number>`sum(${u.cpu} * ${u.stepSeconds}) / sum(${u.stepSeconds})`.mapWith(Number),
        memoryBytes: sql<number>`round(sum(${u.memoryBytes}::numeric * ${u.stepSeconds}) / sum(${u.stepSeconds}))`.mapWith(Number),
        openFiles: sql<number>`round(sum(${u.openFiles}::numeric * ${u.stepSeconds}) / sum(${u.stepSeconds}))`.mapWith(Number),
      })
      .from(u)
      .where(and(eq(u.stageId, stageId), eq(u.component, component), gte(u.at, since)))
      .groupBy(bucket)
      .orderBy(asc(bucket));
    return rows;
  }

  /** The newest sample of each Component of the Stage (in the last hour), and the newest time among them. */
  async listStageLatest(stageId: string): Promise<{ samples: StageUsageSample[]; newest: Date | null }> {
    const rows = await this.db
      .selectDistinctOn([componentUsage.component])
      .from(componentUsage)
      .where(and(asSampled, eq(componentUsage.stageId, stageId)))
      .orderBy(componentUsage.component, desc(componentUsage.at));
    rows.sort((a, b) => a.at.getTime() - b.at.getTime());
    return { samples: rows.map((row) => ({ component: row.component, usage: point(row) })), newest: rows.at(-1)?.at ?? null };
  }

  /** The Stage's samples taken after `after`, in time order (at most `limit`). */
  async listStageSince(stageId: string, after: Date | null, limit = 2000): Promise<StageUsageSample[]> {
    const rows = await this.db
      .select()
      .from(componentUsage)
      .where(and(asSampled, eq(componentUsage.stageId, stageId), after ? gt(componentUsage.at, after) : undefined))
      .orderBy(asc(componentUsage.at), asc(componentUsage.component))
      .limit(limit);
    return rows.map((row) => ({ component: row.component, usage: point(row) }));
  }

  /**
   * Each Stage's usage over the last hour, one point a minute, summed over its Components (each
   * Component's average in the minute): its sparkline. One statement for every Stage asked.
   */
  async listStageTrends(stageIds: readonly string[]): Promise<StageUsagePoint[][]> {
    if (stageIds.length === 0) return [];
    const rows = rowsOf<{ stage_id: string; at: string | Date; cpu: string | number; memory_bytes: string | number }>(
      await this.db.execute(sql`
        select stage_id, bucket as at, sum(cpu) as cpu, round(sum(memory_bytes)) as memory_bytes from (
          select stage_id, component, to_timestamp(floor(extract(epoch from at) / 60) * 60) as bucket,
            sum(cpu * step_seconds) / sum(step_seconds) as cpu,
            sum(memory_bytes::numeric * step_seconds) / sum(step_seconds) as memory_bytes
          from ${componentUsage}
          where stage_id = any(${sql.param([...stageIds])}::uuid[]) and at >= now() - interval '1 hour'
          group by stage_id, component, bucket
        ) per_component
        group by stage_id, bucket
        order by stage_id, bucket`),
    );
    const points = rows.map((row) => ({
      stageId: row.stage_id,
      at: new Date(row.at),
      cpu: Number(row.cpu),
      memoryBytes: Number(row.memory_bytes),
    }));
    return groupInOrder(stageIds, points, (p) => p.stageId);
  }

  /** Averages samples older than an hour into minutes, and deletes what is older than a day (usage-retention.ts). */
  compact(): Promise<Compaction> {
    return compactUsage(this.db);
  }
}

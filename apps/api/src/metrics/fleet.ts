/**
 * The fleet as the metrics see it: every Stage with its state and health, every Component of
 * the Release serving it, what each Component's processes use (its newest usage sample, when it
 * is recent), every Outpost with its heartbeat's age — read from the database, so
 * every replica reports the same, and kept for a few seconds (one read serves a scrape's gauges,
 * and scrapes of several Prometheus servers).
 */
import type { Db } from "@pergola/db/client";
import { componentUsage, components, outpostHeartbeats, outposts, projects, releases, stages } from "@pergola/db/schema";
import { USAGE, type Health } from "@pergola/schema";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { componentAsSeen } from "../domain/component.machine.js";
import { isServingRelease } from "../releases/release.conditions.js";
import { deriveStageHealth } from "../stages/stage.health.js";

export interface FleetStage {
  project: string;
  stage: string;
  type: string;
  state: string;
  health: Health;
  components: { name: string; kind: string; state: string; restarts: number }[];
}

export interface FleetOutpost {
  outpost: string;
  status: string;
  /** Seconds since its last heartbeat; null before the first. */
  heartbeatAge: number | null;
}

/** A Component's newest usage sample (usage/): only one taken in the last USAGE_FRESH_SECONDS counts. */
export interface FleetUsage {
  project: string;
  stage: string;
  component: string;
  cpuSecondsTotal: number;
  memoryBytes: number;
}

export interface Fleet {
  stages: FleetStage[];
  outposts: FleetOutpost[];
  usage: FleetUsage[];
}

/**
 * A sample older than this (several of the agent's intervals) is not "now": the Component
 * stopped being sampled (its Stage went away, its agent is out of reach), and its series
 * disappears from /metrics rather than repeating an old value.
 */
const USAGE_FRESH_SECONDS = 6 * USAGE.sampleSeconds;

type ServingComponent = { name: string; kind: string; state: string; health: string; lastKnownHealth: string | null; restarts: number };

export async function readFleet(db: Db): Promise<Fleet> {
  const serving = sql<ServingComponent[]>`(
    select coalesce(json_agg(json_build_object('name', c.name, 'kind', c.kind, 'state', c.state, 'health', c.health,
      'lastKnownHealth', c.last_known_health, 'restarts', c.restarts) order by c.name), '[]'::json)
    from ${components} c join ${releases} on ${releases.id} = c.release_id
    where c.stage_id = ${stages.id} and ${isServingRelease})`;
  const newest = db
    .selectDistinctOn([componentUsage.stageId, componentUsage.component], {
      stageId: componentUsage.stageId,
      component: componentUsage.component,
      cpuSecondsTotal: componentUsage.cpuSecondsTotal,
      memoryBytes: componentUsage.memoryBytes,
    })
    .from(componentUsage)
    .where(
      and(
        eq(componentUsage.stepSeconds, USAGE.sampleSeconds),
        gt(componentUsage.at, sql`now() - make_interval(secs => ${USAGE_FRESH_SECONDS})`),
      ),
    )
    .orderBy(componentUsage.stageId, componentUsage.component, desc(componentUsage.at))
    .as("newest");
  const [stageRows, outpostRows, usageRows] = await Promise.all([
    db
      .select({
        project: projects.slug,
        stage: stages.slug,
        type: stages.type,
        state: stages.state,
        outpostStatus: outposts.status,
        serving,
      })
      .from(stages)
      .innerJoin(projects, eq(projects.id, stages.projectId))
      .leftJoin(outposts, eq(outposts.id, stages.outpostId))
      // Archived (deleted) Stages and Projects are out of the fleet.
      .where(and(isNull(stages.archivedAt), isNull(projects.archivedAt))),
    db
      .select({
        outpost: outposts.slug,
        status: outposts.status,
        heartbeatAge: sql<number | null>`extract(epoch from now() - ${outpostHeartbeats.lastSeenAt})::float8`,
      })
      .from(outposts)
      .leftJoin(outpostHeartbeats, eq(outpostHeartbeats.outpostId, outposts.id)),
    db
      .select({
        project: projects.slug,
        stage: stages.slug,
        component: newest.component,
        cpuSecondsTotal: newest.cpuSecondsTotal,
        memoryBytes: newest.memoryBytes,
      })
      .from(newest)
      .innerJoin(stages, eq(stages.id, newest.stageId))
      .innerJoin(projects, eq(projects.id, stages.projectId)),
  ]);
  return {
    stages: stageRows.map((row) => {
      const seen = row.serving.map((c) => componentAsSeen(c, row.outpostStatus));
      return {
        project: row.project,
        stage: row.stage,
        type: row.type,
        state: row.state,
        health: deriveStageHealth(seen),
        components: row.serving.map(({ name, kind, state, restarts }) => ({ name, kind, state, restarts })),
      };
    }),
    outposts: outpostRows.map((row) => ({ ...row, heartbeatAge: row.heartbeatAge === null ? null : Number(row.heartbeatAge) })),
    usage: usageRows.map((row) => ({ ...row, memoryBytes: Number(row.memoryBytes) })),
  };
}

/** `read` at most once per `ttlMs`; callers within that time share the answer (and its failure). */
export function cached<T>(read: () => Promise<T>, ttlMs: number): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= ttlMs) {
      const value = read();
      last = { at: now, value };
      // A failed read is not kept: the next scrape tries again.
      value.catch(() => {
        if (last?.value === value) last = undefined;
      });
    }
    return last.value;
  };
}

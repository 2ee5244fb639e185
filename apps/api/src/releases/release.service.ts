/**
 * Releases: a Build plus a Configuration version, immutable once made. Deploying makes a new
 * PENDING Release and supersedes the Stage's active one, in one transaction under the Project
 * and Stage locks; the partial unique index `releases_one_active_per_stage` backs the rule.
 * The agent's reports move PENDING → DEPLOYING → DEPLOYED | FAILED; domain/release.machine.ts
 * decides every move, this service loads, locks and writes.
 */
import type { Db, Tx } from "@pergola/db/client";
import { builds, configurations, releases, stages, type BuildRow, type ReleaseRow, type StageRow } from "@pergola/db/schema";
import { ACTIVE_RELEASE_STATES } from "@pergola/schema";
import { and, desc, eq, inArray, max, sql } from "drizzle-orm";
import { accepted, toAppError } from "../domain/outcome.js";
import { createRelease, planRelease, stepRelease, type ReleaseChange, type ReleasePlan } from "../domain/release.machine.js";
import { AppError, badInput, ErrorCode, notFound, PgCode, pgErrorCode } from "../errors.js";
import { EventKind } from "../events/event-kind.js";
import type { EventLog, ProjectTx } from "../events/event-log.js";
import { lockStage, type ProjectTarget } from "../stages/stage.service.js";
import { toStageSnapshot } from "../stages/stage.snapshot.js";

export interface DeployInput {
  stage: string;
  build?: string | null;
  config?: string | null;
}

export class ReleaseService {
  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
  ) {}

  listReleases(stage: Pick<StageRow, "id">, first: number): Promise<ReleaseRow[]> {
    return this.db
      .select()
      .from(releases)
      .where(eq(releases.stageId, stage.id))
      .orderBy(desc(releases.number))
      .limit(Math.min(Math.max(first, 1), 500));
  }

  /** The active Release of each Stage (PENDING, DEPLOYING or DEPLOYED), for `Stage.currentRelease`. */
  async activeReleases(stageIds: readonly string[]): Promise<(ReleaseRow | null)[]> {
    const rows = await this.db
      .select()
      .from(releases)
      .where(and(inArray(releases.stageId, [...stageIds]), inArray(releases.state, [...ACTIVE_RELEASE_STATES])));
    const byStage = new Map(rows.map((r) => [r.stageId, r]));
    return stageIds.map((id) => byStage.get(id) ?? null);
  }

  /** `deployRelease`: the missing one of Build and Configuration is the Stage's current. */
  deployRelease(project: ProjectTarget, createdBy: string, input: DeployInput): Promise<ReleaseRow> {
    if (!input.build && !input.config) throw badInput("build", "give a Build, a Configuration, or both");
    return this.inStage(project, input.stage, async (ptx, stage) => {
      const current = await activeRelease(ptx.tx, stage.id);
      const plan = planned(
        planRelease({ kind: "deploy", stage: stage.slug, build: input.build ?? null, config: input.config ?? null, current }),
      );
      return this.release(ptx, stage, current, await buildOf(ptx, plan), plan.configName, createdBy);
    });
  }

  /** Deploys the Build live on `from` to `to`; `to` keeps its own Configuration (Heroku pipelines). */
  promoteRelease(project: ProjectTarget, createdBy: string, from: string, to: string): Promise<ReleaseRow> {
    if (from === to) throw badInput("to", "must be another Stage than `from`");
    return this.log.inProject(project, async (ptx) => {
      const source = await lockStage(ptx, from);
      const target = await lockStage(ptx, to);
      const live = await activeRelease(ptx.tx, source.id);
      const current = live ? await activeRelease(ptx.tx, target.id) : null;
      const plan = planned(planRelease({ kind: "promote", from, live, current }));
      return this.release(ptx, target, current, await buildOf(ptx, plan), plan.configName, createdBy);
    });
  }

  /** Redeploys the Build of the Release before the current one, with the current Configuration. */
  rollbackStage(project: ProjectTarget, createdBy: string, slug: string): Promise<ReleaseRow> {
    return this.inStage(project, slug, async (ptx, stage) => {
      const current = await activeRelease(ptx.tx, stage.id);
      const [previous] = current
        ? await ptx.tx
            .select()
            .from(releases)
            .where(and(eq(releases.stageId, stage.id), sql`${releases.number} < ${current.number}`))
            .orderBy(desc(releases.number))
            .limit(1)
        : [];
      const plan = planned(planRelease({ kind: "rollback", stage: slug, current, previous: previous ?? null }));
      return this.release(ptx, stage, current, await buildOf(ptx, plan), plan.configName, createdBy);
    });
  }

  private async inStage<T>(project: ProjectTarget, slug: string, work: (ptx: ProjectTx, stage: StageRow) => Promise<T>) {
    try {
      return await this.log.inProject(project, async (ptx) => work(ptx, await lockStage(ptx, slug)));
    } catch (error) {
      // The row locks make this unreachable; the index makes it impossible to get wrong.
      if (pgErrorCode(error) === PgCode.uniqueViolation) {
        throw new AppError(ErrorCode.CONFLICT, `Stage "${slug}" got another Release at the same moment; try again`);
      }
      throw error;
    }
  }

  private async release(
    { tx, emit }: ProjectTx,
    stage: StageRow,
    current: ReleaseRow | null,
    build: BuildRow,
    configName: string | null,
    createdBy: string,
  ): Promise<ReleaseRow> {
    const config = configName ? await configVersion(tx, stage, configName) : null;
    if (current) await applyReleaseChange({ tx, emit }, stage, current, accepted(stepRelease(current, { kind: "supersede" })));
    const [{ last } = { last: 0 }] = await tx
      .select({ last: sql<number>`coalesce(${max(releases.number)}, 0)::int` })
      .from(releases)
      .where(eq(releases.stageId, stage.id));
    const [created] = await tx
      .insert(releases)
      .values({
        projectId: stage.projectId,
        stageId: stage.id,
        number: Number(last) + 1,
        buildId: build.id,
        configName: config?.name ?? null,
        configVersion: config?.version ?? null,
        createdBy,
        ...createRelease(stage.state),
      })
      .returning();
    // The agent has something new to run: a new generation of the Stage's desired state.
    await tx
      .update(stages)
      .set({ generation: sql`${stages.generation} + 1` })
      .where(eq(stages.id, stage.id));
    emit(releaseEvent(EventKind.RELEASE_CREATED, stage, created!));
    return created!;
  }
}

/**
 * Writes what the Release machine decided: the new state and message with their event and,
 * when the machine says so, a new generation of the Stage. Returns the Release as written.
 */
export async function applyReleaseChange(
  { tx, emit }: Pick<ProjectTx, "tx" | "emit">,
  stage: StageRow,
  release: ReleaseRow,
  { events }: { events: ReleaseChange[] },
): Promise<ReleaseRow> {
  let row = release;
  for (const { state, message, newStageGeneration } of events) {
    const [moved] = await tx.update(releases).set({ state, message, updatedAt: new Date() }).where(eq(releases.id, row.id)).returning();
    emit(releaseEvent(EventKind.RELEASE_STATE_CHANGED, stage, moved!));
    if (newStageGeneration)
      await tx
        .update(stages)
        .set({ generation: sql`${stages.generation} + 1` })
        .where(eq(stages.id, stage.id));
    row = moved!;
  }
  return row;
}

export function releaseEvent(kind: EventKind, stage: StageRow, release: ReleaseRow) {
  return {
    kind,
    stageId: stage.id,
    payload: {
      stage: toStageSnapshot(stage),
      release: { ...release, createdAt: release.createdAt.toISOString(), updatedAt: release.updatedAt.toISOString() },
    },
  };
}

async function activeRelease(tx: Tx, stageId: string): Promise<ReleaseRow | null> {
  const [row] = await tx
    .select()
    .from(releases)
    .where(and(eq(releases.stageId, stageId), inArray(releases.state, [...ACTIVE_RELEASE_STATES])))
    .for("update");
  return row ?? null;
}

async function findBuild({ tx, project }: Pick<ProjectTx, "tx" | "project">, name: string): Promise<BuildRow> {
  const [row] = await tx
    .select()
    .from(builds)
    .where(and(eq(builds.projectId, project.id), eq(builds.name, name)));
  if (!row) throw notFound(`Build "${name}" in Project "${project.slug}"`);
  return row;
}

async function buildById(tx: Tx, id: string): Promise<BuildRow> {
  const [row] = await tx.select().from(builds).where(eq(builds.id, id));
  return row!;
}

/** The Build a planned Release runs: the caller's, by name, or another Release's, by id. */
function buildOf(ptx: Pick<ProjectTx, "tx" | "project">, plan: ReleasePlan): Promise<BuildRow> {
  return "name" in plan.build ? findBuild(ptx, plan.build.name) : buildById(ptx.tx, plan.build.id);
}

function planned(result: ReturnType<typeof planRelease>): ReleasePlan {
  if ("refused" in result) throw toAppError(result.refused);
  return result.plan;
}

async function configVersion(tx: Tx, stage: StageRow, name: string): Promise<{ name: string; version: number } | null> {
  const [row] = await tx
    .select({ name: configurations.name, version: configurations.version })
    .from(configurations)
    .where(and(eq(configurations.stageId, stage.id), eq(configurations.name, name)));
  // The default Configuration may not exist yet: then the Release runs with none.
  if (!row && name !== "default") throw notFound(`Configuration "${name}" of Stage "${stage.slug}"`);
  return row ?? null;
}

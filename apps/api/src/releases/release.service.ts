/**
 * Releases: a Build plus a Configuration version, immutable once made. Deploying makes a new
 * PENDING Release, in one transaction under the Project and Stage locks; the DEPLOYED one keeps
 * serving until the new one is DEPLOYED (then it is SUPERSEDED), and goes on if the new one
 * FAILS. The partial unique indexes `releases_one_deployed_per_stage` and
 * `releases_one_rolling_per_stage` back the rules. The agent's reports move
 * PENDING → DEPLOYING → DEPLOYED | FAILED; domain/release.machine.ts decides every move, this
 * service loads, locks and writes. Every new Release (deploy, promote, rollback) first passes the
 * Stage type's policy (stage-policies/), checked under the same locks.
 */
import type { Db, Tx } from "@pergola/db/client";
import { builds, configurations, releases, stages, type BuildRow, type ReleaseRow, type StageRow } from "@pergola/db/schema";
import { ACTIVE_RELEASE_STATES, isOneOf, ROLLING_RELEASE_STATES } from "@pergola/schema";
import { and, count, desc, eq, inArray, lt, max, ne, sql, type SQL } from "drizzle-orm";
import { afterCursor, type Keyset, keyColumn, keyOrder, type Page, type PageRequest, pageSize, toPage } from "../common/keyset.js";
import { accepted, toAppError } from "../domain/outcome.js";
import { createRelease, planRelease, stepRelease, type ReleaseChange, type ReleasePlan } from "../domain/release.machine.js";
import { AppError, badInput, ErrorCode, notFound, PgCode, pgErrorCode } from "../errors.js";
import { EventKind } from "../events/event-kind.js";
import type { EventLog, ProjectTarget, ProjectTx } from "../events/event-log.js";
import { lockStage } from "../stages/stage.service.js";
import { lockStages } from "../stages/stage-writes.js";
import { toStageSnapshot } from "../stages/stage.snapshot.js";
import { checkDeployPolicy, type DeployCaller } from "../stage-policies/stage-policy.service.js";
import { isCurrentRelease } from "./release.conditions.js";

export interface DeployInput {
  stage: string;
  build?: string | null;
  config?: string | null;
}

/** The plain list's order, newest first: a Release's number is unique in its Stage. */
const RELEASE_KEYSET: Keyset = { list: "Release", columns: [{ column: releases.number, part: "int" }], direction: "desc" };

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

  /** One page of the Stage's Releases, in `listReleases`' order: one statement (and one more if `totalCount` is read). */
  async listReleasePage(stage: Pick<StageRow, "id">, request: PageRequest): Promise<Page<ReleaseRow>> {
    const size = pageSize(request.first);
    const rows = await this.db
      .select({ node: releases, key: keyColumn(RELEASE_KEYSET) })
      .from(releases)
      .where(and(eq(releases.stageId, stage.id), afterCursor(RELEASE_KEYSET, stage.id, request.after)))
      .orderBy(...keyOrder(RELEASE_KEYSET))
      .limit(size + 1);
    return toPage(RELEASE_KEYSET, stage.id, rows, size, async () => {
      const [{ n } = { n: 0 }] = await this.db.select({ n: count() }).from(releases).where(eq(releases.stageId, stage.id));
      return n;
    });
  }

  /**
   * Each Stage's current Release, for `Stage.currentRelease`: the one on its way (PENDING or
   * DEPLOYING) if there is one, else the DEPLOYED one.
   */
  activeReleases(stageIds: readonly string[]): Promise<(ReleaseRow | null)[]> {
    return this.releaseOfEach(stageIds, isCurrentRelease);
  }

  /** Each Stage's DEPLOYED Release, the one serving it, for `Stage.liveRelease`. */
  deployedReleases(stageIds: readonly string[]): Promise<(ReleaseRow | null)[]> {
    return this.releaseOfEach(stageIds, eq(releases.state, "DEPLOYED"));
  }

  /** For each Stage, its one Release that meets `which` (at most one does), or null. */
  private async releaseOfEach(stageIds: readonly string[], which: SQL): Promise<(ReleaseRow | null)[]> {
    const rows = await this.db
      .select()
      .from(releases)
      .where(and(inArray(releases.stageId, [...stageIds]), which));
    const byStage = new Map(rows.map((r) => [r.stageId, r]));
    return stageIds.map((id) => byStage.get(id) ?? null);
  }

  /** `deployRelease`: the missing one of Build and Configuration is the Stage's current. */
  deployRelease(project: ProjectTarget, caller: DeployCaller, input: DeployInput): Promise<ReleaseRow> {
    if (!input.build && !input.config) throw badInput("build", "give a Build, a Configuration, or both");
    return this.inStage(project, input.stage, async (ptx, stage) => {
      const { current, rolling } = await lockActiveReleases(ptx.tx, stage.id);
      const plan = planned(
        planRelease({ kind: "deploy", stage: stage.slug, build: input.build ?? null, config: input.config ?? null, current }),
      );
      return this.release(ptx, stage, rolling, await buildOf(ptx, plan), plan.configName, caller);
    });
  }

  /** Deploys the Build live on `from` to `to`; `to` keeps its own Configuration (Heroku pipelines). */
  promoteRelease(project: ProjectTarget, caller: DeployCaller, from: string, to: string): Promise<ReleaseRow> {
    if (from === to) throw badInput("to", "must be another Stage than `from`");
    return this.log.inProject(
      project,
      async (ptx) => {
        // Both Stages first, the Project row last, as every write to a Stage locks them: taken the
        // other way round, an agent's report on `from` and the promotion deadlocked.
        const locked = await lockStages(ptx, [from, to]);
        const source = locked.get(from)!;
        const target = locked.get(to)!;
        const live = (await lockActiveReleases(ptx.tx, source.id)).current;
        const { current, rolling } = await lockActiveReleases(ptx.tx, target.id);
        const plan = planned(planRelease({ kind: "promote", from, live, current }));
        return this.release(ptx, target, rolling, await buildOf(ptx, plan), plan.configName, caller);
      },
      { lock: "last" },
    );
  }

  /**
   * Undoes the Stage's latest Release (a failed one too): redeploys the Build of the newest
   * Release before it that did not fail, with the current Configuration.
   */
  rollbackStage(project: ProjectTarget, caller: DeployCaller, slug: string): Promise<ReleaseRow> {
    return this.inStage(project, slug, async (ptx, stage) => {
      const { current, rolling } = await lockActiveReleases(ptx.tx, stage.id);
      const [latest] = await ptx.tx.select().from(releases).where(eq(releases.stageId, stage.id)).orderBy(desc(releases.number)).limit(1);
      const [previous] = latest
        ? await ptx.tx
            .select()
            .from(releases)
            .where(and(eq(releases.stageId, stage.id), lt(releases.number, latest.number), ne(releases.state, "FAILED")))
            .orderBy(desc(releases.number))
            .limit(1)
        : [];
      const plan = planned(planRelease({ kind: "rollback", stage: slug, latest: latest ?? null, current, previous: previous ?? null }));
      return this.release(ptx, stage, rolling, await buildOf(ptx, plan), plan.configName, caller);
    });
  }

  private async inStage<T>(project: ProjectTarget, slug: string, work: (ptx: ProjectTx, stage: StageRow) => Promise<T>) {
    try {
      return await this.log.inProject(project, async (ptx) => work(ptx, await lockStage(ptx, slug)), { lock: "last" });
    } catch (error) {
      // The row locks make this unreachable; the index makes it impossible to get wrong.
      if (pgErrorCode(error) === PgCode.uniqueViolation) {
        throw new AppError(ErrorCode.CONFLICT, `Stage "${slug}" got another Release at the same moment; try again`);
      }
      throw error;
    }
  }

  /**
   * Makes the new Release, once the Stage's policy allows it; `rolling`, a Release still on its
   * way, is SUPERSEDED by it (the DEPLOYED one is not).
   */
  private async release(
    { tx, emit, project }: ProjectTx,
    stage: StageRow,
    rolling: ReleaseRow | null,
    build: BuildRow,
    configName: string | null,
    caller: DeployCaller,
  ): Promise<ReleaseRow> {
    await checkDeployPolicy({ tx, project }, stage, build, caller);
    const createdBy = caller.actor.name;
    const config = configName ? await configVersion(tx, stage, configName) : null;
    if (rolling) await applyReleaseChange({ tx, emit }, stage, rolling, accepted(stepRelease(rolling, { kind: "supersede" })));
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
 * when the machine says so, a new generation of the Stage. A Release that is DEPLOYED takes the
 * Stage from the one that served it, which is SUPERSEDED first (one DEPLOYED per Stage).
 * Returns the Release as written.
 */
export async function applyReleaseChange(
  { tx, emit }: Pick<ProjectTx, "tx" | "emit">,
  stage: StageRow,
  release: ReleaseRow,
  { events }: { events: ReleaseChange[] },
): Promise<ReleaseRow> {
  let row = release;
  for (const { state, message, newStageGeneration } of events) {
    if (state === "DEPLOYED") {
      const [serving] = await tx
        .select()
        .from(releases)
        .where(and(eq(releases.stageId, stage.id), eq(releases.state, "DEPLOYED"), ne(releases.id, row.id)))
        .for("update");
      if (serving) await applyReleaseChange({ tx, emit }, stage, serving, accepted(stepRelease(serving, { kind: "supersede" })));
    }
    const now = new Date();
    // deployedAt stays the first time: the promotion rule of Stage policies asks whether it ever was.
    const deployedAt = state === "DEPLOYED" && !row.deployedAt ? { deployedAt: now } : {};
    const [moved] = await tx
      .update(releases)
      .set({ state, message, updatedAt: now, ...deployedAt })
      .where(eq(releases.id, row.id))
      .returning();
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

/**
 * The Stage's Releases that are not over, locked: the one on its way (`rolling`), and `current`,
 * that one if there is one, else the DEPLOYED one.
 */
async function lockActiveReleases(tx: Tx, stageId: string) {
  const rows = await tx
    .select()
    .from(releases)
    .where(and(eq(releases.stageId, stageId), inArray(releases.state, [...ACTIVE_RELEASE_STATES])))
    .for("update");
  const rolling = rows.find((r) => isOneOf(ROLLING_RELEASE_STATES, r.state)) ?? null;
  return { rolling, current: rolling ?? rows.find((r) => r.state === "DEPLOYED") ?? null };
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

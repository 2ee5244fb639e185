/**
 * Stages: Stage IDs, settings, and the commands of the state machine
 * RUNNING → SUSPENDING → SUSPENDED → RESUMING → RUNNING, which domain/stage.machine.ts decides.
 * A write to a Stage locks the Stage row first and the Project row last, only to take its events'
 * seq (event-log.ts, lock "last"): writes to different Stages of a Project run side by side.
 */
import type { Db, Tx } from "@pergola/db/client";
import {
  backups,
  projectMembers,
  stagePurges,
  projects,
  releases,
  stages,
  type ProjectRow,
  type ReleaseRow,
  type StageRow,
  type StageState,
  type StageType,
} from "@pergola/db/schema";
import { BACKUP_RETENTION_MAX, BACKUP_RETENTION_MIN } from "@pergola/schema";
import { and, asc, count, eq, getTableColumns, inArray, isNull, like, sql, type SQL } from "drizzle-orm";
import { afterCursor, type Keyset, keyColumn, keyOrder, type Page, type PageRequest, pageSize, toPage } from "../common/keyset.js";
import { requireName, resolveSlug, suggestFreeSlug } from "../common/slug.js";
import { accepted } from "../domain/outcome.js";
import { stepStage } from "../domain/stage.machine.js";
import { AppError, badInput, ErrorCode, notFound, PgCode, pgErrorCode, stateConflict } from "../errors.js";
import { EventKind } from "../events/event-kind.js";
import type { Actor } from "../auth/actor.js";
import { placeOnOutpost } from "../outposts/outpost-grants.js";
import { mayUseProject } from "../projects/project.service.js";
import type { OutpostService } from "../outposts/outpost.service.js";
import type { EventLog, ProjectTarget } from "../events/event-log.js";
import { hasActiveRelease, isCurrentRelease } from "../releases/release.conditions.js";
import { listDeployMarkers, listHealthChanges, type HistoryRequest } from "./stage-history.js";
import { archiveStage, purgeStage, restoreStage } from "./stage-archive.js";
import { findPendingPurge } from "./stage-purges.js";
import type { DeployMarker, StageHealthChange } from "./stage-history.type.js";
import { checkSuspendPolicy, readStagePolicy } from "../stage-policies/stage-policy.service.js";
import { toStageSnapshot } from "./stage.snapshot.js";
import { applyStageSteps, lockStage } from "./stage-writes.js";

export { applyStageSteps, lockStage };

export interface CreateStageInput {
  name: string;
  type: StageType;
  slug?: string | null;
  suspendGraceSeconds?: number | null;
  /** outpost://<slug>; omitted: the built-in local Outpost. */
  outpostUri?: string | null;
}

export interface UpdateStageInput {
  name?: string | null;
  type?: StageType | null;
  suspendGraceSeconds?: number | null;
  backupRetention?: number | null;
}

/** A page of Stages and its filters (`stagesConnection`). */
export interface StagePageRequest extends PageRequest {
  type?: StageType | null;
  state?: StageState | null;
}

/** The plain list's order, oldest first; the id breaks ties between Stages created together. */
const STAGE_KEYSET: Keyset = {
  list: "Stage",
  columns: [
    { column: stages.createdAt, part: "timestamp" },
    { column: stages.id, part: "uuid" },
  ],
  direction: "asc",
};

const MAX_GRACE_SECONDS = 86_400;

export class StageService {
  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
    private readonly outposts: Pick<OutpostService, "requireForStage">,
  ) {
    this.listed = listStagesStatement(db, eq(projects.id, sql.placeholder("project")), "list_stages");
    this.listedBySlug = listStagesStatement(db, eq(projects.slug, sql.placeholder("slug")), "list_stages_by_slug");
  }

  private readonly listed: ReturnType<typeof listStagesStatement>;
  private readonly listedBySlug: ReturnType<typeof listStagesStatement>;

  /**
   * The Project's Stages, oldest first, each with what a list shows beside it (`listed`): its
   * current Release. Archived Stages are left out. One statement, built once, whatever the number of Stages.
   */
  async listStages(project: Pick<ProjectRow, "id">): Promise<ListedStage[]> {
    return toListed(await this.listed.execute({ project: project.id, user: null, archived: false }));
  }

  /**
   * `stages(project)`: the same list, with the Project found by slug and the actor's role in it
   * read by the same statement; NOT_FOUND where the actor may not see the Project.
   */
  async listStagesOf(actor: Actor, slug: string, archived = false): Promise<ListedStage[]> {
    const rows = await this.listedBySlug.execute({ slug, user: actor.userId, archived });
    const [first] = rows;
    if (!first || !mayUseProject(actor, slug, "project.read", first.role)) throw notFound(`Project "${slug}"`);
    return toListed(rows);
  }

  /** One page of the Project's Stages, in `listStages`' order: one statement (and one more if `totalCount` is read). */
  async listStagePage(project: Pick<ProjectRow, "id">, request: StagePageRequest): Promise<Page<StageRow>> {
    const size = pageSize(request.first);
    const filters = and(
      eq(stages.projectId, project.id),
      isNull(stages.archivedAt),
      request.type ? eq(stages.type, request.type) : undefined,
      request.state ? eq(stages.state, request.state) : undefined,
    );
    const rows = await this.db
      .select({ node: stages, key: keyColumn(STAGE_KEYSET) })
      .from(stages)
      .where(and(filters, afterCursor(STAGE_KEYSET, project.id, request.after)))
      .orderBy(...keyOrder(STAGE_KEYSET))
      .limit(size + 1);
    return toPage(STAGE_KEYSET, project.id, rows, size, async () => {
      const [{ n } = { n: 0 }] = await this.db.select({ n: count() }).from(stages).where(filters);
      return n;
    });
  }

  /** The Stage, or NOT_FOUND naming it. */
  async requireStage(project: ProjectRow, slug: string): Promise<StageRow> {
    const stage = await this.findStage(project, slug);
    if (!stage) throw notFound(`Stage "${slug}" in Project "${project.slug}"`);
    return stage;
  }

  /** The Outpost id of each Stage, in the order of `stageIds`; null for a local or unknown Stage. */
  async listOutpostIds(stageIds: readonly string[]): Promise<(string | null)[]> {
    const rows = await this.db
      .select({ id: stages.id, outpostId: stages.outpostId })
      .from(stages)
      .where(inArray(stages.id, [...stageIds]));
    const byId = new Map(rows.map((r) => [r.id, r.outpostId]));
    return stageIds.map((id) => byId.get(id) ?? null);
  }

  /** Its health changes (stage-history.ts). */
  listHealthChanges(stageId: string, request: HistoryRequest): Promise<StageHealthChange[]> {
    return listHealthChanges(this.db, stageId, request);
  }

  /** Its Releases' ends, DEPLOYED or FAILED (stage-history.ts). */
  listDeployMarkers(stageId: string, request: HistoryRequest): Promise<DeployMarker[]> {
    return listDeployMarkers(this.db, stageId, request);
  }

  async findStage(project: ProjectRow, slug: string): Promise<StageRow | null> {
    const [row] = await this.db
      .select()
      .from(stages)
      .where(and(eq(stages.projectId, project.id), eq(stages.slug, slug)));
    return row ?? null;
  }

  /**
   * `actor` decides the placement on an Outpost (policy "outpost.place"): a member only on one
   * granted to the Project; an admin's placement grants it.
   */
  async createStage(project: ProjectTarget, input: CreateStageInput, actor: Actor): Promise<StageRow> {
    const name = requireName("name", input.name);
    const slug = resolveSlug("slug", name, input.slug);
    const grace = graceOf(input.suspendGraceSeconds);
    // Checked before anything is written: an unknown or malformed URI never reaches the Stage.
    const outpost = input.outpostUri ? await this.outposts.requireForStage(actor, input.outpostUri) : null;
    let locked: ProjectRow | undefined;
    try {
      return await this.log.inProject(project, async ({ tx, project: row, emit }) => {
        locked = row;
        if (outpost) await placeOnOutpost(tx, actor, outpost, row);
        // None given: the type's default (its Stage policy).
        const suspendGraceSeconds = grace ?? (await readStagePolicy(tx, input.type)).defaultSuspendGraceSeconds;
        const [stage] = await tx
          .insert(stages)
          .values({ projectId: row.id, name, slug, type: input.type, suspendGraceSeconds, outpostId: outpost?.id ?? null })
          .onConflictDoNothing()
          .returning();
        if (!stage) throw await this.stageIdTaken(tx, row, slug);
        // A purged Stage whose storage its agent has not removed yet keeps its Stage ID (stage-purges.ts).
        // Read after the insert: one that waited for a purge of this ID to commit sees its tombstone.
        const purge = await findPendingPurge(tx, row.id, slug);
        if (purge) throw await this.stageIdTaken(tx, row, slug, purge.outpost);
        emit({ kind: EventKind.STAGE_CREATED, stageId: stage.id, payload: { stage: toStageSnapshot(stage) } });
        return stage;
      });
    } catch (error) {
      if (locked && pgErrorCode(error) === PgCode.uniqueViolation) throw await this.stageIdTaken(this.db, locked, slug);
      throw error;
    }
  }

  /** Renames keep the Stage ID: links and scripts that use it go on working. */
  async updateStage(project: ProjectTarget, slug: string, input: UpdateStageInput): Promise<StageRow> {
    const changes: Partial<StageRow> = {};
    if (input.name != null) changes.name = requireName("name", input.name);
    if (input.type != null) changes.type = input.type;
    const grace = graceOf(input.suspendGraceSeconds);
    if (grace !== undefined) changes.suspendGraceSeconds = grace;
    // Not desired state (the API prunes backups, not the agent): no new generation.
    const retention = backupRetentionOf(input.backupRetention);
    if (retention !== undefined) changes.backupRetention = retention;
    return this.log.inProject(
      project,
      async (ptx) => {
        const stage = await lockStage(ptx, slug);
        const changed = Object.entries(changes).some(([k, v]) => stage[k as keyof StageRow] !== v);
        if (!changed) return stage;
        const [updated] = await ptx.tx
          .update(stages)
          // A new grace period is something the agent must know: a new generation.
          .set({
            ...changes,
            updatedAt: new Date(),
            ...(grace !== undefined && grace !== stage.suspendGraceSeconds ? { generation: sql`${stages.generation} + 1` } : {}),
          })
          .where(eq(stages.id, stage.id))
          .returning();
        ptx.emit({ kind: EventKind.STAGE_UPDATED, stageId: stage.id, payload: { stage: toStageSnapshot(updated!) } });
        return updated!;
      },
      { lock: "last" },
    );
  }

  /** Archives the Stage (stage-archive.ts). */
  deleteStage(project: ProjectTarget, slug: string): Promise<StageRow> {
    return this.log.inProject(project, (ptx) => archiveStage(ptx, slug), { lock: "last" });
  }

  restoreStage(project: ProjectTarget, slug: string): Promise<StageRow> {
    return this.log.inProject(project, (ptx) => restoreStage(ptx, slug), { lock: "last" });
  }

  purgeStage(project: ProjectTarget, slug: string, confirm: string | null | undefined): Promise<StageRow> {
    return this.log.inProject(project, (ptx) => purgeStage(ptx, slug, confirm), { lock: "last" });
  }

  /**
   * RUNNING → SUSPENDING → SUSPENDED (once the agent reports that everything stopped). Where the
   * Stage type's policy asks for confirmation, only with `confirm`.
   */
  suspendStage(project: ProjectTarget, slug: string, confirm?: boolean | null): Promise<StageRow> {
    return this.command(project, slug, "suspend", confirm);
  }

  /** SUSPENDED → RESUMING → RUNNING: the same Release, config and storage as before. */
  resumeStage(project: ProjectTarget, slug: string): Promise<StageRow> {
    return this.command(project, slug, "resume");
  }

  /** The state machine (domain/stage.machine.ts) decides; this loads, locks and writes. */
  private command(project: ProjectTarget, slug: string, kind: "suspend" | "resume", confirm?: boolean | null): Promise<StageRow> {
    return this.log.inProject(
      project,
      async (ptx) => {
        const stage = await lockStage(ptx, slug);
        if (kind === "suspend") await checkSuspendPolicy(ptx.tx, stage, confirm);
        const activeRelease = await hasActiveRelease(ptx.tx, stage.id);
        if (kind === "resume") {
          // Its storage is being swapped: the Components must not start on it half-way (README "Backups").
          const [restoring] = await ptx.tx
            .select({ id: backups.id })
            .from(backups)
            .where(and(eq(backups.stageId, stage.id), eq(backups.restoreState, "PENDING")));
          if (restoring)
            throw stateConflict(`Stage "${slug}" is being restored from backup "${restoring.id}": resume it when that is done`);
        }
        const { events } = accepted(stepStage(stage, { kind, activeRelease }));
        return applyStageSteps(ptx, stage, events);
      },
      { lock: "last" },
    );
  }

  /** `purgedOn`: the Outpost whose agent has yet to remove the storage of the purged Stage that had this ID. */
  private async stageIdTaken(db: Db | Tx, project: ProjectRow, slug: string, purgedOn?: string): Promise<AppError> {
    const taken = await db
      .select({ slug: stages.slug })
      .from(stages)
      .where(and(eq(stages.projectId, project.id), like(stages.slug, `${slug}%`)))
      .union(
        db
          .select({ slug: stagePurges.slug })
          .from(stagePurges)
          .where(and(eq(stagePurges.projectId, project.id), like(stagePurges.slug, `${slug}%`))),
      );
    const suggestion = suggestFreeSlug(slug, new Set(taken.map((t) => t.slug)));
    const why = purgedOn
      ? `its purged Stage's storage is not yet removed by the agent of Outpost "${purgedOn}" (it is once that agent is connected)`
      : `it already exists or is archived in Project "${project.slug}"`;
    return new AppError(ErrorCode.CONFLICT, `Stage ID "${slug}" is taken: ${why}; "${suggestion}" is free`, {
      field: "slug",
      taken: slug,
      suggestion,
    });
  }
}

function graceOf(value: number | null | undefined): number | undefined {
  if (value == null) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > MAX_GRACE_SECONDS) {
    throw badInput("suspendGraceSeconds", `must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS}`);
  }
  return value;
}

function backupRetentionOf(value: number | null | undefined): number | undefined {
  if (value == null) return undefined;
  if (!Number.isInteger(value) || value < BACKUP_RETENTION_MIN || value > BACKUP_RETENTION_MAX) {
    throw badInput("backupRetention", `must be a whole number of backups from ${BACKUP_RETENTION_MIN} to ${BACKUP_RETENTION_MAX}`);
  }
  return value;
}

/** What a list of Stages reads with each Stage, so that its fields need no statement of their own. */
export interface StageListing {
  currentRelease: ReleaseRow | null;
}

export type ListedStage = StageRow & { listed?: StageListing };

/** A Project's Stages with what a list shows beside them; one row with no Stage for a Project without any. */
function listStagesStatement(db: Db, project: SQL, name: string) {
  // The current Release of each Stage, looked up through the Stage's index (a plain join on the
  // condition scans every Release of the database).
  const current = db
    .select()
    .from(releases)
    .where(and(eq(releases.stageId, stages.id), isCurrentRelease))
    .limit(1)
    .as("current_release");
  const release = Object.fromEntries(
    Object.keys(getTableColumns(releases)).map((key) => [key, current[key as keyof typeof current]]),
  ) as unknown as { [K in keyof ReleaseRow]: (typeof current)[K] };
  return (
    db
      // Of the Project only what authorizes the read: every row carries it.
      .select({
        projectId: projects.id,
        role: projectMembers.role,
        stage: stages,
        release,
      })
      .from(projects)
      .leftJoin(projectMembers, and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, sql.placeholder("user"))))
      // In use, or (placeholder "archived") the archived ones.
      .leftJoin(stages, and(eq(stages.projectId, projects.id), sql`(${stages.archivedAt} is not null) = ${sql.placeholder("archived")}`))
      .leftJoinLateral(current, sql`true`)
      .where(project)
      .orderBy(asc(stages.createdAt))
      .prepare(name)
  );
}

function toListed(rows: Awaited<ReturnType<ReturnType<typeof listStagesStatement>["execute"]>>): ListedStage[] {
  return rows.flatMap(({ stage, release }) => (stage ? [Object.assign(stage, { listed: { currentRelease: release } })] : []));
}

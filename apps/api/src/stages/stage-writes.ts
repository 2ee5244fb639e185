/**
 * The two steps every write to a Stage takes: lock its row (refusing an archived Stage), and
 * write what the Stage machine decided with its events.
 */
import type { StageRow } from "@pergola/db/schema";
import { stages } from "@pergola/db/schema";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { StageStep } from "../domain/stage.machine.js";
import { notFound, stateConflict } from "../errors.js";
import { EventKind } from "../events/event-kind.js";
import type { ProjectTx } from "../events/event-log.js";
import { toStageSnapshot } from "./stage.snapshot.js";

/**
 * The Stage, its row locked for the rest of the transaction. An archived Stage takes no change
 * (STATE_CONFLICT) but from what restores or purges it (`archived: true`).
 */
export async function lockStage(
  { tx, project }: Pick<ProjectTx, "tx" | "project">,
  slug: string,
  options: { archived?: boolean } = {},
): Promise<StageRow> {
  const [stage] = await tx
    .select()
    .from(stages)
    .where(and(eq(stages.projectId, project.id), eq(stages.slug, slug)))
    .for("update");
  return checkLocked({ project }, slug, stage, options);
}

/**
 * Several Stages of the Project, their rows locked in one statement in the order every
 * multi-Stage write takes (by row id), so two such writes never deadlock; returned by slug.
 */
export async function lockStages(ptx: Pick<ProjectTx, "tx" | "project">, slugs: readonly string[]): Promise<Map<string, StageRow>> {
  const rows = await ptx.tx
    .select()
    .from(stages)
    .where(and(eq(stages.projectId, ptx.project.id), inArray(stages.slug, [...slugs])))
    .orderBy(stages.id)
    .for("update");
  return new Map(
    slugs.map((slug) => [
      slug,
      checkLocked(
        ptx,
        slug,
        rows.find((r) => r.slug === slug),
      ),
    ]),
  );
}

function checkLocked(
  { project }: Pick<ProjectTx, "project">,
  slug: string,
  stage: StageRow | undefined,
  options: { archived?: boolean } = {},
) {
  if (!stage) throw notFound(`Stage "${slug}" in Project "${project.slug}"`);
  if (stage.archivedAt && !options.archived) throw stateConflict(`Stage "${slug}" is archived: restore it first (restoreStage)`);
  return stage;
}

/**
 * Writes the steps the Stage machine took, one update and one STAGE_STATE_CHANGED event each
 * (with a new generation where the agent must act). Returns the Stage as it is after the last.
 */
export async function applyStageSteps(
  { tx, emit }: Pick<ProjectTx, "tx" | "emit">,
  stage: StageRow,
  steps: readonly StageStep[],
): Promise<StageRow> {
  let row = stage;
  for (const { state, newGeneration } of steps) {
    const [next] = await tx
      .update(stages)
      .set({ state, updatedAt: new Date(), ...(newGeneration ? { generation: sql`${stages.generation} + 1` } : {}) })
      .where(eq(stages.id, row.id))
      .returning();
    emit({ kind: EventKind.STAGE_STATE_CHANGED, stageId: next!.id, payload: { stage: toStageSnapshot(next!) } });
    row = next!;
  }
  return row;
}

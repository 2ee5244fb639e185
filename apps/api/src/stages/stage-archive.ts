/**
 * Deleting a Stage archives it, as in Pergola: a RUNNING Stage is suspended first (its agent
 * stops its Components, SIGTERM then kill after the grace period) and its storage is kept; it
 * leaves the lists, keeps its Stage ID, and takes no change until `restoreStage` brings it back
 * as it was (a Stage that was RUNNING is resumed). `purgeStage` removes an archived Stage for
 * good, with its Releases, Components, backups and history, and leaves a tombstone for its agent
 * to remove its storage (stage-purges.ts). Each writes its event (STAGE_DELETED, STAGE_RESTORED,
 * STAGE_PURGED) in the same transaction.
 */
import { stages, type StageRow } from "@pergola/db/schema";
import { eq } from "drizzle-orm";
import { accepted, isRefused, toAppError } from "../domain/outcome.js";
import { stepStage } from "../domain/stage.machine.js";
import { AppError, ErrorCode, stateConflict } from "../errors.js";
import { hasActiveRelease } from "../releases/release.conditions.js";
import { EventKind } from "../events/event-kind.js";
import type { ProjectTx } from "../events/event-log.js";
import { recordPurge } from "./stage-purges.js";
import { applyStageSteps, lockStage } from "./stage-writes.js";
import { toStageSnapshot } from "./stage.snapshot.js";

/** `at`: the time of archiving (a Project's Stages share its own, so that restoring it restores them). */
export async function archiveStage(ptx: ProjectTx, slug: string, at = new Date()): Promise<StageRow> {
  const stage = await lockStage(ptx, slug, { archived: true });
  if (stage.archivedAt) throw stateConflict(`Stage "${slug}" is already archived`);
  if (stage.state === "RESUMING") throw stateConflict(`Stage "${slug}" is RESUMING: archive it once it is RUNNING`);
  let current = stage;
  if (stage.state === "RUNNING") {
    const suspended = stepStage(stage, { kind: "suspend", activeRelease: await hasActiveRelease(ptx.tx, stage.id) });
    if (isRefused(suspended)) throw toAppError(suspended.refused);
    current = await applyStageSteps(ptx, stage, suspended.events);
  }
  const [archived] = await ptx.tx
    .update(stages)
    .set({ archivedAt: at, archivedState: stage.state, updatedAt: new Date() })
    .where(eq(stages.id, current.id))
    .returning();
  ptx.emit({ kind: EventKind.STAGE_DELETED, stageId: stage.id, payload: { stage: toStageSnapshot(archived!) } });
  return archived!;
}

export async function restoreStage(ptx: ProjectTx, slug: string): Promise<StageRow> {
  const stage = await lockStage(ptx, slug, { archived: true });
  if (!stage.archivedAt) throw stateConflict(`Stage "${slug}" is not archived`);
  const [restored] = await ptx.tx
    .update(stages)
    .set({ archivedAt: null, archivedState: null, updatedAt: new Date() })
    .where(eq(stages.id, stage.id))
    .returning();
  ptx.emit({ kind: EventKind.STAGE_RESTORED, stageId: stage.id, payload: { stage: toStageSnapshot(restored!) } });
  // As it was: a Stage archived while RUNNING runs again (once its suspend has settled).
  if (stage.archivedState === "RUNNING" && restored!.state === "SUSPENDED") {
    const resumed = accepted(stepStage(restored!, { kind: "resume", activeRelease: await hasActiveRelease(ptx.tx, restored!.id) }));
    return applyStageSteps(ptx, restored!, resumed.events);
  }
  return restored!;
}

/** Owners only (the resolver's action); a PROD Stage asks for its Stage ID as `confirm`. */
export async function purgeStage(ptx: ProjectTx, slug: string, confirm: string | null | undefined): Promise<StageRow> {
  const stage = await lockStage(ptx, slug, { archived: true });
  if (!stage.archivedAt) throw stateConflict(`Stage "${slug}" is not archived: delete (archive) it first`);
  if (stage.type === "PROD" && confirm !== stage.slug) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `confirm: "${slug}" is a PROD Stage; pass its Stage ID as confirm to purge it for good`, {
      field: "confirm",
    });
  }
  // Its storage is on the agent's host: the tombstone tells the agent, in this transaction. Backups
  // (and their storages' rows) go with the row; their archives are collected with unused artifacts.
  await recordPurge(ptx.tx, stage);
  await ptx.tx.delete(stages).where(eq(stages.id, stage.id));
  ptx.emit({ kind: EventKind.STAGE_PURGED, stageId: stage.id, payload: { stage: toStageSnapshot(stage) } });
  return stage;
}

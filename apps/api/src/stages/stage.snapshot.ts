/**
 * A Stage as stored in an event's payload: what subscribers see is the Stage as it was at
 * that event, not as it is when they read it.
 */
import type { EventRow, StageRow } from "@pergola/db/schema";
import { BACKUP_RETENTION } from "@pergola/schema";
import type { Stage } from "./stage.type.js";

export type StageSnapshot = Omit<StageRow, "createdAt" | "updatedAt" | "healthSince" | "archivedAt" | "backupRetention"> & {
  createdAt: string;
  updatedAt: string;
  /** Absent in events written before Stages kept their health. */
  healthSince?: string;
  /** Absent in events written before Stages could be archived. */
  archivedAt?: string | null;
  /** Absent in events written before Stages had their own backup retention (then it was the default). */
  backupRetention?: number;
};

export function toStageSnapshot(stage: StageRow): StageSnapshot {
  return {
    ...stage,
    createdAt: stage.createdAt.toISOString(),
    updatedAt: stage.updatedAt.toISOString(),
    healthSince: stage.healthSince.toISOString(),
    archivedAt: stage.archivedAt?.toISOString() ?? null,
  };
}

export function fromStageSnapshot(snapshot: StageSnapshot): StageRow {
  return {
    ...snapshot,
    createdAt: new Date(snapshot.createdAt),
    updatedAt: new Date(snapshot.updatedAt),
    healthSince: new Date(snapshot.healthSince ?? snapshot.updatedAt),
    archivedAt: snapshot.archivedAt ? new Date(snapshot.archivedAt) : null,
    archivedState: snapshot.archivedState ?? null,
    backupRetention: snapshot.backupRetention ?? BACKUP_RETENTION,
  } as StageRow;
}

/** The Stage as it was at the event; null when the event carries none. */
export function stageOf(row: EventRow): Stage | null {
  const snapshot = (row.payload as { stage?: StageSnapshot }).stage;
  return snapshot ? (fromStageSnapshot(snapshot) as Stage) : null;
}

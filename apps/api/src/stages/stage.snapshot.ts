/**
 * A Stage as stored in an event's payload: what subscribers see is the Stage as it was at
 * that event, not as it is when they read it.
 */
import type { StageRow } from "@pergola/db/schema";

export type StageSnapshot = Omit<StageRow, "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string };

export function toStageSnapshot(stage: StageRow): StageSnapshot {
  return { ...stage, createdAt: stage.createdAt.toISOString(), updatedAt: stage.updatedAt.toISOString() };
}

export function fromStageSnapshot(snapshot: StageSnapshot): StageRow {
  return { ...snapshot, createdAt: new Date(snapshot.createdAt), updatedAt: new Date(snapshot.updatedAt) };
}

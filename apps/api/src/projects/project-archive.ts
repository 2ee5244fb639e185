/**
 * Deleting a Project archives it with its Stages (each as deleteStage does: suspended first,
 * storage kept), in one transaction with their events; it leaves the lists, keeps its slug, and
 * takes no change until `restoreProject` brings it back with the Stages archived with it (Stages
 * deleted before it stay archived).
 */
import { projects, stages, type ProjectRow } from "@pergola/db/schema";
import { and, asc, eq, isNull } from "drizzle-orm";
import { stateConflict } from "../errors.js";
import { EventKind } from "../events/event-kind.js";
import type { ProjectTx } from "../events/event-log.js";
import { archiveStage, restoreStage } from "../stages/stage-archive.js";

function projectSnapshot(project: ProjectRow) {
  return { id: project.id, slug: project.slug, name: project.name, archivedAt: project.archivedAt?.toISOString() ?? null };
}

export async function archiveProject(ptx: ProjectTx): Promise<ProjectRow> {
  if (ptx.project.archivedAt) throw stateConflict(`Project "${ptx.project.slug}" is already archived`);
  const at = new Date();
  const live = await ptx.tx
    .select({ slug: stages.slug })
    .from(stages)
    .where(and(eq(stages.projectId, ptx.project.id), isNull(stages.archivedAt)))
    .orderBy(asc(stages.id));
  for (const { slug } of live) await archiveStage(ptx, slug, at);
  const [archived] = await ptx.tx.update(projects).set({ archivedAt: at }).where(eq(projects.id, ptx.project.id)).returning();
  ptx.emit({ kind: EventKind.PROJECT_DELETED, payload: { project: projectSnapshot(archived!) } });
  return archived!;
}

export async function restoreProject(ptx: ProjectTx): Promise<ProjectRow> {
  const archivedAt = ptx.project.archivedAt;
  if (!archivedAt) throw stateConflict(`Project "${ptx.project.slug}" is not archived`);
  const [restored] = await ptx.tx.update(projects).set({ archivedAt: null }).where(eq(projects.id, ptx.project.id)).returning();
  Object.assign(ptx.project, { archivedAt: null });
  const together = await ptx.tx
    .select({ slug: stages.slug })
    .from(stages)
    .where(and(eq(stages.projectId, ptx.project.id), eq(stages.archivedAt, archivedAt)))
    .orderBy(asc(stages.id));
  for (const { slug } of together) await restoreStage(ptx, slug);
  ptx.emit({ kind: EventKind.PROJECT_RESTORED, payload: { project: projectSnapshot(restored!) } });
  return restored!;
}

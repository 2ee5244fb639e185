/**
 * Which Projects may run Stages on an Outpost (`outpost_grants`). Admins grant and revoke; an
 * admin placing a Stage on an Outpost grants it to that Project; members place Stages only on
 * Outposts granted to the Project (policy "outpost.place").
 * Lock order, as for every Project write: the Project row (FOR UPDATE) first. Revoking takes it,
 * so a Stage placed concurrently is either seen (STATE_CONFLICT) or waits and finds no grant.
 */
import type { Db, Tx } from "@pergola/db/client";
import { outpostGrants, outposts, projectMembers, projects, stages, type OutpostRow, type ProjectRow } from "@pergola/db/schema";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Actor } from "../auth/actor.js";
import { authorize, can } from "../auth/policy.js";
import { AuditAction } from "../audit/audit-action.js";
import { recordAudit } from "../audit/audit.service.js";
import { AppError, ErrorCode, notFound } from "../errors.js";
import type { OutpostAnnouncer } from "./outpost-announcer.js";
import { getOutpostViews, type OutpostView } from "./outpost-views.js";

export class OutpostGrantService {
  constructor(
    private readonly db: Db,
    private readonly announcer: OutpostAnnouncer,
  ) {}

  /** Admins only. Granting twice is no change (and one audit entry). */
  async grant(actor: Actor, outpost: string, project: string): Promise<OutpostView> {
    authorize(actor, "outpost.manage", undefined);
    const row = await this.requireOutpost(this.db, outpost);
    const changed = await this.db.transaction(async (tx) => {
      const target = await lockProject(tx, project);
      return grantIn(tx, actor, row, target, "grantOutpost");
    });
    if (changed) await this.announcer.outpostChanged(row.id);
    return this.view(row.id);
  }

  /** Admins only. STATE_CONFLICT, naming them, while the Project has Stages on the Outpost. */
  async revoke(actor: Actor, outpost: string, project: string): Promise<OutpostView> {
    authorize(actor, "outpost.manage", undefined);
    const row = await this.requireOutpost(this.db, outpost);
    const changed = await this.db.transaction(async (tx) => {
      const target = await lockProject(tx, project);
      const placed = await tx
        .select({ slug: stages.slug })
        .from(stages)
        .where(and(eq(stages.projectId, target.id), eq(stages.outpostId, row.id)))
        .orderBy(asc(stages.slug));
      if (placed.length > 0) {
        const names = placed.map((s) => `"${s.slug}"`).join(", ");
        throw new AppError(
          ErrorCode.STATE_CONFLICT,
          `Project "${project}" still has Stage${placed.length === 1 ? "" : "s"} ${names} on Outpost "${outpost}" (archived ones too): delete and purge ${placed.length === 1 ? "it" : "them"} first`,
          { stages: placed.map((s) => s.slug) },
        );
      }
      const removed = await tx
        .delete(outpostGrants)
        .where(and(eq(outpostGrants.outpostId, row.id), eq(outpostGrants.projectId, target.id)))
        .returning({ projectId: outpostGrants.projectId });
      if (removed.length === 0) return false;
      await recordAudit(tx, { action: AuditAction.OUTPOST_REVOKED, actor, projectId: target.id, detail: { outpost, project } });
      return true;
    });
    if (changed) await this.announcer.outpostChanged(row.id);
    return this.view(row.id);
  }

  /**
   * The Projects the Outpost is granted to, oldest grant first: all of them for admins; for
   * anyone else only those they are a member of (other Projects stay invisible).
   */
  async listProjects(actor: Actor, outpostId: string): Promise<ProjectRow[]> {
    const rows = await this.db
      .select({ project: projects })
      .from(outpostGrants)
      .innerJoin(projects, eq(projects.id, outpostGrants.projectId))
      .where(eq(outpostGrants.outpostId, outpostId))
      .orderBy(asc(outpostGrants.grantedAt), asc(projects.slug));
    if (can(actor, "outpost.inspect", undefined)) return rows.map((r) => r.project);
    if (!actor.userId || rows.length === 0) return [];
    const mine = await this.db
      .select({ projectId: projectMembers.projectId })
      .from(projectMembers)
      .where(
        and(
          eq(projectMembers.userId, actor.userId),
          inArray(
            projectMembers.projectId,
            rows.map((r) => r.project.id),
          ),
        ),
      );
    const ids = new Set(mine.map((m) => m.projectId));
    return rows.filter((r) => ids.has(r.project.id)).map((r) => r.project);
  }

  private async requireOutpost(db: Db | Tx, slug: string): Promise<OutpostRow> {
    const [row] = await db.select().from(outposts).where(eq(outposts.slug, slug));
    if (!row) throw new AppError(ErrorCode.NOT_FOUND, `Outpost "${slug}" not found`, { field: "outpost" });
    return row;
  }

  private async view(outpostId: string): Promise<OutpostView> {
    const [row] = await this.db.select().from(outposts).where(eq(outposts.id, outpostId));
    if (!row) throw notFound("Outpost");
    return (await getOutpostViews(this.db, [row]))[0]!;
  }
}

/** Whether the Outpost is granted to one of the user's Projects (what lets them see it). */
export async function isGrantedToUser(db: Db | Tx, outpostId: string, userId: string | null): Promise<boolean> {
  if (!userId) return false;
  const [row] = await db
    .select({ projectId: outpostGrants.projectId })
    .from(outpostGrants)
    .innerJoin(projectMembers, eq(projectMembers.projectId, outpostGrants.projectId))
    .where(and(eq(outpostGrants.outpostId, outpostId), eq(projectMembers.userId, userId)))
    .limit(1);
  return row !== undefined;
}

/**
 * Placing a Stage of `project` (its row locked by the caller) on `outpost`: allowed when the
 * Outpost is granted to the Project; an admin's placement grants it (audited as a grant).
 */
export async function placeOnOutpost(tx: Tx, actor: Actor, outpost: OutpostRow, project: ProjectRow): Promise<void> {
  const [grant] = await tx
    .select({ projectId: outpostGrants.projectId })
    .from(outpostGrants)
    .where(and(eq(outpostGrants.outpostId, outpost.id), eq(outpostGrants.projectId, project.id)));
  authorize(actor, "outpost.place", { outpost: outpost.slug, granted: grant !== undefined });
  if (!grant) await grantIn(tx, actor, outpost, project, "createStage");
}

/** Inserts the grant and its audit entry; false when it was already there. */
async function grantIn(tx: Tx, actor: Actor, outpost: OutpostRow, project: ProjectRow, via: string): Promise<boolean> {
  const [row] = await tx.insert(outpostGrants).values({ outpostId: outpost.id, projectId: project.id }).onConflictDoNothing().returning();
  if (!row) return false;
  await recordAudit(tx, {
    action: AuditAction.OUTPOST_GRANTED,
    actor,
    projectId: project.id,
    detail: { outpost: outpost.slug, project: project.slug, via },
  });
  return true;
}

async function lockProject(tx: Tx, slug: string): Promise<ProjectRow> {
  const [row] = await tx.select().from(projects).where(eq(projects.slug, slug)).for("update");
  if (!row) throw new AppError(ErrorCode.NOT_FOUND, `Project "${slug}" not found`, { field: "project" });
  return row;
}

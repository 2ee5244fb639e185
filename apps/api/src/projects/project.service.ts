/**
 * The rules of Projects: who may see them (members and admins; to anyone else a Project does
 * not exist), their slugs, their creation, their members and their deletion.
 * Lock order: the Project row (FOR UPDATE), then its member rows.
 */
import type { Db, Tx } from "@pergola/db/client";
import { projectMembers, projects, users, type MemberRole, type ProjectRow, type UserRow } from "@pergola/db/schema";
import { and, asc, count, eq, inArray, isNotNull, isNull, like, sql } from "drizzle-orm";
import type { Actor } from "../auth/actor.js";
import { actorLabel } from "../auth/actor.js";
import { authorize, can, refusal, type Action } from "../auth/policy.js";
import { AuditAction } from "../audit/audit-action.js";
import { recordAudit } from "../audit/audit.service.js";
import { afterCursor, type Keyset, keyColumn, keyOrder, type Page, type PageRequest, pageSize, toPage } from "../common/keyset.js";
import { groupInOrder } from "../common/in-order.js";
import { requireName, resolveSlug, suggestFreeSlug } from "../common/slug.js";
import { AppError, ErrorCode, notFound, PgCode, pgErrorCode, stateConflict } from "../errors.js";
import { EventKind } from "../events/event-kind.js";
import type { EventLog } from "../events/event-log.js";
import { archiveProject, restoreProject } from "./project-archive.js";
import { checkEmail } from "../users/user.service.js";

export interface CreateProjectInput {
  name: string;
  slug?: string | null;
}

export interface MemberView {
  user: UserRow;
  role: MemberRole;
  addedAt: Date;
}

/** A user id no row has: an actor without a user is nobody's member. */
export const NO_USER = "00000000-0000-0000-0000-000000000000";

/** The plain list's order, oldest first; the id breaks ties. */
const PROJECT_KEYSET: Keyset = {
  list: "Project",
  columns: [
    { column: projects.createdAt, part: "timestamp" },
    { column: projects.id, part: "uuid" },
  ],
  direction: "asc",
};

type ProjectAction = Extract<Action, "project.read" | "project.write" | "project.manage">;

/** Ends what a user who left a Project still has open (sockets, so their subscriptions), on every replica. */
export interface MembershipWatcher {
  membershipEnded(userId: string): Promise<void>;
}

export class ProjectService {
  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
    private readonly memberships: MembershipWatcher,
  ) {
    this.bySlug = projectBySlugStatement(db);
  }

  private readonly bySlug: ReturnType<typeof projectBySlugStatement>;

  /** The Projects the actor may see: those in use, or with `archived` the archived (deleted) ones, or with "all" both. */
  async listProjects(actor: Actor, archived: boolean | "all" = false): Promise<ProjectRow[]> {
    const which = archived === "all" ? undefined : archived ? isNotNull(projects.archivedAt) : isNull(projects.archivedAt);
    // Who may see a Project without being its member sees them all (admins).
    if (can(actor, "project.read", { slug: "", membership: null })) {
      return this.db.select().from(projects).where(which).orderBy(asc(projects.createdAt));
    }
    if (!actor.userId) return [];
    const rows = await this.db
      .select({ project: projects })
      .from(projects)
      .innerJoin(projectMembers, eq(projectMembers.projectId, projects.id))
      .where(and(eq(projectMembers.userId, actor.userId), which))
      .orderBy(asc(projects.createdAt));
    return rows.map((r) => r.project);
  }

  /** One page of `listProjects`, in its order and with its rule of who sees what: one statement (and one more if `totalCount` is read). */
  async listProjectPage(actor: Actor, request: PageRequest): Promise<Page<ProjectRow>> {
    const size = pageSize(request.first);
    const after = afterCursor(PROJECT_KEYSET, "", request.after);
    const seesAll = can(actor, "project.read", { slug: "", membership: null });
    if (!seesAll && !actor.userId) return toPage(PROJECT_KEYSET, "", [], size, async () => 0);
    const visible = seesAll
      ? undefined
      : inArray(
          projects.id,
          this.db.select({ id: projectMembers.projectId }).from(projectMembers).where(eq(projectMembers.userId, actor.userId!)),
        );
    const rows = await this.db
      .select({ node: projects, key: keyColumn(PROJECT_KEYSET) })
      .from(projects)
      .where(and(visible, isNull(projects.archivedAt), after))
      .orderBy(...keyOrder(PROJECT_KEYSET))
      .limit(size + 1);
    return toPage(PROJECT_KEYSET, "", rows, size, async () => {
      const [{ n } = { n: 0 }] = await this.db
        .select({ n: count() })
        .from(projects)
        .where(and(visible, isNull(projects.archivedAt)));
      return n;
    });
  }

  listByIds(ids: readonly string[]): Promise<ProjectRow[]> {
    return this.db
      .select()
      .from(projects)
      .where(inArray(projects.id, [...ids]));
  }

  /** The Project, or null when it does not exist or the actor is not a member (the same answer). */
  async findProject(actor: Actor, slug: string, action: ProjectAction = "project.read"): Promise<ProjectRow | null> {
    // One statement: the Project with the actor's role in it.
    const [found] = await this.bySlug.execute({ slug, user: actor.userId });
    return found && mayUseProject(actor, slug, action, found.role) ? found.project : null;
  }

  async requireProject(actor: Actor, slug: string, action: ProjectAction = "project.read"): Promise<ProjectRow> {
    const row = await this.findProject(actor, slug, action);
    if (!row) throw notFound(`Project "${slug}"`);
    return row;
  }

  /**
   * The Project a write is for, in `tx`, with the actor authorized: one statement, the Project row
   * and the actor's role in it, the row locked (`FOR UPDATE`) when `lock` is set. NOT_FOUND for a
   * Project the actor may not see.
   */
  async openForWrite(
    tx: Tx,
    actor: Actor,
    slug: string,
    action: ProjectAction,
    lock: boolean,
    options: { archived?: boolean } = {},
  ): Promise<ProjectRow> {
    const query = selectProjectWithRole(tx, actor.userId ?? NO_USER).where(eq(projects.slug, slug));
    const [found] = lock ? await query.for("update", { of: projects }) : await query;
    if (!found) throw notFound(`Project "${slug}"`);
    authorize(actor, action, { slug, membership: found.role });
    // An archived Project takes no change but from what restores it.
    if (found.project.archivedAt && !options.archived)
      throw stateConflict(`Project "${slug}" is archived: restore it first (restoreProject)`);
    return found.project;
  }

  /**
   * The Project with the actor's role in it (null: not a member), for rules of other resources
   * (a Project's webhooks); with `tx`, its row is locked `FOR SHARE`, so it is not deleted before
   * the transaction ends. Null when there is no such Project.
   */
  async findWithRole(actor: Actor, slug: string, tx?: Tx): Promise<{ project: ProjectRow; role: MemberRole | null } | null> {
    if (!tx) return (await this.bySlug.execute({ slug, user: actor.userId }))[0] ?? null;
    const [found] = await selectProjectWithRole(tx, actor.userId ?? NO_USER)
      .where(eq(projects.slug, slug))
      .for("share", { of: projects });
    return found ?? null;
  }

  /** Whether the actor may see the Project (live lists ask this of each new Project). */
  async maySee(actor: Actor, project: ProjectRow): Promise<boolean> {
    return can(actor, "project.read", { slug: project.slug, membership: await this.membership(this.db, actor, project.id) });
  }

  async createProject(actor: Actor, input: CreateProjectInput): Promise<ProjectRow> {
    authorize(actor, "project.create", undefined);
    const name = requireName("name", input.name);
    const slug = resolveSlug("slug", name, input.slug);
    try {
      const { project, written } = await this.db.transaction(async (tx) => {
        const [created] = await tx.insert(projects).values({ name, slug }).onConflictDoNothing().returning();
        if (!created) throw await this.slugTaken(tx, slug);
        // The creator owns it (admins too: they then appear among its members).
        if (actor.userId) await tx.insert(projectMembers).values({ projectId: created.id, userId: actor.userId, role: "OWNER" });
        const written = await this.log.append(
          tx,
          created,
          [{ kind: EventKind.PROJECT_CREATED, payload: { project: { id: created.id, slug, name } } }],
          actorLabel(actor),
        );
        return { project: created, written };
      });
      this.log.committed(project.id, written);
      return project;
    } catch (error) {
      if (pgErrorCode(error) === PgCode.uniqueViolation) throw await this.slugTaken(this.db, slug);
      throw error;
    }
  }

  /** Owners and admins: archives the Project with its Stages (project-archive.ts). */
  deleteProject(actor: Actor, slug: string): Promise<ProjectRow> {
    return this.log.inProject(this.archivedTarget(actor, slug), archiveProject, { lock: "last" });
  }

  /** Owners and admins: brings an archived Project back with the Stages archived with it. */
  restoreProject(actor: Actor, slug: string): Promise<ProjectRow> {
    return this.log.inProject(this.archivedTarget(actor, slug), restoreProject, { lock: "last" });
  }

  private archivedTarget(actor: Actor, slug: string) {
    return {
      slug,
      actor: actorLabel(actor),
      open: (tx: Tx, lock: boolean) => this.openForWrite(tx, actor, slug, "project.manage", lock, { archived: true }),
    };
  }

  async listMembers(projectIds: readonly string[]): Promise<MemberView[][]> {
    const rows = await this.db
      .select({ projectId: projectMembers.projectId, user: users, role: projectMembers.role, addedAt: projectMembers.addedAt })
      .from(projectMembers)
      .innerJoin(users, eq(users.id, projectMembers.userId))
      .where(inArray(projectMembers.projectId, [...projectIds]))
      .orderBy(asc(projectMembers.addedAt));
    return groupInOrder(projectIds, rows, (r) => r.projectId);
  }

  async addMember(actor: Actor, slug: string, email: string, role: MemberRole): Promise<MemberView> {
    const address = checkEmail("email", email);
    return this.db.transaction(async (tx) => {
      const project = await this.lockProject(tx, actor, slug, "project.manage");
      const [user] = await tx.select().from(users).where(eq(users.email, address));
      if (!user)
        throw new AppError(ErrorCode.NOT_FOUND, `No user with email "${address}": an admin creates users first`, { field: "email" });
      const [row] = await tx
        .insert(projectMembers)
        .values({ projectId: project.id, userId: user.id, role })
        .onConflictDoNothing()
        .returning();
      if (!row) throw new AppError(ErrorCode.CONFLICT, `${address} is already a member of Project "${slug}"`, { field: "email" });
      await recordAudit(tx, { action: AuditAction.MEMBER_ADDED, actor, projectId: project.id, detail: { member: address, role } });
      return { user, role: row.role, addedAt: row.addedAt };
    });
  }

  async updateMember(actor: Actor, slug: string, email: string, role: MemberRole): Promise<MemberView> {
    const address = checkEmail("email", email);
    return this.db.transaction(async (tx) => {
      const project = await this.lockProject(tx, actor, slug, "project.manage");
      const member = await this.requireMember(tx, project, address);
      if (member.role === "OWNER" && role !== "OWNER") await this.keepAnOwner(tx, project);
      const [row] = await tx
        .update(projectMembers)
        .set({ role })
        .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.userId, member.user.id)))
        .returning();
      await recordAudit(tx, { action: AuditAction.MEMBER_UPDATED, actor, projectId: project.id, detail: { member: address, role } });
      return { user: member.user, role: row!.role, addedAt: row!.addedAt };
    });
  }

  /** Owners remove anyone; a member may remove themself (leave). The last owner cannot leave. */
  async removeMember(actor: Actor, slug: string, email: string): Promise<boolean> {
    const address = checkEmail("email", email);
    const removed = await this.db.transaction(async (tx) => {
      const leaving = address === actor.email;
      const project = await this.lockProject(tx, actor, slug, leaving ? "project.write" : "project.manage");
      const member = await this.requireMember(tx, project, address);
      if (member.role === "OWNER") await this.keepAnOwner(tx, project);
      await tx.delete(projectMembers).where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.userId, member.user.id)));
      await recordAudit(tx, { action: AuditAction.MEMBER_REMOVED, actor, projectId: project.id, detail: { member: address } });
      return member.user;
    });
    // Admins see every Project anyway; anyone else's open subscriptions to it must end.
    if (!removed.isAdmin) await this.memberships.membershipEnded(removed.id);
    return true;
  }

  private lockProject(tx: Tx, actor: Actor, slug: string, action: ProjectAction): Promise<ProjectRow> {
    return this.openForWrite(tx, actor, slug, action, true);
  }

  private async requireMember(tx: Tx, project: ProjectRow, email: string): Promise<{ user: UserRow; role: MemberRole }> {
    const [row] = await tx
      .select({ user: users, role: projectMembers.role })
      .from(projectMembers)
      .innerJoin(users, eq(users.id, projectMembers.userId))
      .where(and(eq(projectMembers.projectId, project.id), eq(users.email, email)));
    if (!row) throw new AppError(ErrorCode.NOT_FOUND, `${email} is not a member of Project "${project.slug}"`, { field: "email" });
    return row;
  }

  /** Refuses to take away the Project's only owner (called with the Project row locked). */
  private async keepAnOwner(tx: Tx, project: ProjectRow): Promise<void> {
    const [{ n } = { n: 0 }] = await tx
      .select({ n: count() })
      .from(projectMembers)
      .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.role, "OWNER")));
    if (n <= 1)
      throw new AppError(
        ErrorCode.CONFLICT,
        `The last owner of Project "${project.slug}" cannot leave: make another member an owner first`,
      );
  }

  private async membership(db: Db | Tx, actor: Actor, projectId: string): Promise<MemberRole | null> {
    if (!actor.userId) return null;
    const [row] = await db
      .select({ role: projectMembers.role })
      .from(projectMembers)
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, actor.userId)));
    return row?.role ?? null;
  }

  /** Inside a transaction pass `tx`: PGlite has one connection, and `this.db` would wait for it forever. */
  private async slugTaken(db: Db | Tx, slug: string): Promise<AppError> {
    const taken = await db
      .select({ slug: projects.slug })
      .from(projects)
      .where(like(projects.slug, `${slug}%`));
    const suggestion = suggestFreeSlug(slug, new Set(taken.map((t) => t.slug)));
    return new AppError(ErrorCode.CONFLICT, `Project slug "${slug}" is taken: it already exists or is archived; "${suggestion}" is free`, {
      field: "slug",
      taken: slug,
      suggestion,
    });
  }
}

/** Whether the actor, with `role` in the existing Project `slug`, may `action` it: false where it may not see it; FORBIDDEN and the like thrown. */
export function mayUseProject(actor: Actor, slug: string, action: ProjectAction, role: MemberRole | null): boolean {
  const refused = refusal(actor, action, { slug, membership: role });
  if (refused?.code === ErrorCode.NOT_FOUND) return false;
  if (refused) throw refused;
  return true;
}

/** Projects with the role in each of the user given (null: none). */
function selectProjectWithRole(db: Db | Tx, user: string | ReturnType<typeof sql.placeholder>) {
  return db
    .select({ project: projects, role: projectMembers.role })
    .from(projects)
    .leftJoin(projectMembers, and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, user)));
}

/** A Project by slug, with the role in it of the user given (null: none, or no user). Built once. */
function projectBySlugStatement(db: Db) {
  return selectProjectWithRole(db, sql.placeholder("user"))
    .where(eq(projects.slug, sql.placeholder("slug")))
    .prepare("project_by_slug");
}

/** How services address a Project in a write: by slug, opened and the actor authorized in the write's transaction. */
export function projectFor(projects: ProjectService, actor: Actor, slug: string, action: ProjectAction = "project.write") {
  return { slug, actor: actorLabel(actor), open: (tx: Tx, lock: boolean) => projects.openForWrite(tx, actor, slug, action, lock) };
}

/** The rules of Projects: who may see them, their slugs, their creation. */
import type { Db, Tx } from "@pergola/db/client";
import { projectMembers, projects, type ProjectRow } from "@pergola/db/schema";
import { and, asc, eq, inArray, like } from "drizzle-orm";
import { addProjectMember, type Actor } from "../auth/token.service.js";
import { requireName, resolveSlug, suggestFreeSlug } from "../common/slug.js";
import { AppError, ErrorCode, forbidden, notFound, PgCode, pgErrorCode } from "../errors.js";
import { EventKind } from "../events/event-kind.js";
import type { EventLog } from "../events/event-log.js";

export interface CreateProjectInput {
  name: string;
  slug?: string | null;
}

export class ProjectService {
  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
  ) {}

  async listProjects(actor: Actor): Promise<ProjectRow[]> {
    if (actor.role === "ADMIN") return this.db.select().from(projects).orderBy(asc(projects.createdAt));
    const rows = await this.db
      .select({ project: projects })
      .from(projects)
      .innerJoin(projectMembers, eq(projectMembers.projectId, projects.id))
      .where(eq(projectMembers.tokenId, actor.tokenId))
      .orderBy(asc(projects.createdAt));
    return rows.map((r) => r.project);
  }

  listByIds(ids: readonly string[]): Promise<ProjectRow[]> {
    return this.db.select().from(projects).where(inArray(projects.id, [...ids]));
  }

  /** The Project, or null when it does not exist; FORBIDDEN when the actor may not use it. */
  async findProject(actor: Actor, slug: string): Promise<ProjectRow | null> {
    const [row] = await this.db.select().from(projects).where(eq(projects.slug, slug));
    if (!row) return null;
    await this.authorize(actor, row);
    return row;
  }

  async requireProject(actor: Actor, slug: string): Promise<ProjectRow> {
    const row = await this.findProject(actor, slug);
    if (!row) throw notFound(`Project "${slug}"`);
    return row;
  }

  /** Inside a transaction pass `tx` as `db` (PGlite has one connection). */
  async authorize(actor: Actor, project: ProjectRow, db: Db | Tx = this.db): Promise<void> {
    if (actor.role === "ADMIN") return;
    const [member] = await db
      .select({ projectId: projectMembers.projectId })
      .from(projectMembers)
      .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.tokenId, actor.tokenId)));
    if (!member) throw forbidden(`This token is not a member of Project "${project.slug}"`);
  }

  async createProject(actor: Actor, input: CreateProjectInput): Promise<ProjectRow> {
    const name = requireName("name", input.name);
    const slug = resolveSlug("slug", name, input.slug);
    try {
      const { project, written } = await this.db.transaction(async (tx) => {
        const [created] = await tx.insert(projects).values({ name, slug }).onConflictDoNothing().returning();
        if (!created) throw await this.slugTaken(tx, slug);
        if (actor.role !== "ADMIN") await addProjectMember(tx, created.id, actor.tokenId);
        const written = await this.log.append(tx, created, [
          { kind: EventKind.PROJECT_CREATED, payload: { project: { id: created.id, slug, name } } },
        ]);
        return { project: created, written };
      });
      this.log.committed(project.id, written);
      return project;
    } catch (error) {
      if (pgErrorCode(error) === PgCode.uniqueViolation) throw await this.slugTaken(this.db, slug);
      throw error;
    }
  }

  /** Inside a transaction pass `tx`: PGlite has one connection, and `this.db` would wait for it forever. */
  private async slugTaken(db: Db | Tx, slug: string): Promise<AppError> {
    const taken = await db
      .select({ slug: projects.slug })
      .from(projects)
      .where(like(projects.slug, `${slug}%`));
    const suggestion = suggestFreeSlug(slug, new Set(taken.map((t) => t.slug)));
    return new AppError(ErrorCode.CONFLICT, `Project slug "${slug}" is taken; "${suggestion}" is free`, {
      field: "slug",
      taken: slug,
      suggestion,
    });
  }
}

/** How services address a Project in a write: by slug, the actor authorized under the row lock. */
export function projectFor(projects: ProjectService, actor: Actor, slug: string) {
  return { slug, authorize: (tx: Tx, row: ProjectRow) => projects.authorize(actor, row, tx) };
}

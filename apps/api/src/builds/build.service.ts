/**
 * Builds: immutable once made — a name, the validated manifest, the artifact. Creating one
 * checks the manifest (every problem at once) and that the artifact was uploaded and may be read
 * by the caller ("artifact.read": one answer for a missing artifact and another Project's). The
 * Build's Project then owns the artifact too, so its members may download what they build.
 */
import type { Db } from "@pergola/db/client";
import { artifactProjects, builds, type BuildRow, type ProjectRow } from "@pergola/db/schema";
import { and, count, desc, eq, inArray, isNull, max, sql } from "drizzle-orm";
import type { Actor } from "../auth/actor.js";
import { afterCursor, type Keyset, keyColumn, keyOrder, type Page, type PageRequest, pageSize, toPage } from "../common/keyset.js";
import { can } from "../auth/policy.js";
import { AppError, badInput, ErrorCode } from "../errors.js";
import { EventKind } from "../events/event-kind.js";
import type { EventLog } from "../events/event-log.js";
import type { ProjectTarget } from "../events/event-log.js";
import { SHA256_PATTERN, type ArtifactService } from "./artifact.service.js";
import { checkBranch, checkBuildName, deriveBuildName } from "./build.naming.js";
import { checkManifest } from "./manifest.js";

export interface CreateBuildInput {
  manifest: unknown;
  artifact: string;
  name?: string | null;
  branch?: string | null;
}

/** The plain list's order, newest first; the id breaks the last ties. */
const BUILD_KEYSET: Keyset = {
  list: "Build",
  columns: [
    { column: builds.createdAt, part: "timestamp" },
    { column: builds.number, part: "int" },
    { column: builds.id, part: "uuid" },
  ],
  direction: "desc",
};

export class BuildService {
  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
    private readonly artifacts: ArtifactService,
  ) {}

  listBuilds(project: Pick<ProjectRow, "id">, first: number): Promise<BuildRow[]> {
    const limit = Math.min(Math.max(first, 1), 500);
    return this.db
      .select()
      .from(builds)
      .where(eq(builds.projectId, project.id))
      .orderBy(desc(builds.createdAt), desc(builds.number))
      .limit(limit);
  }

  /** One page of the Project's Builds, in `listBuilds`' order: one statement (and one more if `totalCount` is read). */
  async listBuildPage(project: Pick<ProjectRow, "id">, request: PageRequest): Promise<Page<BuildRow>> {
    const size = pageSize(request.first);
    const rows = await this.db
      .select({ node: builds, key: keyColumn(BUILD_KEYSET) })
      .from(builds)
      .where(and(eq(builds.projectId, project.id), afterCursor(BUILD_KEYSET, project.id, request.after)))
      .orderBy(...keyOrder(BUILD_KEYSET))
      .limit(size + 1);
    return toPage(BUILD_KEYSET, project.id, rows, size, async () => {
      const [{ n } = { n: 0 }] = await this.db.select({ n: count() }).from(builds).where(eq(builds.projectId, project.id));
      return n;
    });
  }

  /** The Builds with these ids, in their order (null for an unknown id); a DataLoader's batch. */
  async listByIds(ids: readonly string[]): Promise<(BuildRow | null)[]> {
    const rows = await this.db
      .select()
      .from(builds)
      .where(inArray(builds.id, [...ids]));
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async findBuild(project: Pick<ProjectRow, "id">, name: string): Promise<BuildRow | null> {
    const [row] = await this.db
      .select()
      .from(builds)
      .where(and(eq(builds.projectId, project.id), eq(builds.name, name)));
    return row ?? null;
  }

  async createBuild(project: ProjectTarget, actor: Actor, input: CreateBuildInput): Promise<BuildRow> {
    const branch = checkBranch(input.branch);
    const explicitName = checkBuildName(input.name);
    await checkManifest(input.manifest);
    if (!SHA256_PATTERN.test(input.artifact))
      throw badInput("artifact", "must be the SHA-256 (64 lowercase hex digits) that POST /artifacts answered");
    const readable = can(actor, "artifact.read", await this.artifacts.access(actor, input.artifact));
    if (!readable || !(await this.artifacts.exists(input.artifact))) {
      throw badInput(
        "artifact",
        `no artifact ${input.artifact}: upload the application's tar.gz with POST /artifacts?project=<project> first`,
      );
    }
    return this.log.inProject(project, async ({ tx, project: row, emit }) => {
      const [{ last } = { last: 0 }] = await tx
        .select({ last: sql<number>`coalesce(${max(builds.number)}, 0)::int` })
        .from(builds)
        .where(and(eq(builds.projectId, row.id), branch === null ? isNull(builds.branch) : eq(builds.branch, branch)));
      const number = Number(last) + 1;
      const name = explicitName ?? deriveBuildName(branch, number);
      const [build] = await tx
        .insert(builds)
        .values({
          projectId: row.id,
          name,
          branch,
          number,
          manifest: input.manifest as object,
          artifactSha256: input.artifact,
          createdBy: actor.name,
        })
        .onConflictDoNothing()
        .returning();
      if (!build) {
        throw new AppError(ErrorCode.CONFLICT, `Build "${name}" already exists in Project "${row.slug}"`, { field: "name", taken: name });
      }
      await tx.insert(artifactProjects).values({ sha256: input.artifact, projectId: row.id }).onConflictDoNothing();
      emit({ kind: EventKind.BUILD_CREATED, payload: { build: { id: build.id, name, branch, artifact: build.artifactSha256 } } });
      return build;
    });
  }
}

/**
 * What the policy needs to decide who reads an artifact or builds from it ("artifact.read"):
 * whether the actor is a member of a Project it was uploaded for (or built in), and whether the
 * actor is an agent whose desired state includes it — a Stage on its Outpost runs (or is about
 * to run) a Release of a Build of it.
 */
import type { Db, Tx } from "@pergola/db/client";
import { artifactProjects, backups, backupStorages, builds, outposts, projectMembers, releases, stages } from "@pergola/db/schema";
import { ACTIVE_RELEASE_STATES, LOCAL_OUTPOST } from "@pergola/schema";
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Actor } from "../auth/actor.js";

export interface ArtifactAccess {
  sha256: string;
  memberOfOwner: boolean;
  agentRunsIt: boolean;
}

export async function getArtifactAccess(db: Db | Tx, actor: Actor, sha256: string): Promise<ArtifactAccess> {
  return { sha256, memberOfOwner: await isMemberOfOwner(db, actor, sha256), agentRunsIt: await agentRunsIt(db, actor, sha256) };
}

async function isMemberOfOwner(db: Db | Tx, actor: Actor, sha256: string): Promise<boolean> {
  if (!actor.userId) return false;
  const [row] = await db
    .select({ projectId: artifactProjects.projectId })
    .from(artifactProjects)
    .innerJoin(projectMembers, eq(projectMembers.projectId, artifactProjects.projectId))
    .where(and(eq(artifactProjects.sha256, sha256), eq(projectMembers.userId, actor.userId)))
    .limit(1);
  return row !== undefined;
}

/** The same Stages, Releases and backups as the agent's desired state (desired-state.service.ts). */
async function agentRunsIt(db: Db | Tx, actor: Actor, sha256: string): Promise<boolean> {
  if (actor.role !== "AGENT" || !actor.outpost) return false;
  const onOutpost = actor.outpost === LOCAL_OUTPOST ? isNull(stages.outpostId) : eq(outposts.slug, actor.outpost);
  const [row] = await db
    .select({ id: releases.id })
    .from(releases)
    .innerJoin(builds, eq(builds.id, releases.buildId))
    .innerJoin(stages, eq(stages.id, releases.stageId))
    .leftJoin(outposts, eq(outposts.id, stages.outpostId))
    .where(and(eq(builds.artifactSha256, sha256), inArray(releases.state, [...ACTIVE_RELEASE_STATES]), onOutpost))
    .limit(1);
  if (row) return true;
  // A backup of a Stage on its Outpost: the agent downloads it to restore it.
  const [backup] = await db
    .select({ id: backups.id })
    .from(backupStorages)
    .innerJoin(backups, eq(backups.id, backupStorages.backupId))
    .innerJoin(stages, eq(stages.id, backups.stageId))
    .leftJoin(outposts, eq(outposts.id, stages.outpostId))
    .where(and(eq(backupStorages.sha256, sha256), onOutpost))
    .limit(1);
  return backup !== undefined;
}

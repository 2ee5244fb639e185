import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { authorize } from "../auth/policy.js";
import type { Context } from "../context.js";
import { ArgDoc } from "../graphql/argument-docs.js";
import { projectFor } from "../projects/project.service.js";
import { Backup, BackupReportInput } from "./backup.type.js";

@Resolver(() => Backup)
export class BackupResolver {
  @Query(() => [Backup], { description: "The Stage's backups, newest first: state, size and which storages are in." })
  async backups(
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Arg("stage", () => String, { description: "The Stage ID." }) stage: string,
    @Ctx() { actor, services }: Context,
  ): Promise<Backup[]> {
    const p = await services.projects.requireProject(actor, project);
    return services.backups.listBackups(p, stage);
  }

  @Mutation(() => Backup, {
    description:
      "Asks the Stage's agent for a copy (a tar.gz per standard storage, SHA-256 checked, in the artifact store): PENDING, then READY or FAILED. A running Stage's copy is crash-consistent. A Stage with no standard storage: STATE_CONFLICT.",
  })
  async createBackup(
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Arg("stage", () => String, { description: "The Stage ID." }) stage: string,
    @Arg("displayName", () => String, { description: "A name for people." }) displayName: string,
    @Ctx() { actor, services }: Context,
  ): Promise<Backup> {
    return services.backups.createBackup(projectFor(services.projects, actor, project), stage, displayName);
  }

  @Mutation(() => Backup, {
    description:
      'Puts a READY backup\'s storages back, swapping each in whole (a failed restore leaves the storage as it was). Only while the Stage is SUSPENDED: otherwise STATE_CONFLICT "Stage is not suspended". `restoreState` says when it is DONE.',
  })
  async restoreBackup(
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Arg("stage", () => String, { description: "The Stage ID." }) stage: string,
    @Arg("backup", () => ID, { description: "The backup's ID." }) backup: string,
    @Ctx() { actor, services }: Context,
  ): Promise<Backup> {
    return services.backups.restoreBackup(projectFor(services.projects, actor, project), stage, backup);
  }

  @Mutation(() => Backup, { description: "Agents only: a backup the agent could not take, or a restore it finished or could not do." })
  async reportBackup(
    @Arg("input", () => BackupReportInput, { description: "The backup and the outcome." }) input: BackupReportInput,
    @Ctx() { actor, services }: Context,
  ): Promise<Backup> {
    authorize(actor, "agent.act", undefined);
    return services.backups.reportBackup(actor.outpost!, input);
  }
}

/**
 * Backups of a Stage's standard storages (README "Backups"): list them, take one, restore one.
 * A backup is taken by the Stage's agent, on any Stage and whatever its type: nothing of the
 * Stage changes, so it needs no confirm. A restore replaces the Stage's storage: it needs a
 * suspended Stage (the API says STATE_CONFLICT otherwise) and, on a PROD Stage, confirm: true.
 *
 * `waitSeconds` follows the Project's events from the cursor read before the mutation until the
 * backup's outcome (BACKUP_READY or BACKUP_FAILED; BACKUP_RESTORED or BACKUP_RESTORE_FAILED),
 * then reads the backup again; a wait that runs out answers the backup as it was made.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ApiClient } from "../client.js";
import { McpBackupEventsDocument, McpCreateBackupDocument, McpListBackupsDocument, McpRestoreBackupDocument } from "../documents.js";
import { backupSchema, confirmInput, projectInput, stageInput, waitInput, type BackupResult } from "./schemas.js";
import { CHANGES, defineTool, READ_ONLY, type ToolAnswer } from "./tool.js";
import { lines } from "./views.js";
import { beforeChange, followAtMost, readBeforeChange } from "./write-tools.js";
const BACKUP_OUTPUT = { backup: backupSchema };

function describeBackup(b: BackupResult): string {
  const restore = b.restoreState ? `, last restore ${b.restoreState}${b.restoreMessage ? ` (${b.restoreMessage})` : ""}` : "";
  const why = b.message ? ` (${b.message})` : "";
  return `${b.id} "${b.displayName}": ${b.state}${why}, ${b.size} bytes, ${b.storages.map((s) => s.name).join(", ") || "no storages"}, made ${b.createdAt}${restore}`;
}

async function findBackup(client: ApiClient, project: string, stage: string, id: string): Promise<BackupResult | undefined> {
  return (await client.request(McpListBackupsDocument, { project, stage })).backups.find((b) => b.id === id);
}

/** Follows the Project's events from `after` until one of `outcomes` about `made`, for at most `waitSeconds`; then answers the backup. */
async function follow(
  client: ApiClient,
  where: { project: string; stage: string; after: string },
  made: BackupResult,
  outcomes: string[],
  waitSeconds: number,
  done: (b: BackupResult) => string,
): Promise<ToolAnswer<{ backup: BackupResult }>> {
  if (waitSeconds === 0) return { result: { backup: made }, text: `${describeBackup(made)} — follow it with list_backups` };
  let ended = false;
  const sub = client.subscribe(McpBackupEventsDocument, { project: where.project, after: where.after }, ({ events }) => {
    const { subject } = events;
    if (!subject || !("backupId" in subject) || subject.backupId !== made.id || !outcomes.includes(events.kind)) return;
    ended = true;
    return "stop";
  });
  await followAtMost(sub, waitSeconds);
  const backup = (await findBackup(client, where.project, where.stage, made.id)) ?? made;
  return { result: { backup }, text: ended ? done(backup) : `${describeBackup(backup)} — not done yet: follow it with list_backups` };
}

export function registerBackupTools(server: McpServer, client: ApiClient): void {
  defineTool(
    server,
    "list_backups",
    {
      title: "List backups",
      description: "A Stage's backups, newest first: state, size, storages and the last restore.",
      input: { project: projectInput, stage: stageInput },
      output: { backups: z.array(backupSchema) },
      annotations: READ_ONLY,
    },
    async ({ project, stage }) => {
      const { backups } = await client.request(McpListBackupsDocument, { project, stage });
      return { result: { backups }, text: lines(`${backups.length} backup(s) of ${project}/${stage}`, backups.map(describeBackup)) };
    },
  );

  defineTool(
    server,
    "create_backup",
    {
      title: "Back up a Stage",
      description:
        "Takes a backup of the Stage's standard storages (its agent archives and uploads each). A running Stage's copy is crash-consistent; suspend it first for an exact one. STATE_CONFLICT when the Stage has no standard storage.",
      input: {
        project: projectInput,
        stage: stageInput,
        displayName: z.string().min(1).max(200).describe("What to call it, such as 'before the migration'"),
        waitSeconds: waitInput,
      },
      output: BACKUP_OUTPUT,
      annotations: { ...CHANGES, destructiveHint: false },
    },
    async ({ project, stage, displayName, waitSeconds }) => {
      const { cursor } = await readBeforeChange(client, project, stage);
      const { createBackup } = await client.request(McpCreateBackupDocument, { project, stage, displayName });
      return follow(
        client,
        { project, stage, after: cursor },
        createBackup,
        ["BACKUP_READY", "BACKUP_FAILED"],
        waitSeconds,
        describeBackup,
      );
    },
  );

  defineTool(
    server,
    "restore_backup",
    {
      title: "Restore a backup",
      description:
        "Puts a READY backup's storages back in place of the Stage's, all or nothing (a restore that fails leaves the storage as it was). Only while the Stage is SUSPENDED (suspend_stage first; resume_stage once restored). PROD Stages need confirm: true, after asking the user.",
      input: {
        project: projectInput,
        stage: stageInput,
        backup: z.string().min(1).describe("The backup's id, as list_backups shows it"),
        confirm: confirmInput,
        waitSeconds: waitInput,
      },
      output: BACKUP_OUTPUT,
      annotations: CHANGES,
    },
    async ({ project, stage, backup, confirm, waitSeconds }) => {
      const after = await beforeChange(client, {
        project,
        stage,
        confirm,
        tool: "restore_backup",
        doing: `replace its storage with backup ${backup}`,
      });
      const { restoreBackup } = await client.request(McpRestoreBackupDocument, { project, stage, backup });
      return follow(
        client,
        { project, stage, after },
        restoreBackup,
        ["BACKUP_RESTORED", "BACKUP_RESTORE_FAILED"],
        waitSeconds,
        (b) => `${describeBackup(b)}${b.restoreState === "DONE" ? " — resume_stage to run on it" : ""}`,
      );
    },
  );
}

/** `create backup`, `list backup`, `restore backup`: copies of a Stage's standard storages (README, "Backups"). */
import { CliCreateBackupDocument, CliListBackupsDocument, CliRestoreBackupDocument, type BackupRow } from "../documents.js";
import { leaf, projectOption, stageOption } from "../command.js";
import type { Verbs } from "../groups.js";
import { ago, lower, print, renderTable } from "../output.js";

export function formatSize(size: string): string {
  const bytes = Number(size);
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const storagesOf = (b: BackupRow) => b.storages.map((s) => `${s.name}${s.ready ? "" : " (pending)"}`).join(", ");

export function renderBackups(backups: BackupRow[], title: string): string {
  return renderTable(
    ["id", "name", "state", "size", "storages", "restore", "created"],
    backups.map((b) => [
      b.id,
      b.displayName,
      `${lower(b.state)}${b.message ? `: ${b.message}` : ""}`,
      formatSize(b.size),
      storagesOf(b),
      b.restoreState ? `${lower(b.restoreState)}${b.restoreMessage ? `: ${b.restoreMessage}` : ""}` : "",
      ago(b.createdAt),
    ]),
    title,
  );
}

export function registerBackups(verbs: Verbs): void {
  leaf(
    verbs.create,
    "backup",
    "Back up a Stage's standard storages: its agent uploads a checksummed tar.gz of each (pending, then ready or failed)",
    ['pergola create backup -p my-new-project -s my-new-stage --display-name "before the migration"'],
    (cmd) => stageOption(projectOption(cmd)).alias("backups").requiredOption("--display-name <name>", "a name for people"),
    async (ctx) => {
      const { createBackup } = await ctx.client.request(CliCreateBackupDocument, {
        project: ctx.opts.project,
        stage: ctx.opts.stage,
        displayName: ctx.opts.displayName,
      });
      print(
        ctx.format,
        createBackup,
        () =>
          `backup ${createBackup.id} (${createBackup.displayName}) ${lower(createBackup.state)}: ${storagesOf(createBackup)}\n\nFollow it: pergola list backup -p ${ctx.opts.project} -s ${ctx.opts.stage}`,
      );
    },
  );

  leaf(
    verbs.list,
    "backup",
    "List a Stage's backups, newest first: state, size, storages and the last restore",
    ["pergola list backup -p my-new-project -s my-new-stage"],
    (cmd) => stageOption(projectOption(cmd)).alias("backups"),
    async (ctx) => {
      const { backups } = await ctx.client.request(CliListBackupsDocument, { project: ctx.opts.project, stage: ctx.opts.stage });
      print(ctx.format, backups, () => renderBackups(backups, `Backups of ${ctx.opts.project}/${ctx.opts.stage}`));
    },
  );

  leaf(
    verbs.restore,
    "backup <id>",
    "Put a ready backup's storages back (the Stage must be suspended; each storage is swapped in whole, or left as it was)",
    ["pergola restore backup 0b6f2c1e-… -p my-new-project -s my-new-stage"],
    (cmd) => stageOption(projectOption(cmd)).alias("backups"),
    async (ctx, id) => {
      const { restoreBackup } = await ctx.client.request(CliRestoreBackupDocument, {
        project: ctx.opts.project,
        stage: ctx.opts.stage,
        backup: id!,
      });
      print(
        ctx.format,
        restoreBackup,
        () =>
          `restore of backup ${restoreBackup.id} (${restoreBackup.displayName}) ${lower(restoreBackup.restoreState)}\n\nFollow it: pergola list backup -p ${ctx.opts.project} -s ${ctx.opts.stage}; then pergola resume stage ${ctx.opts.stage} -p ${ctx.opts.project}`,
      );
    },
  );
}

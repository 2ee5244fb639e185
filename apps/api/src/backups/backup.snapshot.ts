/**
 * A backup as stored in a BACKUP_* event's payload (beside its `stage`): what subscribers see is
 * the backup as it was at that event, so a replay shows PENDING, then READY, as they happened.
 */
import type { BackupRow } from "@pergola/db/schema";

export type StoredBackup = Pick<BackupRow, "id" | "displayName" | "state" | "message" | "size" | "restoreState" | "restoreMessage"> & {
  createdAt: string;
};

export function toBackupSnapshot(backup: BackupRow): StoredBackup {
  return {
    id: backup.id,
    displayName: backup.displayName,
    state: backup.state,
    message: backup.message,
    size: backup.size,
    restoreState: backup.restoreState,
    restoreMessage: backup.restoreMessage,
    createdAt: backup.createdAt.toISOString(),
  };
}

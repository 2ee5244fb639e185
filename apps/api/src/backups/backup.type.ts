import { BACKUP_OPERATIONS, BACKUP_STATES, RESTORE_STATES } from "@pergola/schema";
import { Field, ID, InputType, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime, UnsignedInt64 } from "../common/scalars.js";

export const BackupState = graphqlEnum(BACKUP_STATES, {
  name: "BackupState",
  description: "PENDING → READY | FAILED. A backup that fails never becomes READY.",
  valuesConfig: {
    PENDING: { description: "The Stage's agent is copying and uploading its storages." },
    READY: { description: "Every storage's archive is in the artifact store, checksummed: it can be restored." },
    FAILED: { description: "The agent could not take it; `message` says why. Final." },
  },
});
export type BackupState = keyof typeof BackupState;

export const RestoreState = graphqlEnum(RESTORE_STATES, {
  name: "RestoreState",
  description: "The last restore asked of a backup.",
  valuesConfig: {
    PENDING: { description: "The agent is putting the storages back; the Stage cannot be resumed meanwhile." },
    DONE: { description: "Every storage is as the backup has it." },
    FAILED: { description: "The agent could not restore it; `restoreMessage` says why. The storages are as they were." },
  },
});
export type RestoreState = keyof typeof RestoreState;

export const BackupOperation = graphqlEnum(BACKUP_OPERATIONS, {
  name: "BackupOperation",
  description: "What an agent's report is about.",
  valuesConfig: {
    BACKUP: { description: "Taking the backup." },
    RESTORE: { description: "Restoring it." },
  },
});
export type BackupOperation = keyof typeof BackupOperation;

@ObjectType({ description: "One standard storage of a backup, `<component>/<volume>`." })
export class BackupStorage {
  @Field(() => String, { description: "`<component>/<volume>`, as in the manifest." })
  name: string;

  @Field(() => Boolean, { description: "True once its archive (tar.gz, SHA-256 checked) is in the artifact store." })
  ready: boolean;
}

@ObjectType({ description: "A copy of a Stage's standard storages, taken by its agent." })
export class Backup {
  @Field(() => ID, { description: "Its unique ID: restoreBackup names it." })
  id: string;

  @Field(() => String, { description: "The name given to createBackup." })
  displayName: string;

  @Field(() => BackupState, { description: "PENDING, READY or FAILED." })
  state: BackupState;

  @Field(() => String, { nullable: true, description: "Why it FAILED." })
  message: string | null;

  @Field(() => UnsignedInt64, { description: "Bytes of its archives (0 until READY)." })
  size: number;

  @Field(() => DateTime, { description: "When createBackup asked for it." })
  createdAt: Date;

  @Field(() => [BackupStorage], { description: "Its storages, by name." })
  storages: BackupStorage[];

  @Field(() => RestoreState, { nullable: true, description: "The last restore asked of it; null if never." })
  restoreState: RestoreState | null;

  @Field(() => String, { nullable: true, description: "Why the last restore FAILED (the storage is as it was)." })
  restoreMessage: string | null;
}

@InputType({ description: "An agent's word on a backup it took or restored." })
export class BackupReportInput {
  @Field(() => ID, { description: "The backup's ID, from the desired state." })
  backup: string;

  @Field(() => BackupOperation, { description: "BACKUP or RESTORE." })
  operation: BackupOperation;

  @Field(() => String, { nullable: true, description: "null: done; else why it failed." })
  error?: string | null;
}

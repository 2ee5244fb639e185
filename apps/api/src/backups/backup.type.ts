import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { DateTime } from "../common/scalars.js";

export enum BackupState {
  PENDING = "PENDING",
  READY = "READY",
  FAILED = "FAILED",
}
registerEnumType(BackupState, {
  name: "BackupState",
  description: "PENDING: the agent is copying its storages; READY: every storage is stored; FAILED: nothing usable (see message).",
});

export enum BackupOperation {
  BACKUP = "BACKUP",
  RESTORE = "RESTORE",
}
registerEnumType(BackupOperation, { name: "BackupOperation", description: "What an agent reports on: taking a backup or restoring one." });

@ObjectType({ description: "One standard storage of a backup, `<component>/<volume>`." })
export class BackupStorage {
  @Field(() => String, { description: "`<component>/<volume>`, as in the manifest." })
  name: string;

  @Field(() => Boolean, { description: "True once its archive (tar.gz, SHA-256 checked) is in the artifact store." })
  ready: boolean;
}

@ObjectType({ description: "A copy of a Stage's standard storages, taken by its agent." })
export class Backup {
  @Field(() => ID)
  id: string;

  @Field(() => String)
  displayName: string;

  @Field(() => BackupState)
  state: BackupState;

  @Field(() => String, { nullable: true, description: "Why it FAILED." })
  message: string | null;

  @Field(() => Number, { description: "Bytes of its archives (0 until READY)." })
  size: number;

  @Field(() => DateTime)
  createdAt: Date;

  @Field(() => [BackupStorage])
  storages: BackupStorage[];

  @Field(() => String, { nullable: true, description: "The last restore asked of it: PENDING, DONE or FAILED; null if never." })
  restoreState: string | null;

  @Field(() => String, { nullable: true, description: "Why the last restore FAILED (the storage is as it was)." })
  restoreMessage: string | null;
}

@InputType({ description: "An agent's word on a backup it took or restored." })
export class BackupReportInput {
  @Field(() => ID)
  backup: string;

  @Field(() => BackupOperation)
  operation: BackupOperation;

  @Field(() => String, { nullable: true, description: "null: done; else why it failed." })
  error?: string | null;
}

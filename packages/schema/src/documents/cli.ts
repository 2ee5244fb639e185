/**
 * The rows the `pergola` CLI prints, named. Its documents are in cli.graphql, each asking for
 * what one command prints (its table columns and its `-o json` output), nothing more; they and
 * their result types are generated into ../generated/graphql.ts.
 */
import type { CliRotateOutpostTokenMutation } from "../generated/graphql.js";

export type { AccessKeyRow, UserRow } from "./people.js";
export type {
  CliBackupFragment as BackupRow,
  CliComponentFragment as ComponentRow,
  CliConfigurationFragment as ConfigurationRow,
  CliMemberFragment as MemberRow,
  CliOutpostFragment as OutpostRow,
  CliReleaseFragment as ReleaseRow,
  CliStageFragment as StageRow,
  CliStagePolicyFragment as StagePolicyRow,
  CliWebhookFragment as WebhookRow,
} from "../generated/graphql.js";

/** An Outpost with the token its agent starts with (created or rotated). */
export type OutpostCredentialsRow = CliRotateOutpostTokenMutation["rotateOutpostToken"];

/**
 * The rows the dashboard shows, named. Its documents are in dashboard.graphql: every list the
 * dashboard shows is read with a `cursor` and then followed by a subscription `after` it (list,
 * then watch); each subscription takes `$after` so the dashboard's client can resume from the
 * last event it received after a reconnect. They and their result types are generated into
 * ../generated/graphql.ts.
 */
import type {
  DashboardCreateOutpostMutation,
  DashboardEventsSubscription,
  DashboardValidateOutpostUriQuery,
} from "../generated/graphql.js";

export type { AccessKeyRow, UserRow } from "./people.js";
export type {
  DashboardBackupFragment as BackupRow,
  DashboardComponentFragment as ComponentRow,
  DashboardConfigurationFragment as ConfigurationView,
  DashboardMemberFragment as MemberRow,
  DashboardOutpostFragment as OutpostRow,
  DashboardOutpostLinkFragment as OutpostLinkView,
  DashboardReleaseFragment as ReleaseSummary,
  DashboardStageFragment as StageRow,
  DashboardStagePolicyFragment as StagePolicyRow,
  OutpostLinkStatus as LinkStatus,
} from "../generated/graphql.js";

export type OutpostValidationResult = DashboardValidateOutpostUriQuery["validateOutpostUri"];
export type OutpostCredentialsView = DashboardCreateOutpostMutation["createOutpost"];
export type ProjectEventRow = DashboardEventsSubscription["events"];

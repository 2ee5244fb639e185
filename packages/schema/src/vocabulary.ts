/**
 * Every closed set of values Pergola has, declared once. The database's enums (`pgEnum`), the
 * GraphQL enums (type-graphql), the clients' unions and the validation sets (`z.enum`,
 * `includes`) are all derived from these arrays; a value added here reaches all of them. The
 * order of each array is the order of its database and GraphQL enum.
 */

/** What a Stage is for. */
export const STAGE_TYPES = ["DEV", "QA", "PROD"] as const;
export type StageType = (typeof STAGE_TYPES)[number];

/** Who may deploy to the Stages of a type (its Stage policy): a Project's owners, or its owners and members. Admins always may. */
export const STAGE_DEPLOYERS = ["OWNERS", "OWNERS_AND_MEMBERS"] as const;
export type StageDeployers = (typeof STAGE_DEPLOYERS)[number];

/** RUNNING → SUSPENDING → SUSPENDED → RESUMING → RUNNING (docs/design.md, "Stage"). */
export const STAGE_STATES = ["RUNNING", "SUSPENDING", "SUSPENDED", "RESUMING"] as const;
export type StageState = (typeof STAGE_STATES)[number];

/** A verdict from probes. DEGRADED only for Stages (some Components healthy). */
export const HEALTHS = ["HEALTHY", "DEGRADED", "UNHEALTHY", "UNKNOWN"] as const;
export type Health = (typeof HEALTHS)[number];

/** The verdicts an agent reports for one Component: a Component is never DEGRADED. */
export const COMPONENT_HEALTHS = ["HEALTHY", "UNHEALTHY", "UNKNOWN"] as const satisfies readonly Health[];
export type ComponentHealth = (typeof COMPONENT_HEALTHS)[number];

/**
 * PENDING → DEPLOYING → DEPLOYED | FAILED. A DEPLOYED Release → SUPERSEDED when the next one is
 * DEPLOYED; a PENDING or DEPLOYING one → SUPERSEDED when another is made before it got there.
 */
export const RELEASE_STATES = ["PENDING", "DEPLOYING", "DEPLOYED", "FAILED", "SUPERSEDED"] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

/**
 * The states of a Release that is not over. A Stage has at most two such Releases: one
 * DEPLOYED (serving) and one ROLLING (on its way), each backed by a partial unique index.
 */
export const ACTIVE_RELEASE_STATES = ["PENDING", "DEPLOYING", "DEPLOYED"] as const satisfies readonly ReleaseState[];
export type ActiveReleaseState = (typeof ACTIVE_RELEASE_STATES)[number];

/** A Release on its way: at most one per Stage (the index `releases_one_rolling_per_stage`). */
export const ROLLING_RELEASE_STATES = ["PENDING", "DEPLOYING"] as const satisfies readonly ReleaseState[];

/** A backup of a Stage's standard storages: PENDING until every storage is uploaded (READY) or the agent fails (FAILED). */
export const BACKUP_STATES = ["PENDING", "READY", "FAILED"] as const;
export type BackupState = (typeof BACKUP_STATES)[number];

/** The last restore asked of a backup: PENDING until the agent reports it DONE or FAILED (the storage as it was). */
export const RESTORE_STATES = ["PENDING", "DONE", "FAILED"] as const;
export type RestoreState = (typeof RESTORE_STATES)[number];

/**
 * READY backups kept per Stage unless set (`Stage.backupRetention`, the column's default): a newer
 * one makes the oldest go (its archives are then collected with unused artifacts).
 */
export const BACKUP_RETENTION = 10;

/** The range `updateStage`'s `backupRetention` takes (and the column's check). */
export const BACKUP_RETENTION_MIN = 1;
export const BACKUP_RETENTION_MAX = 100;

/** What an agent's `reportBackup` is about. */
export const BACKUP_OPERATIONS = ["BACKUP", "RESTORE"] as const;
export type BackupOperation = (typeof BACKUP_OPERATIONS)[number];

/** From the manifest's `scheduled`: none → SERVICE, `@release` → JOB, a cron expression → CRON. */
export const COMPONENT_KINDS = ["SERVICE", "JOB", "CRON"] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

/** SCHEDULED is a cron job between runs, COMPLETED a `@release` job done. */
export const COMPONENT_STATES = [
  "PENDING",
  "STARTING",
  "RUNNING",
  "SCHEDULED",
  "COMPLETED",
  "STOPPING",
  "STOPPED",
  "SUSPENDED",
  "FAILED",
  "CRASHLOOP",
] as const;
export type ComponentState = (typeof COMPONENT_STATES)[number];

/** What people can ask of a Component: RESTART, STOP and START a service, RUN a job or cron job now. */
export const COMPONENT_COMMANDS = ["RESTART", "STOP", "START", "RUN"] as const;
export type ComponentCommand = (typeof COMPONENT_COMMANDS)[number];

/** How an Outpost's agent is connected (the API's `OutpostLinkStatus`). */
export const OUTPOST_LINK_STATUSES = ["PENDING", "CONNECTING", "ONLINE", "OFFLINE", "ERROR"] as const;
export type OutpostLinkStatus = (typeof OUTPOST_LINK_STATUSES)[number];

/**
 * What an entry of an Outpost's history records. The database and the older `kind: String`
 * field spell it in lower case with dashes (`heartbeat-missed`): `OutpostHistoryText`.
 */
export const OUTPOST_HISTORY_KINDS = [
  "CREATED",
  "TOKEN_ROTATED",
  "TOKEN_REJECTED",
  "CONNECTED",
  "ONLINE",
  "DISCONNECTED",
  "HEARTBEAT_MISSED",
  "SUPERSEDED",
  "APPLY_ERROR",
] as const;
export type OutpostHistoryKind = (typeof OUTPOST_HISTORY_KINDS)[number];

type Dashed<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}-${Dashed<Tail>}` : S;
/** `heartbeat-missed` for HEARTBEAT_MISSED: how a history kind is stored. */
export type OutpostHistoryText = Lowercase<Dashed<OutpostHistoryKind>>;

export function outpostHistoryKindOf(text: OutpostHistoryText): OutpostHistoryKind {
  return text.toUpperCase().replaceAll("-", "_") as OutpostHistoryKind;
}

export function outpostHistoryTextOf(kind: OutpostHistoryKind): OutpostHistoryText {
  return kind.toLowerCase().replaceAll("_", "-") as OutpostHistoryText;
}

/** What validateOutpostUri finds wrong with a URI (NEVER_CONNECTED is a warning). */
export const OUTPOST_PROBLEM_CODES = ["MALFORMED", "UNKNOWN_OUTPOST", "NEVER_CONNECTED"] as const;
export type OutpostProblemCode = (typeof OUTPOST_PROBLEM_CODES)[number];

/** The slug of the built-in Outpost: the API's own host, whose Stages have no `outpostId`. */
export const LOCAL_OUTPOST = "local";

/** Who a caller is: ADMIN and MEMBER are users, AGENT an Outpost's agent. */
export const ROLES = ["ADMIN", "MEMBER", "AGENT"] as const;
export type Role = (typeof ROLES)[number];

/** A user's place in a Project: OWNER manages its members and may delete it. */
export const MEMBER_ROLES = ["OWNER", "MEMBER"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/**
 * What a credential is: ACCESS_KEY (`<id>:<secret>`, made by createAccessKey), LEGACY (a `pgl_`
 * token from before users, or the preset PERGOLA_ADMIN_TOKEN), SESSION (signIn, 12 h) or AGENT
 * (an Outpost's agent token).
 */
export const CREDENTIAL_KINDS = ["ACCESS_KEY", "LEGACY", "SESSION", "AGENT"] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** ENV: an environment variable. FILE: a file written into the Component's file system. */
export const CONFIG_DATA_KINDS = ["ENV", "FILE"] as const;
export type ConfigDataKind = (typeof CONFIG_DATA_KINDS)[number];

/** READY: the manifest is valid and the artifact stored. */
export const BUILD_STATUSES = ["READY"] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

/** Every kind of event in the Project event log. */
export const EVENT_KINDS = [
  "PROJECT_CREATED",
  "STAGE_CREATED",
  "STAGE_UPDATED",
  "STAGE_DELETED",
  /** One per transition of the Stage state machine; the payload holds the new state. */
  "STAGE_STATE_CHANGED",
  "BUILD_CREATED",
  "RELEASE_CREATED",
  /** A Release moved: PENDING → DEPLOYING → DEPLOYED | FAILED, DEPLOYED → SUPERSEDED. */
  "RELEASE_STATE_CHANGED",
  /** A Component's state, health, restarts or message changed (from the agent's reports). */
  "COMPONENT_CHANGED",
  /** Someone restarted, stopped or started a service, or ran a job now; the payload names the command. The agent's next report tells what it did. */
  "COMPONENT_CONTROLLED",
  /** addConfigData / removeConfigData: names, kinds and secret flags in the payload, never values. */
  "CONFIGURATION_CHANGED",
  /** A Stage's Outpost link moved: the Outpost's status, the agent's observed generation, its apply errors. */
  "OUTPOST_LINK_CHANGED",
  /** A Stage's health moved (from its Components' reports, a new serving Release, or its Outpost's status); the payload holds it as of then. */
  "STAGE_HEALTH_CHANGED",
  /** restoreStage brought an archived (deleted) Stage back. */
  "STAGE_RESTORED",
  /** purgeStage removed an archived Stage for good. */
  "STAGE_PURGED",
  /** deleteProject archived the Project (its Stages are archived with it). */
  "PROJECT_DELETED",
  /** restoreProject brought it back. */
  "PROJECT_RESTORED",
  /** createBackup: a PENDING backup the Stage's agent is asked to take. */
  "BACKUP_CREATED",
  /** The agent uploaded the backup's last storage: READY (older READY ones beyond the Stage's retention are pruned with it). */
  "BACKUP_READY",
  /** The agent could not take the backup: FAILED, with its reason. */
  "BACKUP_FAILED",
  /** restoreBackup: someone asked the agent to put a READY backup's storages back (the Stage is SUSPENDED). */
  "BACKUP_RESTORE_REQUESTED",
  /** The agent reported the restore done: the storages are as the backup has them. */
  "BACKUP_RESTORED",
  /** The agent reported it could not restore: the storages are as they were. */
  "BACKUP_RESTORE_FAILED",
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * What a webhook can be told (README, "Notifications: webhooks"). STAGE_UNHEALTHY: a Stage's
 * health moved into UNHEALTHY or DEGRADED from HEALTHY or UNKNOWN (it started failing);
 * STAGE_RECOVERED: back to HEALTHY from UNHEALTHY or DEGRADED. RELEASE_FAILED / RELEASE_DEPLOYED:
 * a Release reached that state. OUTPOST_OFFLINE / OUTPOST_ONLINE: an Outpost's status moved there.
 */
export const WEBHOOK_EVENTS = [
  "STAGE_UNHEALTHY",
  "STAGE_RECOVERED",
  "RELEASE_FAILED",
  "RELEASE_DEPLOYED",
  "OUTPOST_OFFLINE",
  "OUTPOST_ONLINE",
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What a delivery carries: a webhook's events, or PING (sendTestWebhook), which needs no subscription. */
export const WEBHOOK_DELIVERY_EVENTS = [...WEBHOOK_EVENTS, "PING"] as const;
export type WebhookDeliveryEvent = (typeof WEBHOOK_DELIVERY_EVENTS)[number];

/** PENDING until a 2xx answer (DELIVERED) or until retries end, 24 hours after it was made (FAILED). */
export const WEBHOOK_DELIVERY_STATES = ["PENDING", "DELIVERED", "FAILED"] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/** What the audit log records: everything that changes who may do what, and every sign-in. */
export const AUDIT_ACTIONS = [
  "SIGN_IN",
  "SIGN_IN_FAILED",
  "SIGN_OUT",
  "USER_CREATED",
  "USER_UPDATED",
  "USER_DISABLED",
  "USER_ENABLED",
  "ACCESS_KEY_CREATED",
  "ACCESS_KEY_DISABLED",
  "ACCESS_KEY_ENABLED",
  "ACCESS_KEY_DELETED",
  "MEMBER_ADDED",
  "MEMBER_UPDATED",
  "MEMBER_REMOVED",
  "OUTPOST_GRANTED",
  "OUTPOST_REVOKED",
  "WEBHOOK_CREATED",
  "WEBHOOK_UPDATED",
  "WEBHOOK_DELETED",
  "STAGE_POLICY_UPDATED",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** `value` is one of `values`: narrows a string read from a flag, a row or the wire. */
export function isOneOf<const T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (values as readonly string[]).includes(value);
}

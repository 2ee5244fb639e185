/**
 * The drizzle schema. Importing it never opens a connection: the client is a factory
 * in `./client`.
 */
import {
  BACKUP_RETENTION,
  CREDENTIAL_KINDS,
  MEMBER_ROLES,
  OUTPOST_LINK_STATUSES,
  type OutpostHistoryText,
  RELEASE_STATES,
  STAGE_DEPLOYERS,
  STAGE_STATES,
  STAGE_TYPES,
  type WebhookDeliveryEvent,
  type BackupState,
  type RestoreState,
  type WebhookDeliveryState,
  type WebhookEvent,
} from "@pergola/schema";
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/** The values come from @pergola/schema's vocabulary: a value added there needs a migration here (`npm run generate`). */
export const stageType = pgEnum("stage_type", STAGE_TYPES);
export const stageState = pgEnum("stage_state", STAGE_STATES);
export const stageDeployers = pgEnum("stage_deployers", STAGE_DEPLOYERS);
export const credentialKind = pgEnum("credential_kind", CREDENTIAL_KINDS);
export const memberRole = pgEnum("member_role", MEMBER_ROLES);
export const releaseState = pgEnum("release_state", RELEASE_STATES);
export const outpostStatus = pgEnum("outpost_link_status", OUTPOST_LINK_STATUSES);

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

/**
 * `seq` is the newest event sequence number of the Project. Writers take the next one
 * while holding this row `FOR UPDATE`, so seq order is commit order within a Project.
 * `logStart` is the newest seq that has been pruned: cursors below it cannot resume.
 */
export const projects = pgTable("projects", {
  id: uuid("id").primaryKey().defaultRandom(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  seq: bigint("seq", { mode: "bigint" }).notNull().default(sql`0`),
  logStart: bigint("log_start", { mode: "bigint" }).notNull().default(sql`0`),
  /** Set by deleteProject: archived, hidden from lists, read-only until restoreProject. */
  archivedAt: timestamp("archived_at", { withTimezone: true }),
  ...timestamps,
});

export const stages = pgTable(
  "stages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    type: stageType("type").notNull(),
    state: stageState("state").notNull().default("RUNNING"),
    suspendGraceSeconds: integer("suspend_grace_seconds").notNull().default(60),
    /** Grows with every change of what the agent should run here (Release, suspended, grace). */
    generation: integer("generation").notNull().default(1),
    /** The Outpost whose agent runs the Stage; null: the built-in `local` one. */
    outpostId: uuid("outpost_id").references(() => outposts.id),
    /** The generation the agent last reported having applied; null until it acknowledged the Stage. */
    observedGeneration: integer("observed_generation"),
    /** What the agent reported it could not apply: [{ component, message, at }]; empty when all is well. */
    applyErrors: jsonb("apply_errors").notNull().default(sql`'[]'::jsonb`),
    /**
     * The Stage's health as of its last change (stages/stage-health.ts keeps it, in the transaction
     * of the change, and writes STAGE_HEALTH_CHANGED): events carry it as it was then.
     */
    /** Set by deleteStage: archived (suspended first, storage kept), until restoreStage or purgeStage. */
    archivedAt: timestamp("archived_at", { withTimezone: true }),
    /** The state it was in when archived: a RUNNING Stage is resumed when restored. */
    archivedState: stageState("archived_state"),
    /** When the API's gateway last served one of its links (written at most once a minute); auto-suspend reads it. */
    lastTrafficAt: timestamp("last_traffic_at", { withTimezone: true }),
    health: text("health").notNull().default("UNKNOWN"),
    /** READY backups kept (updateStage's backupRetention); a backup becoming READY prunes older ones beyond it. */
    backupRetention: integer("backup_retention").notNull().default(BACKUP_RETENTION),
    healthSince: timestamp("health_since", { withTimezone: true }).notNull().defaultNow(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("stages_project_slug_key").on(t.projectId, t.slug),
    check("stages_grace_range", sql`${t.suspendGraceSeconds} between 0 and 86400`),
    check("stages_backup_retention_range", sql`${t.backupRetention} between 1 and 100`),
  ],
);

/**
 * Stage policies: one row per Stage type, set by admins (updateStagePolicy), read by the services
 * that deploy and suspend. The migration seeds a row for each type with the defaults
 * (docs/design.md, "Stage policies"); there is never a type without its row.
 */
export const stagePolicies = pgTable(
  "stage_policies",
  {
    type: stageType("type").primaryKey(),
    deployers: stageDeployers("deployers").notNull().default("OWNERS_AND_MEMBERS"),
    /** A Release's Build must be or have been DEPLOYED on a Stage of this type in the Project; null: no such rule. */
    requirePromotionFrom: stageType("require_promotion_from"),
    confirmDeploy: boolean("confirm_deploy").notNull().default(false),
    confirmSuspend: boolean("confirm_suspend").notNull().default(false),
    /** The grace a new Stage of this type gets when createStage names none. */
    defaultSuspendGraceSeconds: integer("default_suspend_grace_seconds").notNull().default(60),
    /** Hours without traffic through the API's gateway before a RUNNING local Stage is suspended; 0: never. */
    autoSuspendAfterHours: integer("auto_suspend_after_hours").notNull().default(0),
    /** The nice level the agent starts the type's Components' processes at, -20 (first) to 19 (last). */
    nice: integer("nice").notNull().default(0),
    updatedBy: text("updated_by"),
    ...timestamps,
  },
  (t) => [
    check("stage_policies_grace_range", sql`${t.defaultSuspendGraceSeconds} between 0 and 86400`),
    check("stage_policies_auto_suspend_range", sql`${t.autoSuspendAfterHours} >= 0`),
    check("stage_policies_nice_range", sql`${t.nice} between -20 and 19`),
  ],
);

/**
 * A remote environment whose agent runs Stages (docs/design.md, "Outpost"). `session` is the epoch of
 * the agent's newest connection: reports of an older one are refused. The status is written
 * only when it changes; heartbeats go to the narrow `outpost_heartbeats` table.
 */
export const outposts = pgTable(
  "outposts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull().unique(),
    name: text("name").notNull(),
    description: text("description"),
    region: text("region"),
    labels: text("labels").array().notNull().default(sql`'{}'::text[]`),
    status: outpostStatus("status").notNull().default("PENDING"),
    statusSince: timestamp("status_since", { withTimezone: true }).notNull().defaultNow(),
    session: integer("session").notNull().default(0),
    agentVersion: text("agent_version"),
    /** Where the agent serves its Stages' links (`--public-url`). */
    publicUrl: text("public_url"),
    heartbeatIntervalSeconds: integer("heartbeat_interval_seconds").notNull().default(5),
    offlineAfterSeconds: integer("offline_after_seconds").notNull().default(20),
    ...timestamps,
  },
  (t) => [
    check("outposts_heartbeat_range", sql`${t.heartbeatIntervalSeconds} >= 1 and ${t.offlineAfterSeconds} > ${t.heartbeatIntervalSeconds}`),
  ],
);

/** The last heartbeat of each Outpost's agent, by the database's clock; written in batches. */
export const outpostHeartbeats = pgTable("outpost_heartbeats", {
  outpostId: uuid("outpost_id")
    .primaryKey()
    .references(() => outposts.id, { onDelete: "cascade" }),
  session: integer("session").notNull(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
  /** Round trip of the agent's previous heartbeat, as the agent measured it. */
  latencyMs: integer("latency_ms"),
});

/** An Outpost's connection history: connected, disconnected, heartbeat missed, token rejected, superseded, apply error. */
export const outpostHistory = pgTable(
  "outpost_history",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    outpostId: uuid("outpost_id")
      .notNull()
      .references(() => outposts.id, { onDelete: "cascade" }),
    kind: text("kind").$type<OutpostHistoryText>().notNull(),
    message: text("message").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("outpost_history_outpost_idx").on(t.outpostId, t.id)],
);

/** The event log: the source of truth for every subscription. */
export const events = pgTable(
  "events",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    seq: bigint("seq", { mode: "bigint" }).notNull(),
    stageId: uuid("stage_id"),
    kind: text("kind").notNull(),
    payload: jsonb("payload").notNull(),
    /** Who caused it: "email (key name)", "email" for a session, "agent of <outpost>", or "system". */
    actor: text("actor").notNull().default("system"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.seq] }),
    // A Stage's health timeline and deploy markers (stages/stage-history.ts); only these kinds pay for it.
    index("events_stage_history_idx")
      .on(t.stageId, t.kind, t.seq)
      .where(sql`${t.kind} in ('STAGE_HEALTH_CHANGED', 'RELEASE_STATE_CHANGED')`),
  ],
);

/**
 * The people of this Pergola. `email` is stored lower-case; `passwordHash` is argon2id (null for
 * users who sign in only with SSO). A disabled user's credentials all stop at once.
 */
export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash"),
  isAdmin: boolean("is_admin").notNull().default(false),
  /** The OpenID Connect `sub` (with its issuer) of an SSO user, once they signed in with it. */
  oidcSubject: text("oidc_subject").unique(),
  disabledAt: timestamp("disabled_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
});

/**
 * Every credential: access keys, sessions, legacy tokens and agent tokens, stored only as
 * SHA-256 hashes of their secrets (they are long and random: a slow hash adds nothing).
 * `revokedAt` set: disabled. User credentials have `userId`; agent tokens have `outpost`.
 */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull().unique(),
    kind: credentialKind("kind").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    /** Read-only keys: every query and subscription their user may see, no mutation. */
    readOnly: boolean("read_only").notNull().default(false),
    /** AGENT tokens only: the Outpost they act for (`local` is the built-in one). */
    outpost: text("outpost"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    /** Sessions only. */
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("api_tokens_user_idx").on(t.userId), index("api_tokens_kind_idx").on(t.kind)],
);

/**
 * One-time, short-lived tickets that open a WebSocket for a token without the token itself
 * reaching the browser (the dashboard keeps the token server-side). Stored as hashes.
 */
export const socketTickets = pgTable("socket_tickets", {
  hash: text("hash").primaryKey(),
  tokenId: uuid("token_id")
    .notNull()
    .references(() => apiTokens.id, { onDelete: "cascade" }),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

/** Who may use a Project, and as what: OWNER (manages members, may delete it) or MEMBER. Admins may use all. */
export const projectMembers = pgTable(
  "project_members",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: memberRole("role").notNull(),
    addedAt: timestamp("added_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index("project_members_user_idx").on(t.userId)],
);

/** The Projects an Outpost may run Stages of (admins grant them). */
export const outpostGrants = pgTable(
  "outpost_grants",
  {
    outpostId: uuid("outpost_id")
      .notNull()
      .references(() => outposts.id, { onDelete: "cascade" }),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    grantedAt: timestamp("granted_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.outpostId, t.projectId] }), index("outpost_grants_project_idx").on(t.projectId)],
);

/** The Projects an artifact was uploaded for: only their members read it or build from it. */
export const artifactProjects = pgTable(
  "artifact_projects",
  {
    sha256: text("sha256")
      .notNull()
      .references(() => artifacts.sha256, { onDelete: "cascade" }),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.sha256, t.projectId] })],
);

/**
 * What people did to access: sign-ins and failed ones, keys, members, users. Failed sign-ins
 * are also what the sign-in rate limit counts (by `email` and by `address`).
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    action: text("action").notNull(),
    /** Who did it: "email" or "email (key name)"; the email tried, for a failed sign-in. */
    actor: text("actor").notNull(),
    userId: uuid("user_id"),
    projectId: uuid("project_id"),
    /** The email a sign-in was tried with (lower-case), and the caller's address. */
    email: text("email"),
    address: text("address"),
    detail: jsonb("detail").notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [
    index("audit_log_failures_email_idx").on(t.email, t.at).where(sql`${t.action} = 'SIGN_IN_FAILED'`),
    index("audit_log_failures_address_idx").on(t.address, t.at).where(sql`${t.action} = 'SIGN_IN_FAILED'`),
    index("audit_log_user_idx").on(t.userId, t.id),
    index("audit_log_project_idx").on(t.projectId, t.id),
  ],
);

/** Short-lived sign-in state (OpenID Connect `state` and PKCE verifier, one-time hand-off codes), by hash. */
export const authFlows = pgTable("auth_flows", {
  hash: text("hash").primaryKey(),
  kind: text("kind").notNull(),
  data: jsonb("data").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

/**
 * Uploaded application files (tar.gz), content-addressed. The bytes are in the artifact store
 * (the data dir, `artifact_chunks`, or an S3 bucket: apps/api builds/artifact-stores). One no
 * Build references is collected once its last upload is older than the grace period.
 */
export const artifacts = pgTable("artifacts", {
  sha256: text("sha256").primaryKey(),
  size: bigint("size", { mode: "number" }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  /** The last time these bytes were uploaded: the garbage collection's grace runs from it. */
  uploadedAt: timestamp("uploaded_at", { withTimezone: true }).notNull().defaultNow(),
});

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * An artifact's bytes in PostgreSQL, in chunks of at most 1 MiB, written in one transaction (a
 * reader never sees part of an artifact) and read one chunk at a time. No foreign key to
 * `artifacts`: the bytes are written while the upload holds the artifact's row locked.
 */
export const artifactChunks = pgTable(
  "artifact_chunks",
  {
    sha256: text("sha256").notNull(),
    seq: integer("seq").notNull(),
    data: bytea("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sha256, t.seq] })],
);

/**
 * An immutable Build: a name (`master_b2`: branch + counter, or `b7`), the validated manifest
 * and the artifact. `number` counts Builds per branch (branchless ones share a counter).
 */
export const builds = pgTable(
  "builds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    branch: text("branch"),
    number: integer("number").notNull(),
    manifest: jsonb("manifest").notNull(),
    artifactSha256: text("artifact_sha256")
      .notNull()
      .references(() => artifacts.sha256),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("builds_project_name_key").on(t.projectId, t.name), index("builds_project_created_idx").on(t.projectId, t.createdAt)],
);

/** A named Configuration of a Stage; `version` is its newest version. */
export const configurations = pgTable(
  "configurations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    stageId: uuid("stage_id")
      .notNull()
      .references(() => stages.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    version: integer("version").notNull(),
    ...timestamps,
  },
  (t) => [uniqueIndex("configurations_stage_name_key").on(t.stageId, t.name)],
);

/**
 * Every version of a Configuration, immutable: a Release names the version it runs with, so
 * a later change never reaches it. `data` holds the env entries and files, secrets included
 * (the API never returns a secret's value).
 */
export const configurationVersions = pgTable(
  "configuration_versions",
  {
    configurationId: uuid("configuration_id")
      .notNull()
      .references(() => configurations.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    data: jsonb("data").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.configurationId, t.version] })],
);

/**
 * A Release: a Build plus a Configuration version, immutable once made. The partial unique
 * indexes are the invariants "at most one DEPLOYED Release per Stage" (the one serving) and "at
 * most one PENDING or DEPLOYING" (the one on its way, which starts beside it), backed by the
 * database rather than by the code that writes them.
 */
/**
 * People's requests for one Component of a Release. `stopped` is a level: the agent keeps it
 * stopped until it is started (or a new Release). `restarts` and `runs` count requests: the
 * agent restarts the service, or runs the job, when it sees the count grow.
 */
export interface ComponentControl {
  stopped?: boolean;
  restarts?: number;
  runs?: number;
}

export type ComponentControls = Record<string, ComponentControl>;

export const releases = pgTable(
  "releases",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    stageId: uuid("stage_id")
      .notNull()
      .references(() => stages.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    buildId: uuid("build_id")
      .notNull()
      .references(() => builds.id),
    configName: text("config_name"),
    configVersion: integer("config_version"),
    state: releaseState("state").notNull().default("PENDING"),
    message: text("message"),
    createdBy: text("created_by").notNull(),
    /** What people asked of its Components (stopComponent, startComponent, restartComponent, runJob), by name; a new Release starts with none. */
    componentControl: jsonb("component_control").$type<ComponentControls>().notNull().default(sql`'{}'::jsonb`),
    /** When it was first DEPLOYED; null if it never was. Stage policies' promotion rule reads it. */
    deployedAt: timestamp("deployed_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("releases_stage_number_key").on(t.stageId, t.number),
    uniqueIndex("releases_one_deployed_per_stage").on(t.stageId).where(sql`${t.state} = 'DEPLOYED'`),
    uniqueIndex("releases_one_rolling_per_stage").on(t.stageId).where(sql`${t.state} in ('PENDING', 'DEPLOYING')`),
  ],
);

/**
 * Where Pergola tells of what happened (apps/api webhooks/): a Project's, or a global one
 * (`projectId` null, admins'). The secret signs every delivery; it is stored sealed with the
 * server's secret key (AES-256-GCM, bound to the webhook's id) and never read back by clients.
 */
export const webhooks = pgTable(
  "webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    events: text("events").array().$type<WebhookEvent[]>().notNull(),
    secretSealed: text("secret_sealed").notNull(),
    /** The secret's last 4 characters, so people can tell which one they set. */
    secretHint: text("secret_hint").notNull(),
    createdBy: text("created_by").notNull(),
    ...timestamps,
  },
  (t) => [index("webhooks_project_idx").on(t.projectId)],
);

/**
 * The outbox: one row per event per webhook, written in the transaction of what caused it and
 * sent (at least once) by the API's sender. `payload` is the body without its `id`, `event` and
 * `at`, which come from the row: every attempt sends the same bytes. A PENDING row whose
 * `nextAttemptAt` has passed is due; claiming it moves `nextAttemptAt` past the attempt's timeout
 * (a lease), so two replicas never send the same attempt at once.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    event: text("event").$type<WebhookDeliveryEvent>().notNull(),
    payload: jsonb("payload").notNull(),
    state: text("state").$type<WebhookDeliveryState>().notNull().default("PENDING"),
    attempts: integer("attempts").notNull().default(0),
    responseStatus: integer("response_status"),
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`${t.state} = 'PENDING'`),
    index("webhook_deliveries_webhook_idx").on(t.webhookId, t.createdAt),
  ],
);

/** Lines of output kept per Component, as the runtime keeps them. */
export const COMPONENT_LOG_LINES = 200;

/**
 * What the agent reported of each Component of a Release. `observedAt` is when the agent saw
 * the health; `lastKnownHealth` keeps the last real verdict while the health is UNKNOWN.
 */
export const components = pgTable(
  "components",
  {
    releaseId: uuid("release_id")
      .notNull()
      .references(() => releases.id, { onDelete: "cascade" }),
    stageId: uuid("stage_id")
      .notNull()
      .references(() => stages.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind").notNull(),
    state: text("state").notNull(),
    health: text("health").notNull(),
    lastKnownHealth: text("last_known_health"),
    observedAt: timestamp("observed_at", { withTimezone: true }),
    restarts: integer("restarts").notNull().default(0),
    host: text("host"),
    message: text("message"),
    /** The newest lines of its output the agent shipped (at most 200: COMPONENT_LOG_LINES). */
    logs: text("logs").array().notNull().default(sql`'{}'::text[]`),
    /** How many lines were ever shipped for it: `logs` holds lines (logsTotal - len, logsTotal]. */
    logsTotal: integer("logs_total").notNull().default(0),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.name] }), index("components_stage_idx").on(t.stageId)],
);

/**
 * What each Component's processes use, as its agent sampled it (every 10 s): `step_seconds` 10
 * for samples as taken, kept for an hour; then averaged into 60-second points, kept for a day
 * (the API's usage job, usage/usage-retention.ts). Keyed by Stage and Component name (not
 * Release): a Component's history runs on across Releases. Memory and open files are summed
 * over its process tree; `cpu` is the cores it used over the interval before `at`.
 */
export const componentUsage = pgTable(
  "component_usage",
  {
    stageId: uuid("stage_id")
      .notNull()
      .references(() => stages.id, { onDelete: "cascade" }),
    component: text("component").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    stepSeconds: integer("step_seconds").notNull(),
    cpuSecondsTotal: doublePrecision("cpu_seconds_total").notNull(),
    cpu: doublePrecision("cpu").notNull(),
    memoryBytes: bigint("memory_bytes", { mode: "number" }).notNull(),
    openFiles: integer("open_files").notNull(),
  },
  (t) => [primaryKey({ columns: [t.stageId, t.component, t.at] }), index("component_usage_step_at_idx").on(t.stepSeconds, t.at)],
);

/**
 * A Stage's backup: a tar.gz of each standard storage, made by the Stage's agent and kept in the
 * artifact store (backup_storages.sha256). PENDING until every storage is uploaded (READY) or
 * the agent reports a failure (FAILED). `restore_state` is that of the last restore asked of it.
 */
export const backups = pgTable(
  "backups",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    stageId: uuid("stage_id")
      .notNull()
      .references(() => stages.id, { onDelete: "cascade" }),
    displayName: text("display_name").notNull(),
    state: text("state").$type<BackupState>().notNull().default("PENDING"),
    message: text("message"),
    /** Bytes of all its storages' archives, once READY. */
    size: bigint("size", { mode: "number" }).notNull().default(0),
    /** null: never restored. */
    restoreState: text("restore_state").$type<RestoreState>(),
    restoreMessage: text("restore_message"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("backups_stage_created_idx").on(t.stageId, t.createdAt)],
);

/** One storage (`<component>/<volume>`) of a backup; ready once its archive is uploaded. */
export const backupStorages = pgTable(
  "backup_storages",
  {
    backupId: uuid("backup_id")
      .notNull()
      .references(() => backups.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    sha256: text("sha256"),
    size: bigint("size", { mode: "number" }),
  },
  (t) => [primaryKey({ columns: [t.backupId, t.name] }), index("backup_storages_sha256_idx").on(t.sha256)],
);

/**
 * A purged Stage whose storage its agent has not yet removed: purgeStage writes it in the purge's
 * transaction (for a Stage that ever had a Release: nothing else leaves storage on the agent's
 * host), the desired state of its Outpost carries it, and the agent's acknowledgePurge deletes
 * it once the storage is gone. The Stage's row is gone by then, so it keeps what the agent needs
 * (the Stage's id, its Project and Stage ID: the runtime's key). While it is here the Stage ID
 * stays taken: a new Stage of that ID would be handed the old one's storage on that host.
 */
export const stagePurges = pgTable(
  "stage_purges",
  {
    stageId: uuid("stage_id").primaryKey(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    slug: text("slug").notNull(),
    /** The Outpost whose agent ran the Stage; null: the built-in `local` one. An Outpost deleted: nobody left to tell. */
    outpostId: uuid("outpost_id").references(() => outposts.id, { onDelete: "cascade" }),
    purgedAt: timestamp("purged_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("stage_purges_project_slug_key").on(t.projectId, t.slug), index("stage_purges_outpost_idx").on(t.outpostId)],
);

export type ProjectRow = typeof projects.$inferSelect;
export type ComponentRow = typeof components.$inferSelect;
export type ComponentUsageRow = typeof componentUsage.$inferSelect;
export type ReleaseRow = typeof releases.$inferSelect;
export type ReleaseState = (typeof releaseState.enumValues)[number];
export type ArtifactRow = typeof artifacts.$inferSelect;
export type BuildRow = typeof builds.$inferSelect;
export type ConfigurationRow = typeof configurations.$inferSelect;
export type ConfigurationVersionRow = typeof configurationVersions.$inferSelect;
export type StageRow = typeof stages.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type StageType = (typeof stageType.enumValues)[number];
export type StageState = (typeof stageState.enumValues)[number];
export type StagePolicyRow = typeof stagePolicies.$inferSelect;
export type StageDeployers = (typeof stageDeployers.enumValues)[number];
export type CredentialKind = (typeof credentialKind.enumValues)[number];
export type MemberRole = (typeof memberRole.enumValues)[number];
export type UserRow = typeof users.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type OutpostRow = typeof outposts.$inferSelect;
export type OutpostStatus = (typeof outpostStatus.enumValues)[number];
export type OutpostHistoryRow = typeof outpostHistory.$inferSelect;
export type WebhookRow = typeof webhooks.$inferSelect;
export type BackupRow = typeof backups.$inferSelect;
export type BackupStorageRow = typeof backupStorages.$inferSelect;
export type StagePurgeRow = typeof stagePurges.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

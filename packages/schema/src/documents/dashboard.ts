/**
 * The dashboard's documents. Every list the dashboard shows is read with a `cursor` and then
 * followed by a subscription `after` it (list, then watch); each subscription takes `$after`
 * so the dashboard's client can resume from the last event it received after a reconnect.
 */
import { ACCESS_KEY_FIELDS as accessKeyFields, USER_FIELDS as userFields, idMutation, type AccessKeyRow, type MemberRole, type UserRow } from "./people.js";
import { typed } from "./typed.js";

export type { AccessKeyRow, MemberRole, UserRow };

export type StageType = "DEV" | "QA" | "PROD";
export type StageState = "RUNNING" | "SUSPENDING" | "SUSPENDED" | "RESUMING";
export type Health = "HEALTHY" | "DEGRADED" | "UNHEALTHY" | "UNKNOWN";
export type LinkStatus = "PENDING" | "CONNECTING" | "ONLINE" | "OFFLINE" | "ERROR";
export type ReleaseState = "PENDING" | "DEPLOYING" | "DEPLOYED" | "FAILED" | "SUPERSEDED";
export type Role = "ADMIN" | "MEMBER" | "AGENT";

export interface ReleaseSummary {
  id: string;
  number: number;
  state: ReleaseState;
  message: string | null;
  createdAt: string;
  createdBy: string;
  configVersion: number | null;
  build: { name: string };
  config: { name: string; version: number } | null;
}

export interface StageRow {
  id: string;
  name: string;
  slug: string;
  type: StageType;
  state: StageState;
  health: Health;
  isOutpost: boolean;
  configDrift: boolean;
  updatedAt: string;
  currentRelease: ReleaseSummary | null;
  outpost: { status: LinkStatus; since: string; outpost: { slug: string; name: string } } | null;
}

const releaseFields = `id number state message createdAt createdBy configVersion build { name } config { name version }`;
const stageFields = `id name slug type state health isOutpost configDrift updatedAt
  currentRelease { ${releaseFields} }
  outpost { status since outpost { slug name } }`;

export const meQuery = typed<{ me: { name: string; role: Role } }>("dashboard.me", `query DashboardMe { me { name role } }`);

export const createSocketTicketMutation = typed<{ createSocketTicket: { ticket: string; expiresAt: string } }>(
  "dashboard.createSocketTicket",
  `mutation DashboardSocketTicket { createSocketTicket { ticket expiresAt } }`,
);

export interface ProjectRow {
  id: string;
  name: string;
  slug: string;
  createdAt: string;
  stages: { id: string }[];
}

export const projectsQuery = typed<{ projects: ProjectRow[] }>(
  "dashboard.projects",
  `query DashboardProjects { projects { id name slug createdAt stages { id } } }`,
);

/** The Projects the caller may see, then the whole list again whenever one is created. */
export const projectsChangedSubscription = typed<{ projectsChanged: ProjectRow[] }>(
  "dashboard.projectsChanged",
  `subscription DashboardProjectsChanged { projectsChanged { id name slug createdAt stages { id } } }`,
);

export const createProjectMutation = typed<{ createProject: ProjectRow }, { name: string; slug?: string | null }>(
  "dashboard.createProject",
  `mutation DashboardCreateProject($name: String!, $slug: String) {
    createProject(input: { name: $name, slug: $slug }) { id name slug createdAt stages { id } }
  }`,
);

export const projectStagesQuery = typed<
  { project: { id: string; name: string; slug: string; cursor: string; stages: StageRow[] } | null },
  { project: string }
>(
  "dashboard.projectStages",
  `query DashboardProjectStages($project: String!) {
    project(slug: $project) { id name slug cursor stages { ${stageFields} } }
  }`,
);

export const stageChangedSubscription = typed<
  { stageChanged: { cursor: string; kind: string; stage: StageRow } },
  { project: string; after?: string | null }
>(
  "dashboard.stageChanged",
  `subscription DashboardStageChanged($project: String!, $after: String) {
    stageChanged(project: $project, after: $after) { cursor kind stage { ${stageFields} } }
  }`,
);

/**
 * Every event of the Project that names a Stage, with the Stage as it is when the event is
 * sent (health and current Release included): what keeps a Stage list's Health and Release
 * columns live, which `stageChanged` alone (created, updated, deleted, state) does not.
 */
export const stageEventsSubscription = typed<
  { events: { cursor: string; kind: string; stage: StageRow | null } },
  { project: string; after?: string | null }
>(
  "dashboard.stageEvents",
  `subscription DashboardStageEvents($project: String!, $after: String) {
    events(project: $project, after: $after) { cursor kind stage { ${stageFields} } }
  }`,
);

/** A Component's output, live: the last lines, then each new batch (resumable by cursor). */
export const componentLogsSubscription = typed<
  { componentLogs: { cursor: string; releaseId: string; lines: string[] } },
  { project: string; stage: string; component: string; tail: number; after?: string | null }
>(
  "dashboard.componentLogs",
  `subscription DashboardComponentLogs($project: String!, $stage: String!, $component: String!, $tail: Int!, $after: String) {
    componentLogs(project: $project, stage: $stage, component: $component, tail: $tail, after: $after) { cursor releaseId lines }
  }`,
);

export interface OutpostFacts {
  slug: string;
  name: string;
  uri: string;
  description: string | null;
  region: string | null;
  /** Admins' facts (with agentVersion): null for others. */
  labels: string[] | null;
  agentVersion: string | null;
  status: LinkStatus;
}

export interface OutpostValidationResult {
  uri: string;
  valid: boolean;
  problems: { code: string; message: string; warning: boolean }[];
  outpost: OutpostFacts | null;
}

export const validateOutpostUriQuery = typed<{ validateOutpostUri: OutpostValidationResult }, { uri: string }>(
  "dashboard.validateOutpostUri",
  `query DashboardValidateOutpostUri($uri: String!) {
    validateOutpostUri(uri: $uri) {
      uri valid problems { code message warning }
      outpost { slug name uri description region labels agentVersion status }
    }
  }`,
);

export const createStageMutation = typed<
  { createStage: StageRow },
  { project: string; name: string; type: StageType; slug?: string | null; outpostUri?: string | null }
>(
  "dashboard.createStage",
  `mutation DashboardCreateStage($project: String!, $name: String!, $type: StageType!, $slug: String, $outpostUri: String) {
    createStage(input: { project: $project, name: $name, type: $type, slug: $slug, outpostUri: $outpostUri }) { ${stageFields} }
  }`,
);

export interface ComponentRow {
  name: string;
  kind: "SERVICE" | "JOB" | "CRON";
  state: string;
  health: Health;
  lastKnownHealth: Health | null;
  restarts: number;
  message: string | null;
  links: string[];
  observedAt: string | null;
}

export interface ConfigEntry {
  kind: "ENV" | "FILE";
  name: string;
  value: string | null;
  secret: boolean;
}

export interface ConfigurationView {
  name: string;
  version: number;
  updatedAt: string;
  data: ConfigEntry[];
}

const componentFields = `name kind state health lastKnownHealth restarts message links observedAt`;
const configFields = `name version updatedAt data { kind name value secret }`;

export interface StageDetail extends StageRow {
  suspendGraceSeconds: number;
  components: ComponentRow[];
  configs: ConfigurationView[];
}

export const stagePageQuery = typed<
  {
    project: { id: string; name: string; slug: string; cursor: string; stages: { slug: string; name: string; type: StageType }[] } | null;
    stage: StageDetail | null;
    releases: ReleaseSummary[];
    builds: { name: string; createdAt: string; createdBy: string; branch: string | null }[];
  },
  { project: string; stage: string }
>(
  "dashboard.stagePage",
  `query DashboardStagePage($project: String!, $stage: String!) {
    project(slug: $project) { id name slug cursor stages { slug name type } }
    stage(project: $project, slug: $stage) {
      ${stageFields} suspendGraceSeconds
      components { ${componentFields} }
      configs { ${configFields} }
    }
    releases(project: $project, stage: $stage, first: 20) { ${releaseFields} }
    builds(project: $project, first: 50) { name createdAt createdBy branch }
  }`,
);

export const componentChangedSubscription = typed<
  { componentChanged: { cursor: string; kind: string; component: ComponentRow } },
  { project: string; stage: string; after?: string | null }
>(
  "dashboard.componentChanged",
  `subscription DashboardComponentChanged($project: String!, $stage: String!, $after: String) {
    componentChanged(project: $project, stage: $stage, after: $after) { cursor kind component { ${componentFields} } }
  }`,
);

export const releaseChangedSubscription = typed<
  { releaseChanged: { cursor: string; kind: string; release: ReleaseSummary; stage: StageRow } },
  { project: string; stage: string; after?: string | null }
>(
  "dashboard.releaseChanged",
  `subscription DashboardReleaseChanged($project: String!, $stage: String!, $after: String) {
    releaseChanged(project: $project, stage: $stage, after: $after) { cursor kind release { ${releaseFields} } stage { ${stageFields} } }
  }`,
);

export interface ProjectEventRow {
  cursor: string;
  kind: string;
  at: string;
  payload: unknown;
  stage: { slug: string } | null;
}

export const eventsSubscription = typed<{ events: ProjectEventRow }, { project: string; after?: string | null }>(
  "dashboard.events",
  `subscription DashboardEvents($project: String!, $after: String) {
    events(project: $project, after: $after) { cursor kind at payload stage { slug } }
  }`,
);

export interface OutpostLinkView {
  status: LinkStatus;
  since: string;
  lastHeartbeatAt: string | null;
  latencyMs: number | null;
  agentVersion: string | null;
  generation: number;
  observedGeneration: number | null;
  inSync: boolean;
  errors: { component: string; message: string; at: string }[];
  outpost: { slug: string; name: string; uri: string; region: string | null };
}

const linkFields = `status since lastHeartbeatAt latencyMs agentVersion generation observedGeneration inSync
  errors { component message at } outpost { slug name uri region }`;

export const stageLinkQuery = typed<
  { project: { cursor: string } | null; stage: { slug: string; isOutpost: boolean; outpost: OutpostLinkView | null } | null },
  { project: string; stage: string }
>(
  "dashboard.stageLink",
  `query DashboardStageLink($project: String!, $stage: String!) {
    project(slug: $project) { cursor }
    stage(project: $project, slug: $stage) { slug isOutpost outpost { ${linkFields} } }
  }`,
);

export const outpostLinkChangedSubscription = typed<
  { outpostLinkChanged: { cursor: string; kind: string; link: OutpostLinkView } },
  { project: string; stage: string; after?: string | null }
>(
  "dashboard.outpostLinkChanged",
  `subscription DashboardOutpostLinkChanged($project: String!, $stage: String!, $after: String) {
    outpostLinkChanged(project: $project, stage: $stage, after: $after) { cursor kind link { ${linkFields} } }
  }`,
);

export interface HistoryEntry {
  kind: string;
  message: string;
  at: string;
}

export interface OutpostRow extends OutpostFacts {
  id: string;
  statusSince: string;
  lastSeenAt: string | null;
  latencyMs: number | null;
  publicUrl: string | null;
  stageCount: number;
  heartbeatIntervalSeconds: number;
  offlineAfterSeconds: number;
  history: HistoryEntry[];
}

const outpostFields = `id slug name uri description region labels agentVersion status statusSince lastSeenAt latencyMs
  publicUrl stageCount heartbeatIntervalSeconds offlineAfterSeconds history(last: 20) { kind message at }`;

export const outpostsQuery = typed<{ outposts: OutpostRow[] }>(
  "dashboard.outposts",
  `query DashboardOutposts { outposts { ${outpostFields} } }`,
);

export const outpostChangedSubscription = typed<{ outpostChanged: OutpostRow }, { outpost: string }>(
  "dashboard.outpostChanged",
  `subscription DashboardOutpostChanged($outpost: String!) { outpostChanged(outpost: $outpost) { ${outpostFields} } }`,
);

export interface OutpostCredentialsView {
  agentToken: string;
  agentCommand: string;
  outpost: OutpostRow;
}

export const createOutpostMutation = typed<
  { createOutpost: OutpostCredentialsView },
  { name: string; description?: string | null; region?: string | null; labels?: string[] | null }
>(
  "dashboard.createOutpost",
  `mutation DashboardCreateOutpost($name: String!, $description: String, $region: String, $labels: [String!]) {
    createOutpost(input: { name: $name, description: $description, region: $region, labels: $labels }) {
      agentToken agentCommand outpost { ${outpostFields} }
    }
  }`,
);

export const rotateOutpostTokenMutation = typed<{ rotateOutpostToken: OutpostCredentialsView }, { slug: string }>(
  "dashboard.rotateOutpostToken",
  `mutation DashboardRotateOutpostToken($slug: String!) {
    rotateOutpostToken(slug: $slug) { agentToken agentCommand outpost { ${outpostFields} } }
  }`,
);

export const deleteOutpostMutation = typed<{ deleteOutpost: boolean }, { slug: string }>(
  "dashboard.deleteOutpost",
  `mutation DashboardDeleteOutpost($slug: String!) { deleteOutpost(slug: $slug) }`,
);

export const deployReleaseMutation = typed<
  { deployRelease: ReleaseSummary },
  { project: string; stage: string; build?: string | null; config?: string | null }
>(
  "dashboard.deployRelease",
  `mutation DashboardDeployRelease($project: String!, $stage: String!, $build: String, $config: String) {
    deployRelease(input: { project: $project, stage: $stage, build: $build, config: $config }) { ${releaseFields} }
  }`,
);

export const promoteReleaseMutation = typed<{ promoteRelease: ReleaseSummary }, { project: string; from: string; to: string }>(
  "dashboard.promoteRelease",
  `mutation DashboardPromoteRelease($project: String!, $from: String!, $to: String!) {
    promoteRelease(project: $project, from: $from, to: $to) { ${releaseFields} }
  }`,
);

export const rollbackStageMutation = typed<{ rollbackStage: ReleaseSummary }, { project: string; slug: string }>(
  "dashboard.rollbackStage",
  `mutation DashboardRollbackStage($project: String!, $slug: String!) { rollbackStage(project: $project, slug: $slug) { ${releaseFields} } }`,
);

export const suspendStageMutation = typed<{ suspendStage: StageRow }, { project: string; slug: string }>(
  "dashboard.suspendStage",
  `mutation DashboardSuspendStage($project: String!, $slug: String!) { suspendStage(project: $project, slug: $slug) { ${stageFields} } }`,
);

export const resumeStageMutation = typed<{ resumeStage: StageRow }, { project: string; slug: string }>(
  "dashboard.resumeStage",
  `mutation DashboardResumeStage($project: String!, $slug: String!) { resumeStage(project: $project, slug: $slug) { ${stageFields} } }`,
);

export const addConfigDataMutation = typed<
  { addConfigData: ConfigurationView },
  {
    project: string;
    stage: string;
    config: string;
    expectedVersion?: number | null;
    env: { name: string; value: string; secret?: boolean | null }[];
    files: { name: string; content: string; secret?: boolean | null }[];
  }
>(
  "dashboard.addConfigData",
  `mutation DashboardAddConfigData($project: String!, $stage: String!, $config: String!, $expectedVersion: Int,
      $env: [ConfigEnvInput!]!, $files: [ConfigFileInput!]!) {
    addConfigData(input: { project: $project, stage: $stage, config: $config, expectedVersion: $expectedVersion, env: $env, files: $files }) { ${configFields} }
  }`,
);

export const removeConfigDataMutation = typed<
  { removeConfigData: ConfigurationView },
  { project: string; stage: string; config: string; names: string[]; expectedVersion?: number | null }
>(
  "dashboard.removeConfigData",
  `mutation DashboardRemoveConfigData($project: String!, $stage: String!, $config: String!, $names: [String!]!, $expectedVersion: Int) {
    removeConfigData(input: { project: $project, stage: $stage, config: $config, names: $names, expectedVersion: $expectedVersion }) { ${configFields} }
  }`,
);

// ── People: the signed-in user, their access keys, Project members, users (admins) ──

export interface MemberRow {
  role: MemberRole;
  addedAt: string;
  user: { id: string; name: string; email: string };
}

const memberFields = `role addedAt user { id name email }`;

/** The Profile page: who you are (and whether this credential is read-only), and your keys. */
export const profileQuery = typed<{ me: UserRow & { role: Role; readOnly: boolean }; accessKeys: AccessKeyRow[] }>(
  "dashboard.profile",
  `query DashboardProfile { me { ${userFields} role readOnly } accessKeys { ${accessKeyFields} } }`,
);

/** The token is in this answer only: the page shows it once. */
export const createAccessKeyMutation = typed<{ createAccessKey: { token: string; accessKey: AccessKeyRow } }, { name: string; readOnly: boolean }>(
  "dashboard.createAccessKey",
  `mutation DashboardCreateAccessKey($name: String!, $readOnly: Boolean!) {
    createAccessKey(input: { name: $name, readOnly: $readOnly }) { token accessKey { ${accessKeyFields} } }
  }`,
);

export const disableAccessKeyMutation = idMutation<"disableAccessKey", AccessKeyRow>("dashboard.disableAccessKey", "DashboardDisableAccessKey", "disableAccessKey", accessKeyFields);
export const enableAccessKeyMutation = idMutation<"enableAccessKey", AccessKeyRow>("dashboard.enableAccessKey", "DashboardEnableAccessKey", "enableAccessKey", accessKeyFields);
export const deleteAccessKeyMutation = idMutation<"deleteAccessKey", boolean>("dashboard.deleteAccessKey", "DashboardDeleteAccessKey", "deleteAccessKey");

/** A Project's members, and who is asking (to know whether they may manage them). */
export const projectMembersQuery = typed<
  { me: { id: string; isAdmin: boolean }; project: { id: string; name: string; slug: string; members: MemberRow[] } | null },
  { project: string }
>(
  "dashboard.projectMembers",
  `query DashboardProjectMembers($project: String!) {
    me { id isAdmin }
    project(slug: $project) { id name slug members { ${memberFields} } }
  }`,
);

export const addMemberMutation = typed<{ addMember: MemberRow }, { project: string; email: string; role: MemberRole }>(
  "dashboard.addMember",
  `mutation DashboardAddMember($project: String!, $email: String!, $role: MemberRole!) {
    addMember(project: $project, email: $email, role: $role) { ${memberFields} }
  }`,
);

export const updateMemberMutation = typed<{ updateMember: MemberRow }, { project: string; email: string; role: MemberRole }>(
  "dashboard.updateMember",
  `mutation DashboardUpdateMember($project: String!, $email: String!, $role: MemberRole!) {
    updateMember(project: $project, email: $email, role: $role) { ${memberFields} }
  }`,
);

export const removeMemberMutation = typed<{ removeMember: boolean }, { project: string; email: string }>(
  "dashboard.removeMember",
  `mutation DashboardRemoveMember($project: String!, $email: String!) { removeMember(project: $project, email: $email) }`,
);

/** Admins only. */
export const usersQuery = typed<{ me: { id: string }; users: UserRow[] }>(
  "dashboard.users",
  `query DashboardUsers { me { id } users { ${userFields} } }`,
);

export const createUserMutation = typed<{ createUser: UserRow }, { email: string; name: string; password: string | null; isAdmin: boolean }>(
  "dashboard.createUser",
  `mutation DashboardCreateUser($email: String!, $name: String!, $password: String, $isAdmin: Boolean!) {
    createUser(input: { email: $email, name: $name, password: $password, isAdmin: $isAdmin }) { ${userFields} }
  }`,
);

export const disableUserMutation = idMutation<"disableUser", UserRow>("dashboard.disableUser", "DashboardDisableUser", "disableUser", userFields);
export const enableUserMutation = idMutation<"enableUser", UserRow>("dashboard.enableUser", "DashboardEnableUser", "enableUser", userFields);

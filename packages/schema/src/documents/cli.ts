/**
 * The `pergola` CLI's documents. Each asks for what one command prints (its table columns and
 * its `-o json` output), nothing more.
 */
import { ACCESS_KEY_FIELDS, USER_FIELDS, idMutation, type AccessKeyRow, type MemberRole, type UserRow } from "./people.js";
import { typed } from "./typed.js";

export type { AccessKeyRow, MemberRole, UserRow };

type StageType = "DEV" | "QA" | "PROD";

export interface ReleaseRow {
  id: string;
  number: number;
  state: string;
  message: string | null;
  configVersion: number | null;
  createdAt: string;
  createdBy: string;
  build: { name: string };
  config: { name: string; version: number } | null;
}

export interface StageRow {
  slug: string;
  name: string;
  type: StageType;
  state: string;
  health: string;
  suspendGraceSeconds: number;
  configDrift: boolean;
  isOutpost: boolean;
  outpost: { status: string; outpost: { slug: string; uri: string } } | null;
  currentRelease: { number: number; state: string; build: { name: string } } | null;
}

export interface OutpostRow {
  slug: string;
  uri: string;
  name: string;
  description: string | null;
  region: string | null;
  labels: string[];
  status: string;
  statusSince: string;
  agentVersion: string | null;
  publicUrl: string | null;
  lastSeenAt: string | null;
  latencyMs: number | null;
  heartbeatIntervalSeconds: number;
  offlineAfterSeconds: number;
  stageCount: number;
}

export interface ComponentRow {
  name: string;
  kind: string;
  state: string;
  health: string;
  lastKnownHealth: string | null;
  observedAt: string | null;
  restarts: number;
  message: string | null;
  links: string[];
}

export interface ConfigDataRow {
  name: string;
  kind: "ENV" | "FILE";
  secret: boolean;
  value: string | null;
}

export interface ConfigurationRow {
  name: string;
  version: number;
  updatedAt: string;
  data: ConfigDataRow[];
}

export interface OutpostCredentialsRow {
  agentToken: string;
  agentCommand: string;
  outpost: OutpostRow;
}

const STAGE_FIELDS = `slug name type state health suspendGraceSeconds configDrift isOutpost
  outpost { status outpost { slug uri } }
  currentRelease { number state build { name } }`;
const RELEASE_FIELDS = `id number state message configVersion createdAt createdBy build { name } config { name version }`;
const OUTPOST_FIELDS = `slug uri name description region labels status statusSince agentVersion publicUrl lastSeenAt latencyMs
  heartbeatIntervalSeconds offlineAfterSeconds stageCount`;
const COMPONENT_FIELDS = `name kind state health lastKnownHealth observedAt restarts message links`;
const CONFIG_FIELDS = `name version updatedAt data { name kind secret value }`;

export interface MeRow {
  id: string;
  email: string;
  name: string;
  role: string;
  isAdmin: boolean;
  readOnly: boolean;
}

export interface MemberRow {
  role: MemberRole;
  addedAt: string;
  user: { email: string; name: string };
}

const MEMBER_FIELDS = `role addedAt user { email name }`;

export const cliMe = typed<{ me: MeRow }>("cliMe", `query cliMe { me { id email name role isAdmin readOnly } }`);

export const cliSignIn = typed<{ signIn: { token: string; expiresAt: string; user: { email: string; name: string; role: string } } }, { email: string; password: string }>(
  "cliSignIn",
  `mutation cliSignIn($email: String!, $password: String!) { signIn(email: $email, password: $password) { token expiresAt user { email name role } } }`,
);

export const cliSignOut = typed<{ signOut: boolean }>("cliSignOut", `mutation cliSignOut { signOut }`);

export const cliCreateAccessKey = typed<{ createAccessKey: { token: string; accessKey: AccessKeyRow } }, { input: { name: string; readOnly: boolean } }>(
  "cliCreateAccessKey",
  `mutation cliCreateAccessKey($input: CreateAccessKeyInput!) { createAccessKey(input: $input) { token accessKey { ${ACCESS_KEY_FIELDS} } } }`,
);

export const cliListAccessKeys = typed<{ accessKeys: AccessKeyRow[] }, { user?: string | null }>(
  "cliListAccessKeys",
  `query cliListAccessKeys($user: String) { accessKeys(user: $user) { ${ACCESS_KEY_FIELDS} } }`,
);

export const cliDeleteAccessKey = idMutation<"deleteAccessKey", boolean>("cliDeleteAccessKey", "cliDeleteAccessKey", "deleteAccessKey");
export const cliDisableAccessKey = idMutation<"disableAccessKey", AccessKeyRow>("cliDisableAccessKey", "cliDisableAccessKey", "disableAccessKey", ACCESS_KEY_FIELDS);
export const cliEnableAccessKey = idMutation<"enableAccessKey", AccessKeyRow>("cliEnableAccessKey", "cliEnableAccessKey", "enableAccessKey", ACCESS_KEY_FIELDS);

export const cliListMembers = typed<{ project: { slug: string; members: MemberRow[] } | null }, { project: string }>(
  "cliListMembers",
  `query cliListMembers($project: String!) { project(slug: $project) { slug members { ${MEMBER_FIELDS} } } }`,
);

export const cliAddMember = typed<{ addMember: MemberRow }, { project: string; email: string; role: MemberRole }>(
  "cliAddMember",
  `mutation cliAddMember($project: String!, $email: String!, $role: MemberRole!) { addMember(project: $project, email: $email, role: $role) { ${MEMBER_FIELDS} } }`,
);

export const cliUpdateMember = typed<{ updateMember: MemberRow }, { project: string; email: string; role: MemberRole }>(
  "cliUpdateMember",
  `mutation cliUpdateMember($project: String!, $email: String!, $role: MemberRole!) { updateMember(project: $project, email: $email, role: $role) { ${MEMBER_FIELDS} } }`,
);

export const cliRemoveMember = typed<{ removeMember: boolean }, { project: string; email: string }>(
  "cliRemoveMember",
  `mutation cliRemoveMember($project: String!, $email: String!) { removeMember(project: $project, email: $email) }`,
);

export const cliCreateUser = typed<{ createUser: UserRow }, { input: { email: string; name: string; isAdmin: boolean; password?: string } }>(
  "cliCreateUser",
  `mutation cliCreateUser($input: CreateUserInput!) { createUser(input: $input) { ${USER_FIELDS} } }`,
);

export const cliListUsers = typed<{ users: UserRow[] }>("cliListUsers", `query cliListUsers { users { ${USER_FIELDS} } }`);

export const cliDisableUser = idMutation<"disableUser", UserRow>("cliDisableUser", "cliDisableUser", "disableUser", USER_FIELDS);
export const cliEnableUser = idMutation<"enableUser", UserRow>("cliEnableUser", "cliEnableUser", "enableUser", USER_FIELDS);

export const cliListProjects = typed<{ projects: { slug: string; name: string; cursor: string; createdAt: string; stages: { slug: string }[] }[] }>(
  "cliListProjects",
  `query cliListProjects { projects { slug name cursor createdAt stages { slug } } }`,
);

export const cliCreateProject = typed<{ createProject: { slug: string; name: string; cursor: string } }, { input: { name: string; slug?: string } }>(
  "cliCreateProject",
  `mutation cliCreateProject($input: CreateProjectInput!) { createProject(input: $input) { slug name cursor } }`,
);

export const cliProjectCursor = typed<{ project: { cursor: string } | null }, { project: string }>(
  "cliProjectCursor",
  `query cliProjectCursor($project: String!) { project(slug: $project) { cursor } }`,
);

export const cliListStages = typed<{ project: { slug: string; cursor: string } | null; stages: StageRow[] }, { project: string }>(
  "cliListStages",
  `query cliListStages($project: String!) { project(slug: $project) { slug cursor } stages(project: $project) { ${STAGE_FIELDS} } }`,
);

export const cliCreateStage = typed<
  { createStage: StageRow },
  { input: { project: string; name: string; type: StageType; slug?: string; outpostUri?: string; suspendGraceSeconds?: number } }
>("cliCreateStage", `mutation cliCreateStage($input: CreateStageInput!) { createStage(input: $input) { ${STAGE_FIELDS} } }`);

export const cliUpdateStage = typed<
  { updateStage: StageRow },
  { input: { project: string; slug: string; name?: string; type?: StageType; suspendGraceSeconds?: number } }
>("cliUpdateStage", `mutation cliUpdateStage($input: UpdateStageInput!) { updateStage(input: $input) { ${STAGE_FIELDS} } }`);

export const cliDeleteStage = typed<{ deleteStage: boolean }, { project: string; slug: string }>(
  "cliDeleteStage",
  `mutation cliDeleteStage($project: String!, $slug: String!) { deleteStage(project: $project, slug: $slug) }`,
);

export const cliSuspendStage = typed<{ suspendStage: StageRow }, { project: string; slug: string }>(
  "cliSuspendStage",
  `mutation cliSuspendStage($project: String!, $slug: String!) { suspendStage(project: $project, slug: $slug) { ${STAGE_FIELDS} } }`,
);

export const cliResumeStage = typed<{ resumeStage: StageRow }, { project: string; slug: string }>(
  "cliResumeStage",
  `mutation cliResumeStage($project: String!, $slug: String!) { resumeStage(project: $project, slug: $slug) { ${STAGE_FIELDS} } }`,
);

export const cliValidateManifest = typed<{ validateManifest: { valid: boolean; problems: { path: string; message: string }[] } }, { manifest: unknown }>(
  "cliValidateManifest",
  `query cliValidateManifest($manifest: JSON!) { validateManifest(manifest: $manifest) { valid problems { path message } } }`,
);

export const cliCreateBuild = typed<
  { createBuild: { name: string; number: number; branch: string | null; status: string; artifact: { sha256: string; size: number } } },
  { input: { project: string; manifest: unknown; artifact: string; branch?: string; name?: string } }
>(
  "cliCreateBuild",
  `mutation cliCreateBuild($input: CreateBuildInput!) { createBuild(input: $input) { name number branch status artifact { sha256 size } } }`,
);

export const cliListBuilds = typed<
  { builds: { name: string; branch: string | null; status: string; createdAt: string; createdBy: string; artifact: { sha256: string; size: number } }[] },
  { project: string; first: number }
>(
  "cliListBuilds",
  `query cliListBuilds($project: String!, $first: Int!) { builds(project: $project, first: $first) { name branch status createdAt createdBy artifact { sha256 size } } }`,
);

export const cliDeployRelease = typed<{ deployRelease: ReleaseRow }, { input: { project: string; stage: string; build?: string; config?: string } }>(
  "cliDeployRelease",
  `mutation cliDeployRelease($input: DeployReleaseInput!) { deployRelease(input: $input) { ${RELEASE_FIELDS} } }`,
);

export const cliPromoteRelease = typed<{ promoteRelease: ReleaseRow }, { project: string; from: string; to: string }>(
  "cliPromoteRelease",
  `mutation cliPromoteRelease($project: String!, $from: String!, $to: String!) { promoteRelease(project: $project, from: $from, to: $to) { ${RELEASE_FIELDS} } }`,
);

export const cliRollbackStage = typed<{ rollbackStage: ReleaseRow }, { project: string; slug: string }>(
  "cliRollbackStage",
  `mutation cliRollbackStage($project: String!, $slug: String!) { rollbackStage(project: $project, slug: $slug) { ${RELEASE_FIELDS} } }`,
);

export const cliListReleases = typed<{ releases: ReleaseRow[] }, { project: string; stage: string; first: number }>(
  "cliListReleases",
  `query cliListReleases($project: String!, $stage: String!, $first: Int!) { releases(project: $project, stage: $stage, first: $first) { ${RELEASE_FIELDS} } }`,
);

export const cliReleaseChanged = typed<
  { releaseChanged: { cursor: string; kind: string; release: { id: string; number: number; state: string; message: string | null } } },
  { project: string; stage: string; after?: string | null }
>(
  "cliReleaseChanged",
  `subscription cliReleaseChanged($project: String!, $stage: String!, $after: String) {
    releaseChanged(project: $project, stage: $stage, after: $after) { cursor kind release { id number state message } } }`,
);

export const cliAddConfigData = typed<
  { addConfigData: ConfigurationRow },
  {
    input: {
      project: string;
      stage: string;
      config: string;
      env: { name: string; value: string; secret?: boolean }[];
      files: { name: string; content: string; secret?: boolean }[];
      expectedVersion?: number;
    };
  }
>("cliAddConfigData", `mutation cliAddConfigData($input: AddConfigDataInput!) { addConfigData(input: $input) { ${CONFIG_FIELDS} } }`);

export const cliRemoveConfigData = typed<
  { removeConfigData: ConfigurationRow },
  { input: { project: string; stage: string; config: string; names: string[]; expectedVersion?: number } }
>("cliRemoveConfigData", `mutation cliRemoveConfigData($input: RemoveConfigDataInput!) { removeConfigData(input: $input) { ${CONFIG_FIELDS} } }`);

export const cliListConfigs = typed<{ stage: { configDrift: boolean; configs: ConfigurationRow[] } | null }, { project: string; stage: string }>(
  "cliListConfigs",
  `query cliListConfigs($project: String!, $stage: String!) { stage(project: $project, slug: $stage) { configDrift configs { ${CONFIG_FIELDS} } } }`,
);

export const cliGetConfiguration = typed<{ configuration: ConfigurationRow | null }, { project: string; stage: string; name: string }>(
  "cliGetConfiguration",
  `query cliGetConfiguration($project: String!, $stage: String!, $name: String!) { configuration(project: $project, stage: $stage, name: $name) { ${CONFIG_FIELDS} } }`,
);

export const cliListComponents = typed<{ stage: { slug: string; components: ComponentRow[] } | null }, { project: string; stage: string }>(
  "cliListComponents",
  `query cliListComponents($project: String!, $stage: String!) { stage(project: $project, slug: $stage) { slug components { ${COMPONENT_FIELDS} } } }`,
);

export const cliComponentLogs = typed<
  { project: { cursor: string } | null; stage: { components: { name: string; logs: string[] }[] } | null },
  { project: string; stage: string; tail: number }
>(
  "cliComponentLogs",
  `query cliComponentLogs($project: String!, $stage: String!, $tail: Int!) {
    project(slug: $project) { cursor } stage(project: $project, slug: $stage) { components { name logs(tail: $tail) } } }`,
);

export const cliFollowComponentLogs = typed<
  { componentLogs: { cursor: string; lines: string[] } },
  { project: string; stage: string; component: string; tail: number; after?: string | null }
>(
  "cliFollowComponentLogs",
  `subscription cliFollowComponentLogs($project: String!, $stage: String!, $component: String!, $tail: Int!, $after: String) {
    componentLogs(project: $project, stage: $stage, component: $component, tail: $tail, after: $after) { cursor lines } }`,
);

export const cliEvents = typed<
  { events: { cursor: string; at: string; kind: string; payload: unknown; stage: StageRow | null } },
  { project: string; after?: string | null }
>(
  "cliEvents",
  `subscription cliEvents($project: String!, $after: String) { events(project: $project, after: $after) { cursor at kind payload stage { ${STAGE_FIELDS} } } }`,
);

export const cliCreateOutpost = typed<
  { createOutpost: OutpostCredentialsRow },
  {
    input: {
      name: string;
      slug?: string;
      description?: string;
      region?: string;
      labels?: string[];
      heartbeatIntervalSeconds?: number;
      offlineAfterSeconds?: number;
    };
  }
>(
  "cliCreateOutpost",
  `mutation cliCreateOutpost($input: CreateOutpostInput!) { createOutpost(input: $input) { agentToken agentCommand outpost { ${OUTPOST_FIELDS} } } }`,
);

export const cliListOutposts = typed<{ outposts: OutpostRow[] }>("cliListOutposts", `query cliListOutposts { outposts { ${OUTPOST_FIELDS} } }`);

export const cliGetOutpost = typed<
  { outpost: (OutpostRow & { history: { at: string; kind: string; message: string }[] }) | null },
  { slug: string; last: number }
>("cliGetOutpost", `query cliGetOutpost($slug: String!, $last: Int!) { outpost(slug: $slug) { ${OUTPOST_FIELDS} history(last: $last) { at kind message } } }`);

export const cliValidateOutpostUri = typed<
  {
    validateOutpostUri: {
      uri: string;
      valid: boolean;
      problems: { code: string; message: string; warning: boolean }[];
      /** `labels` and `agentVersion` are admins' facts: null for others. */
      outpost: { slug: string; name: string; description: string | null; region: string | null; labels: string[] | null; agentVersion: string | null; status: string } | null;
    };
  },
  { uri: string }
>(
  "cliValidateOutpostUri",
  `query cliValidateOutpostUri($uri: String!) { validateOutpostUri(uri: $uri) { uri valid problems { code message warning }
    outpost { slug name description region labels agentVersion status } } }`,
);

export const cliRotateOutpostToken = typed<{ rotateOutpostToken: OutpostCredentialsRow }, { slug: string }>(
  "cliRotateOutpostToken",
  `mutation cliRotateOutpostToken($slug: String!) { rotateOutpostToken(slug: $slug) { agentToken agentCommand outpost { ${OUTPOST_FIELDS} } } }`,
);

export const cliDeleteOutpost = typed<{ deleteOutpost: boolean }, { slug: string }>(
  "cliDeleteOutpost",
  `mutation cliDeleteOutpost($slug: String!) { deleteOutpost(slug: $slug) }`,
);

/**
 * Who may use each root field of the schema: the table authorization-matrix.test.ts checks the
 * API against, cell by cell. Every Query, Mutation and Subscription field has a row; a field
 * added without one fails the test. The rules behind it live in policy.ts.
 *
 * The actors, all against one Project P (its Stage, Build, Release, Configuration) and one
 * Outpost O:
 *   admin      the admin user's key
 *   owner      a user, OWNER of P (session)
 *   member     a user, MEMBER of P (session)
 *   readOnly   a user, MEMBER of P, with a read-only access key
 *   nonMember  a user of another Project only, holding P's artifact there (session)
 *   agent      O's agent token
 *   anonymous  no credential (over WebSocket: no authToken)
 *
 * What a cell says:
 *   ok   authorization let it through: data, or a business error (CONFLICT, STATE_CONFLICT,
 *        BAD_USER_INPUT) about the input itself
 *   401  UNAUTHENTICATED
 *   403  FORBIDDEN
 *   404  NOT_FOUND — the answer for something that does not exist, so Projects cannot be probed
 *   nil  answered, without P: null, or a list that leaves P out (or, for validateOutpostUri, O)
 * Over the socket, anonymous callers get no further than connection_init (closed 4401: 401).
 *
 * Targets, where a field acts on something (the test builds them, see its OVERRIDES): Project
 * fields act on P and its Stage (or a throwaway Stage of P; deleteProject: a throwaway Project
 * with P's members); member fields on another member of P; access-key fields on another user's
 * key; user fields on another user; Outpost fields on a throwaway Outpost (queries: O); signOut
 * on a session of its own.
 */

export const ACTORS = ["admin", "owner", "member", "readOnly", "nonMember", "agent", "anonymous"] as const;
export type ActorName = (typeof ACTORS)[number];
export type Expected = "ok" | "401" | "403" | "404" | "nil";

/* prettier-ignore */
export const MATRIX: Record<string, string> = {
  //                                  admin owner member readOnly nonMember agent anonymous
  // Queries: members read their Projects; admins read everything; agents only `me`.
  "Query.accessKeys": "ok    404   404    404      404       403   401", // user: someone else
  "Query.auditLog": "ok    403   403    403      403       403   401",
  "Query.builds": "ok    ok    ok     ok       404       403   401",
  "Query.buildsConnection": "ok    ok    ok     ok       404       403   401",
  "Query.configuration": "ok    ok    ok     ok       404       403   401",
  "Query.me": "ok    ok    ok     ok       ok        ok    401",
  "Query.node": "ok    ok    ok     ok       nil       403   401", // id: P's Stage
  "Query.nodes": "ok    ok    ok     ok       nil       403   401", // ids: P's Stage
  "Query.outpost": "ok    403   403    403      403       403   401",
  "Query.outposts": "ok    403   403    403      403       403   401",
  "Query.outpostsConnection": "ok    403   403    403      403       403   401",
  "Query.project": "ok    ok    ok     ok       nil       403   401",
  "Query.projects": "ok    ok    ok     ok       nil       403   401",
  "Query.projectsConnection": "ok    ok    ok     ok       nil       403   401",
  "Query.signInOptions": "ok    ok    ok     ok       ok        403   ok",
  "Query.releases": "ok    ok    ok     ok       404       403   401",
  "Query.releasesConnection": "ok    ok    ok     ok       404       403   401",
  "Query.stage": "ok    ok    ok     ok       404       403   401",
  "Query.stages": "ok    ok    ok     ok       404       403   401",
  "Query.backups": "ok    ok    ok     ok       404       403   401",
  "Query.stagesConnection": "ok    ok    ok     ok       404       403   401",
  "Query.users": "ok    403   403    403      403       403   401",
  // Stage policies apply to every Project: everyone signed in reads them, admins change them.
  "Query.stagePolicies": "ok    ok    ok     ok       ok        403   401",
  "Query.validateManifest": "ok    ok    ok     ok       ok        403   401",
  "Query.validateOutpostUri": "ok    ok    ok     ok       nil       403   401", // outpost://O
  // A Project's webhooks are its owners' (and admins'): their URLs may hold credentials.
  "Query.webhooks": "ok    ok    403    403      404       403   401", // project: P

  // Mutations: read-only keys run none; members write in P, owners also manage it.
  "Mutation.addConfigData": "ok    ok    ok     403      404       403   401",
  "Mutation.addMember": "ok    ok    403    403      404       403   401",
  "Mutation.createAccessKey": "ok    ok    ok     403      ok        403   401",
  "Mutation.createBuild": "ok    ok    ok     403      404       403   401",
  "Mutation.createOutpost": "ok    403   403    403      403       403   401",
  "Mutation.createProject": "ok    ok    ok     403      ok        403   401",
  "Mutation.createSocketTicket": "ok    ok    ok     403      ok        403   401",
  "Mutation.createStage": "ok    ok    ok     403      404       403   401",
  "Mutation.createBackup": "ok    ok    ok     403      404       403   401", // its Stage has no storage: STATE_CONFLICT
  "Mutation.createUser": "ok    403   403    403      403       403   401",
  "Mutation.createWebhook": "ok    ok    403    403      404       403   401", // project: P
  "Mutation.deleteAccessKey": "ok    404   404    403      404       403   401", // someone else's key
  "Mutation.deleteOutpost": "ok    403   403    403      403       403   401",
  "Mutation.deleteProject": "ok    ok    403    403      404       403   401",
  "Mutation.deleteStage": "ok    ok    ok     403      404       403   401",
  "Mutation.restoreStage": "ok    ok    ok     403      404       403   401",
  "Mutation.purgeStage": "ok    ok    403    403      404       403   401",
  "Mutation.restoreProject": "ok    ok    403    403      404       403   401",
  "Mutation.deleteWebhook": "ok    ok    403    403      404       403   401", // a webhook of a Project like P
  "Mutation.deployRelease": "ok    ok    ok     403      404       403   401",
  "Mutation.disableAccessKey": "ok    404   404    403      404       403   401", // someone else's key
  "Mutation.disableUser": "ok    403   403    403      403       403   401",
  "Mutation.enableAccessKey": "ok    404   404    403      404       403   401", // someone else's key
  "Mutation.enableUser": "ok    403   403    403      403       403   401",
  "Mutation.grantOutpost": "ok    403   403    403      403       403   401",
  "Mutation.heartbeat": "403   403   403    403      403       ok    401",
  "Mutation.promoteRelease": "ok    ok    ok     403      404       403   401",
  "Mutation.removeConfigData": "ok    ok    ok     403      404       403   401",
  "Mutation.removeMember": "ok    ok    403    403      404       403   401", // another member
  "Mutation.reportStatus": "403   403   403    403      403       ok    401",
  "Mutation.reportBackup": "403   403   403    403      403       ok    401", // a malformed ID: BAD_USER_INPUT
  "Mutation.reportUsage": "403   403   403    403      403       ok    401",
  "Mutation.acknowledgePurge": "403   403   403    403      403       ok    401", // a malformed ID: BAD_USER_INPUT
  "Mutation.restartComponent": "ok    ok    ok     403      404       403   401",
  "Mutation.resumeStage": "ok    ok    ok     403      404       403   401",
  "Mutation.rollbackStage": "ok    ok    ok     403      404       403   401",
  "Mutation.revokeOutpost": "ok    403   403    403      403       403   401",
  "Mutation.rotateOutpostToken": "ok    403   403    403      403       403   401",
  "Mutation.sendTestWebhook": "ok    ok    403    403      404       403   401", // a webhook of a Project like P
  "Mutation.runJob": "ok    ok    ok     403      404       403   401",
  "Mutation.signIn": "ok    ok    ok     403      ok        403   ok",
  "Mutation.signOut": "ok    ok    ok     403      ok        403   401",
  "Mutation.startComponent": "ok    ok    ok     403      404       403   401",
  "Mutation.stopComponent": "ok    ok    ok     403      404       403   401",
  "Mutation.suspendStage": "ok    ok    ok     403      404       403   401",
  "Mutation.restoreBackup": "ok    ok    ok     403      404       403   401", // its Stage is running: STATE_CONFLICT
  "Mutation.updateMember": "ok    ok    403    403      404       403   401",
  "Mutation.updateStage": "ok    ok    ok     403      404       403   401",
  "Mutation.updateUser": "ok    403   403    403      403       403   401", // another user
  "Mutation.updateStagePolicy": "ok    403   403    403      403       403   401", // DEV, to what it is
  "Mutation.updateWebhook": "ok    ok    403    403      404       403   401", // a webhook of a Project like P

  // Subscriptions (graphql-ws): like the queries.
  "Subscription.componentChanged": "ok    ok    ok     ok       404       403   401",
  "Subscription.componentLogs": "ok    ok    ok     ok       404       403   401",
  "Subscription.componentMetrics": "ok    ok    ok     ok       404       403   401",
  "Subscription.desiredState": "403   403   403    403      403       ok    401",
  "Subscription.events": "ok    ok    ok     ok       404       403   401",
  "Subscription.healthChanged": "ok    ok    ok     ok       nil       403   401",
  "Subscription.outpostChanged": "ok    403   403    403      403       403   401",
  "Subscription.outpostLinkChanged": "ok    ok    ok     ok       404       403   401",
  "Subscription.projectsChanged": "ok    ok    ok     ok       nil       403   401",
  "Subscription.releaseChanged": "ok    ok    ok     ok       404       403   401",
  "Subscription.stageChanged": "ok    ok    ok     ok       404       403   401",
};

/** A row as actor → expected answer; throws on a malformed row. */
export function parseRow(key: string, row: string): Record<ActorName, Expected> {
  const cells = row.trim().split(/\s+/);
  if (cells.length !== ACTORS.length || cells.some((c) => !["ok", "401", "403", "404", "nil"].includes(c))) {
    throw new Error(`authorization-matrix.table.ts: the row of ${key} needs ${ACTORS.length} cells of ok/401/403/404/nil, has "${row}"`);
  }
  return Object.fromEntries(ACTORS.map((actor, i) => [actor, cells[i]])) as Record<ActorName, Expected>;
}

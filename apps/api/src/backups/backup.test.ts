/**
 * The API's side of backups, with the test acting as the Stage's agent (its token, its upload
 * route, `reportBackup`): a storage is ready only with the bytes the agent hashed, a backup is
 * READY only when every storage is in, a FAILED or READY one does not change its mind, and only
 * the newest `backupRetention` READY backups of a Stage are kept. Each move is a BACKUP_* event
 * in the Project's log, with the backup and its Stage as they were, named by who caused it.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../auth/token.service.js";
import { makeArchive } from "../testing/archive.js";
import { uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";
import { BACKUP_RETENTION } from "@pergola/schema";
import { backupEventKinds } from "../events/event-kind.js";
import type { Subscription } from "../testing/harness.js";

const agentToken = generateToken();
const MANIFEST = {
  version: "v1",
  components: [
    {
      name: "web",
      command: ["node", "server.js"],
      storage: [
        { name: "data", path: "/var/data", size: "1Mi" },
        { name: "scratch", path: "/tmp/scratch", size: "1Mi", type: "temporary" },
      ],
    },
    { name: "tick", command: ["node", "tick.js"], scheduled: "* * * * *", storage: [{ name: "log", path: "/var/log", size: "1Mi" }] },
  ],
};
const BACKUP = "{ id state message size storages { name ready } restoreState }";
const CREATE = `mutation($p: String!, $n: String!) { createBackup(project: $p, stage: "dev", displayName: $n) ${BACKUP} }`;
const LIST = `query($p: String!) { backups(project: $p, stage: "dev") { id displayName state } }`;
const DESIRED = `subscription { desiredState { stages { stageId key generation suspended release { id } restore { backup storages { name sha256 } } } } }`;
interface DesiredView {
  stageId: string;
  key: string;
  generation: number;
  suspended: boolean;
  release: { id: string } | null;
  restore: { backup: string; storages: { name: string; sha256: string }[] } | null;
}
const REPORT = `mutation($i: BackupReportInput!) { reportBackup(input: $i) ${BACKUP} }`;
const EVENTS = `subscription($p: String!, $a: String) { events(project: $p, after: $a) {
  kind actor stage { slug }
  subject { __typename ... on BackupSnapshot { backupId displayName state message size restoreState restoreMessage stage { slug state } } }
} }`;
interface BackupEvent {
  kind: string;
  actor: string;
  stage: { slug: string } | null;
  subject: {
    __typename: string;
    backupId?: string;
    displayName?: string;
    state?: string;
    message?: string | null;
    size?: string;
    restoreState?: string | null;
    restoreMessage?: string | null;
    stage?: { slug: string; state: string };
  } | null;
}

let api: TestApi;
let project: string;
/** The Project's events from before the first backup: each test takes the BACKUP_* ones it caused, in order. */
let events: Subscription<{ events: BackupEvent }>;
/** Every BACKUP_* kind the tests saw: each must be (backupEventKinds). */
const seenKinds = new Set<string>();
async function nextBackupEvent(backupId: string): Promise<BackupEvent> {
  for (;;) {
    const { events: e } = await events.next(30_000);
    if (e.subject?.__typename === "BackupSnapshot") seenKinds.add(e.kind);
    if (e.subject?.__typename === "BackupSnapshot" && e.subject.backupId === backupId) return e;
  }
}
beforeAll(async () => {
  api = await startTestApi({ localAgentToken: agentToken });
  project = await createTestProject(api);
  await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV }) { slug } }`, { p: project });
  const artifact = await uploadArtifact(api, project);
  const { createBuild } = await api.ok(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
    i: { project, manifest: MANIFEST, artifact },
  });
  await api.ok(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "dev", build: $b }) { id } }`, {
    p: project,
    b: createBuild.name,
  });
  const { project: p } = await api.ok(`query($p: String!) { project(project: $p) { cursor } }`, { p: project });
  events = subscribe(api.ws(), EVENTS, { p: project, a: p.cursor });
});
afterAll(async () => {
  events?.close();
  await api?.close();
});

async function upload(
  backup: string,
  storage: string,
  body: Buffer,
  sha256 = createHash("sha256").update(body).digest("hex"),
  token = agentToken,
) {
  return fetch(`${api.server.url}/backups/${backup}/storages/${storage}?sha256=${sha256}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: new Uint8Array(body),
  });
}

describe("backups, the API's side", () => {
  it("backs up the standard storages only; READY once every one is uploaded with the hash the agent sent", async () => {
    const { createBackup } = await api.ok(CREATE, { p: project, n: "first" });
    expect(createBackup).toMatchObject({
      state: "PENDING",
      storages: [
        { name: "tick/log", ready: false },
        { name: "web/data", ready: false },
      ],
    });
    const archive = await makeArchive({ visits: "3" });
    // Not the agent: refused before a byte is read.
    expect((await upload(createBackup.id, "web/data", archive, undefined, api.adminToken)).status).toBe(403);
    // Bytes other than those the agent hashed: refused, the storage not ready.
    const damaged = await upload(createBackup.id, "web/data", archive, "0".repeat(64));
    expect(damaged.status).toBe(400);
    expect(await damaged.json()).toMatchObject({ errors: [{ extensions: { code: "BAD_USER_INPUT", field: "sha256" } }] });
    expect((await upload(createBackup.id, "web/nothing", archive)).status).toBe(400);
    expect((await upload(createBackup.id, "web/data", archive)).status).toBe(201);
    const half = (await api.ok(LIST, { p: project })).backups.find((b: { id: string }) => b.id === createBackup.id);
    expect(half.state).toBe("PENDING");
    // Another Outpost's agent: the backup is not one of its Stages'.
    const { createOutpost } = await api.ok(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken } }`, {
      i: { name: `elsewhere-${createBackup.id.slice(0, 8)}` },
    });
    expect((await upload(createBackup.id, "tick/log", archive, undefined, createOutpost.agentToken)).status).toBe(404);
    const foreign = await api.gql(REPORT, { i: { backup: createBackup.id, operation: "BACKUP", error: "x" } }, createOutpost.agentToken);
    expect(foreign.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect((await upload(createBackup.id, "tick/log", archive)).status).toBe(201);
    const done = await api.ok(REPORT, { i: { backup: createBackup.id, operation: "BACKUP" } }, agentToken);
    expect(done.reportBackup).toMatchObject({
      state: "READY",
      size: String(archive.length * 2),
      storages: [{ ready: true }, { ready: true }],
    });
    // The log tells it: asked by the admin, READY by the agent's last upload, each with the backup as it was then.
    expect(await nextBackupEvent(createBackup.id)).toEqual({
      kind: "BACKUP_CREATED",
      actor: expect.stringMatching(/^admin@/),
      stage: { slug: "dev" },
      subject: {
        __typename: "BackupSnapshot",
        backupId: createBackup.id,
        displayName: "first",
        state: "PENDING",
        message: null,
        size: "0",
        restoreState: null,
        restoreMessage: null,
        stage: { slug: "dev", state: "RUNNING" },
      },
    });
    expect(await nextBackupEvent(createBackup.id)).toMatchObject({
      kind: "BACKUP_READY",
      actor: "agent of local",
      stage: { slug: "dev" },
      subject: { state: "READY", size: String(archive.length * 2), displayName: "first" },
    });
    // A late failure report does not undo a READY backup; a late upload is refused.
    const late = await api.ok(REPORT, { i: { backup: createBackup.id, operation: "BACKUP", error: "too late" } }, agentToken);
    expect(late.reportBackup).toMatchObject({ state: "READY", message: null });
    expect((await upload(createBackup.id, "web/data", archive)).status).toBe(400);
  });

  it("a failed backup is FAILED with the agent's reason, and takes no upload after", async () => {
    const { createBackup } = await api.ok(CREATE, { p: project, n: "doomed" });
    const archive = await makeArchive({ visits: "4" });
    expect((await upload(createBackup.id, "web/data", archive)).status).toBe(201);
    const failed = await api.ok(REPORT, { i: { backup: createBackup.id, operation: "BACKUP", error: "disk full" } }, agentToken);
    expect(failed.reportBackup).toMatchObject({ state: "FAILED", message: "disk full", size: "0" });
    expect((await upload(createBackup.id, "tick/log", archive)).status).toBe(400);
    expect((await nextBackupEvent(createBackup.id)).kind).toBe("BACKUP_CREATED");
    expect(await nextBackupEvent(createBackup.id)).toMatchObject({
      kind: "BACKUP_FAILED",
      actor: "agent of local",
      subject: { state: "FAILED", message: "disk full", size: "0", displayName: "doomed" },
    });
    const again = await api.ok(LIST, { p: project });
    expect(again.backups.find((b: { id: string }) => b.id === createBackup.id).state).toBe("FAILED");
  });

  it("restores only into a SUSPENDED Stage, one restore at a time; the agent is sent it and may read its archives; resuming waits for it", async () => {
    const { createBackup } = await api.ok(CREATE, { p: project, n: "to restore" });
    const archive = await makeArchive({ visits: "7" });
    for (const storage of ["web/data", "tick/log"]) expect((await upload(createBackup.id, storage, archive)).status).toBe(201);
    const RESTORE = `mutation($p: String!, $b: ID!) { restoreBackup(project: $p, stage: "dev", backup: $b) ${BACKUP} }`;
    const RESUME = `mutation($p: String!) { resumeStage(project: $p, slug: "dev") { state } }`;

    // Suspended as the agent would have it: suspendStage, then its report that everything stopped.
    await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p: project });
    const desired = subscribe(api.ws(agentToken), DESIRED, {});
    const dev = async (wanted: (s: DesiredView) => boolean) => {
      for (;;) {
        const found = (await desired.next(30_000)).desiredState.stages.find((s: DesiredView) => s.key === `${project}/dev` && wanted(s));
        if (found) return found as DesiredView;
      }
    };
    const suspending = await dev((s) => s.suspended);
    const stopped = (name: string, kind: string) => ({ name, kind, state: "SUSPENDED", health: "UNKNOWN", restarts: 0 });
    const { reportStatus } = await api.ok(
      `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted reason } }`,
      {
        i: {
          stageId: suspending.stageId,
          releaseId: suspending.release!.id,
          observedGeneration: suspending.generation,
          components: [stopped("web", "SERVICE"), stopped("tick", "CRON")],
        },
      },
      agentToken,
    );
    expect(reportStatus).toEqual({ accepted: true, reason: null });

    const { restoreBackup } = await api.ok(RESTORE, { p: project, b: createBackup.id });
    expect(restoreBackup.restoreState).toBe("PENDING");
    const told = await dev((s) => s.restore !== null);
    expect(told.restore).toEqual({
      backup: createBackup.id,
      storages: ["tick/log", "web/data"].map((name) => ({ name, sha256: createHash("sha256").update(archive).digest("hex") })),
    });
    const download = await fetch(`${api.server.url}/artifacts/${told.restore!.storages[0]!.sha256}`, {
      headers: { authorization: `Bearer ${agentToken}` },
    });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(archive)).toBe(true);

    const twice = await api.gql(RESTORE, { p: project, b: createBackup.id });
    expect(twice.errors?.[0]).toMatchObject({ message: `A restore of backup "${createBackup.id}" is under way on Stage "dev"` });
    const early = await api.gql(RESUME, { p: project });
    expect(early.errors?.[0]?.extensions?.code).toBe("STATE_CONFLICT");
    expect(early.errors?.[0]?.message).toMatch(/is being restored from backup/);

    const done = await api.ok(REPORT, { i: { backup: createBackup.id, operation: "RESTORE" } }, agentToken);
    expect(done.reportBackup.restoreState).toBe("DONE");
    expect((await nextBackupEvent(createBackup.id)).kind).toBe("BACKUP_CREATED");
    expect((await nextBackupEvent(createBackup.id)).kind).toBe("BACKUP_READY");
    // Asked (by the admin, on the SUSPENDED Stage), then done (by the agent): two honest points.
    expect(await nextBackupEvent(createBackup.id)).toMatchObject({
      kind: "BACKUP_RESTORE_REQUESTED",
      actor: expect.stringMatching(/^admin@/),
      subject: { state: "READY", restoreState: "PENDING", stage: { state: "SUSPENDED" } },
    });
    expect(await nextBackupEvent(createBackup.id)).toMatchObject({
      kind: "BACKUP_RESTORED",
      actor: "agent of local",
      subject: { state: "READY", restoreState: "DONE", restoreMessage: null },
    });
    expect((await api.ok(RESUME, { p: project })).resumeStage.state).toBe("RESUMING");
    desired.close();
  });

  it("a restore the agent could not do is BACKUP_RESTORE_FAILED, with its reason", async () => {
    // The Stage is RESUMING (the previous test): suspended again as the agent would have it.
    const { createBackup } = await api.ok(CREATE, { p: project, n: "restore fails" });
    const archive = await makeArchive({ visits: "8" });
    for (const storage of ["web/data", "tick/log"]) expect((await upload(createBackup.id, storage, archive)).status).toBe(201);
    const RESTORE = `mutation($p: String!, $b: ID!) { restoreBackup(project: $p, stage: "dev", backup: $b) ${BACKUP} }`;
    const notSuspended = await api.gql(RESTORE, { p: project, b: createBackup.id });
    expect(notSuspended.errors?.[0]).toMatchObject({ message: "Stage is not suspended", extensions: { code: "STATE_CONFLICT" } });
    await suspendAsAgent();
    await api.ok(RESTORE, { p: project, b: createBackup.id });
    const failed = await api.ok(REPORT, { i: { backup: createBackup.id, operation: "RESTORE", error: "no space left" } }, agentToken);
    expect(failed.reportBackup).toMatchObject({ state: "READY", restoreState: "FAILED" });
    const kinds: string[] = [];
    for (;;) {
      const e = await nextBackupEvent(createBackup.id);
      kinds.push(e.kind);
      if (e.kind === "BACKUP_RESTORE_FAILED") {
        expect(e).toMatchObject({ actor: "agent of local", subject: { restoreState: "FAILED", restoreMessage: "no space left" } });
        break;
      }
    }
    expect(kinds).toEqual(["BACKUP_CREATED", "BACKUP_READY", "BACKUP_RESTORE_REQUESTED", "BACKUP_RESTORE_FAILED"]);
    // Each kind of backup event, with a BackupSnapshot: event-subject.test.ts leaves these to this file.
    expect([...seenKinds].sort()).toEqual([...backupEventKinds].sort());
  });

  it(`keeps the Stage's backupRetention newest READY backups (${BACKUP_RETENTION} unless set; 1 to 100)`, async () => {
    const STAGE = `query($p: String!) { stage(project: $p, stage: "dev") { backupRetention } }`;
    const UPDATE = `mutation($p: String!, $n: Int!) { updateStage(input: { project: $p, stage: "dev", backupRetention: $n }) { backupRetention } }`;
    expect((await api.ok(STAGE, { p: project })).stage.backupRetention).toBe(BACKUP_RETENTION);
    for (const n of [0, 101, -3]) {
      const refused = await api.gql(UPDATE, { p: project, n });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "backupRetention" });
    }
    expect((await api.ok(UPDATE, { p: project, n: 3 })).updateStage.backupRetention).toBe(3);
    expect((await api.ok(STAGE, { p: project })).stage.backupRetention).toBe(3);

    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { createBackup } = await api.ok(CREATE, { p: project, n: `kept ${i}` });
      const archive = await makeArchive({ visits: String(i) });
      for (const storage of ["web/data", "tick/log"]) expect((await upload(createBackup.id, storage, archive)).status).toBe(201);
      made.push(createBackup.id);
    }
    const { backups } = await api.ok(LIST, { p: project });
    const ready = backups.filter((b: { state: string }) => b.state === "READY").map((b: { id: string }) => b.id);
    expect(ready).toEqual(made.slice(-3).reverse());
    // FAILED ones are not counted, and stay to tell what happened.
    expect(backups.filter((b: { state: string }) => b.state === "FAILED")).toHaveLength(1);

    // A larger count keeps more from the next READY on; nothing pruned comes back.
    await api.ok(UPDATE, { p: project, n: 4 });
    const { createBackup } = await api.ok(CREATE, { p: project, n: "kept 5" });
    const archive = await makeArchive({ visits: "5" });
    for (const storage of ["web/data", "tick/log"]) expect((await upload(createBackup.id, storage, archive)).status).toBe(201);
    const after = (await api.ok(LIST, { p: project })).backups.filter((b: { state: string }) => b.state === "READY");
    expect(after.map((b: { id: string }) => b.id)).toEqual([createBackup.id, ...made.slice(-3).reverse()]);
  });
});

/** suspendStage, then the agent's report that everything stopped: SUSPENDED. */
async function suspendAsAgent(): Promise<void> {
  const state = (await api.ok(`query($p: String!) { stage(project: $p, stage: "dev") { state } }`, { p: project })).stage.state;
  if (state === "RESUMING") {
    // Back to RUNNING first, as the agent would report it.
    await reportAll("RUNNING");
  }
  await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p: project });
  await reportAll("SUSPENDED");
}

async function reportAll(state: "RUNNING" | "SUSPENDED"): Promise<void> {
  const desired = subscribe(api.ws(agentToken), DESIRED, {});
  try {
    const dev = (await desired.next(30_000)).desiredState.stages.find((s: DesiredView) => s.key === `${project}/dev`) as DesiredView;
    const component = (name: string, kind: string) => ({ name, kind, state, health: "UNKNOWN", restarts: 0 });
    const { reportStatus } = await api.ok(
      `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted reason } }`,
      {
        i: {
          stageId: dev.stageId,
          releaseId: dev.release!.id,
          observedGeneration: dev.generation,
          components: [component("web", "SERVICE"), component("tick", "CRON")],
        },
      },
      agentToken,
    );
    expect(reportStatus).toEqual({ accepted: true, reason: null });
  } finally {
    desired.close();
  }
}

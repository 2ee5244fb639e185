/**
 * The API's side of backups, with the test acting as the Stage's agent (its token, its upload
 * route, `reportBackup`): a storage is ready only with the bytes the agent hashed, a backup is
 * READY only when every storage is in, a FAILED or READY one does not change its mind, and only
 * the newest BACKUP_RETENTION READY backups of a Stage are kept.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../auth/token.service.js";
import { makeArchive } from "../testing/archive.js";
import { uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, subscribe, type TestApi } from "../testing/harness.js";
import { BACKUP_RETENTION } from "@pergola/schema";

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

let api: TestApi;
let project: string;
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
});
afterAll(() => api?.close());

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
        const found = (await desired.next(10_000)).desiredState.stages.find((s: DesiredView) => s.key === `${project}/dev` && wanted(s));
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
    expect((await api.ok(RESUME, { p: project })).resumeStage.state).toBe("RESUMING");
    desired.close();
  });

  it(`keeps the newest ${BACKUP_RETENTION} READY backups of a Stage`, async () => {
    const made: string[] = [];
    for (let i = 0; i < BACKUP_RETENTION + 2; i++) {
      const { createBackup } = await api.ok(CREATE, { p: project, n: `kept ${i}` });
      const archive = await makeArchive({ visits: String(i) });
      for (const storage of ["web/data", "tick/log"]) expect((await upload(createBackup.id, storage, archive)).status).toBe(201);
      made.push(createBackup.id);
    }
    const { backups } = await api.ok(LIST, { p: project });
    const ready = backups.filter((b: { state: string }) => b.state === "READY").map((b: { id: string }) => b.id);
    expect(ready).toEqual(made.slice(-BACKUP_RETENTION).reverse());
    // FAILED ones are not counted, and stay to tell what happened.
    expect(backups.filter((b: { state: string }) => b.state === "FAILED")).toHaveLength(1);
  });
});
